"""The main job: Table 2 of the paper measured on the synthetic benchmark.

Renders the synthetic motion benchmark once (16-frame 80x80 videos with
motion streaks; splits ``train``, ``train_biased``, ``train_lowlabel``,
``val``, ``val_biased``, ``test``, ``unlabelled``), trains through
``tools/train.py`` the three self-supervised HCML stages once on the
unlabelled split, then for each setting (unbiased, appearance-biased and
low-label training) the baseline R2D, the R2D with Prime Motion Blocks but
no self-supervision ("PMB only") and HCML's joint training from the stages.
Every run gets a config file of its own under ``<work_dir>/configs`` that
inherits the repository's synthetic config of that run plus
``configs/hcml/_base_/datasets/synthetic_benchmark.py``, so each figure can
be reproduced by hand.

The models are then evaluated in-process (:mod:`.evaluate`) on the val split
(used for every choice) and on the test split (reported only): one centre
view, and for the unbiased setting also several distinct views; pooled
level-``l`` features feed a linear probe (Table 1 style). Figures carry
percentile-bootstrap 95% intervals over test clips and claims (a)-(e) are
checked (:mod:`.claims`).
"""
import math
import os
import os.path as osp
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..datasets.synthetic_motion import (MOTION_CLASSES, REVERSAL_PAIRS,
                                         render_benchmark)
from .claims import check_claims
from .metrics import (bootstrap_ci, pair_accuracy, pair_identity_accuracy,
                      per_class_accuracy, top1_accuracy)

__all__ = ['StudySettings', 'run_study', 'MODELS', 'SETTINGS', 'SELF_SUP']

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCH_BASE = osp.join(ROOT, 'configs/hcml/_base_/datasets/'
                      'synthetic_benchmark.py')
#: reported model -> the training runs it needs, in order
MODELS = {
    'baseline': ('baseline', ),
    'pmb_only': ('pmb', ),
    'hcml': ('stage1', 'stage2', 'stage3', 'joint'),
}
#: the self-supervised stages: trained once on the unlabelled split (no
#: labels, no appearance bias), shared by the joint runs of every setting
SELF_SUP = ('stage1', 'stage2', 'stage3')
#: training settings -> the labelled list they train on
SETTINGS = {'unbiased': 'train', 'biased': 'train_biased',
            'lowlabel': 'train_lowlabel'}
#: seconds of one training iteration of 8 clips (12x64x64) relative to the
#: baseline's, measured in the README's run on 2 cores (baseline 0.55 s, PMB
#: 1.1 s, stage 1 2.5 s, stage 2 0.7 s, stage 3 0.5 s, joint 1.8 s); only
#: used for the ETA
_COST = {'baseline': 1.0, 'pmb': 2.0, 'stage1': 4.5, 'stage2': 1.3,
         'stage3': 0.9, 'joint': 3.3}


@dataclass
class StudySettings:
    """Sizes of the study; the defaults fit 20 minutes on 2 CPU cores."""
    work_dir: str = 'work_dirs/synthetic_benchmark'
    appearance_bias: float = 0.8
    train_per_class: int = 24
    lowlabel_per_class: int = 8
    val_per_class: int = 10
    test_per_class: int = 20
    unlabelled: int = 1008
    frames: int = 16
    size: int = 80
    crop: int = 64
    clip_len: int = 12
    seed: int = 0
    epochs: int = 2
    lowlabel_epochs: int = 6
    stage_epochs: int = 1
    batch_size: int = 8
    num_workers: int = 2
    windows: int = 3
    crops: int = 3
    bootstrap: int = 1000
    flow_examples: int = 4
    #: keep the rendered data and every run that has a final checkpoint
    #: (a study stopped half-way continues where it stopped)
    resume: bool = False


def _log(message: str) -> None:
    print(f'[synthetic-benchmark {time.strftime("%H:%M:%S")}] {message}',
          flush=True)


def _schedule(epochs: int) -> str:
    warmup = 1 if epochs > 1 else 0
    lines = []
    if warmup:
        lines.append("    dict(type='LinearLR', start_factor=0.1, by_epoch=True, "
                     "begin=0, end=1, convert_to_iter_based=True),")
    lines.append(f"    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, "
                 f"begin={warmup}, end={epochs}, T_max={max(epochs - warmup, 1)}),")
    return 'param_scheduler = [\n' + '\n'.join(lines) + '\n]\n'


def _summary(scores: np.ndarray, labels: np.ndarray, reps: int,
             seed: int) -> dict:
    """Top-1, within-pair and pair-identity accuracy with bootstrap CIs."""
    pairs = REVERSAL_PAIRS
    stats = dict(
        top1=lambda i: top1_accuracy(scores[i], labels[i]),
        within_pair=lambda i: pair_accuracy(scores[i], labels[i], pairs),
        pair_identity=lambda i: pair_identity_accuracy(scores[i], labels[i],
                                                       pairs))
    full = np.arange(len(labels))
    out = {}
    for name, stat in stats.items():
        out[name] = stat(full)
        out[f'{name}_ci95'] = list(bootstrap_ci(stat, len(labels), reps,
                                                seed))
    out['per_class'] = [None if np.isnan(v) else float(v) for v in
                        per_class_accuracy(scores, labels,
                                           len(MOTION_CLASSES))]
    out['num_samples'] = int(len(labels))
    return out


class _Study:

    def __init__(self, settings: StudySettings) -> None:
        self.s = settings
        self.out = osp.abspath(settings.work_dir)
        self.data_dir = osp.join(self.out, 'data')
        self.videos = osp.join(self.data_dir, 'videos')
        self.timings: Dict[str, float] = {}

    # ------------------------------------------------------------ data
    def render(self) -> dict:
        s = self.s
        _log(f'rendering the benchmark ({s.frames} frames of {s.size}x'
             f'{s.size}; appearance bias {s.appearance_bias} in '
             'train_biased / val_biased) ...')
        start = time.time()
        info = render_benchmark(
            self.data_dir, num_train_per_class=s.train_per_class,
            num_val_per_class=s.val_per_class,
            num_test_per_class=s.test_per_class,
            num_unlabelled=s.unlabelled,
            num_lowlabel_per_class=s.lowlabel_per_class,
            num_frames=s.frames, size=s.size, seed=s.seed,
            appearance_bias=s.appearance_bias, progress=True,
            workers=max(1, s.num_workers))
        self.timings['render'] = time.time() - start
        return info

    # ------------------------------------------------------------ runs
    def runs(self) -> List[Tuple[str, str]]:
        """``(setting, run)`` in training order; stages under 'selfsup'."""
        out = [('selfsup', run) for run in SELF_SUP]
        for setting in SETTINGS:
            out += [(setting, 'baseline'), (setting, 'pmb'),
                    (setting, 'joint')]
        return out

    def num_clips(self, setting: str, run: str) -> int:
        s = self.s
        if run in SELF_SUP:
            return s.unlabelled
        per_class = (s.lowlabel_per_class if setting == 'lowlabel' else
                     s.train_per_class)
        return per_class * len(MOTION_CLASSES)

    def epochs(self, setting: str, run: str) -> int:
        if run in SELF_SUP:
            return self.s.stage_epochs
        return (self.s.lowlabel_epochs if setting == 'lowlabel' else
                self.s.epochs)

    def iterations(self, setting: str, run: str) -> int:
        return self.epochs(setting, run) * math.ceil(
            self.num_clips(setting, run) / self.s.batch_size)

    def run_dir(self, setting: str, run: str) -> str:
        return osp.join(self.out, setting, run)

    def config_path(self, setting: str, run: str) -> str:
        return osp.join(self.out, 'configs', f'{setting}_{run}.py')

    def write_config(self, setting: str, run: str) -> str:
        s = self.s
        stage = run in SELF_SUP
        epochs = self.epochs(setting, run)
        ann = osp.join(self.data_dir, ('unlabelled' if stage else
                                       SETTINGS[setting]) + '.txt')
        pipeline = ('bench_unlabelled_pipeline' if stage else
                    'bench_train_pipeline')
        base = osp.join(ROOT, 'configs/hcml/synthetic', f'{run}_synthetic.py')
        workers = s.num_workers
        text = [
            f'_base_ = [{base!r}, {BENCH_BASE!r}]',
            f'work_dir = {self.run_dir(setting, run)!r}',
            'train_dataloader = dict(',
            f'    batch_size={s.batch_size}, num_workers={workers},',
            f'    persistent_workers={workers > 0},',
            f'    dataset=dict(ann_file={ann!r},',
            f'                 data_prefix=dict(video={self.videos!r}),',
            f'                 pipeline={{{{_base_.{pipeline}}}}}))',
            f'train_cfg = dict(max_epochs={epochs}'
            + ('' if stage else f', val_interval={epochs}') + ')',
            _schedule(epochs),
            f'default_hooks = dict(checkpoint=dict(interval={epochs}, '
            'max_keep_ckpts=1, save_best=None), logger=dict(interval=10))',
        ]
        if run != 'baseline':
            text.append('model = dict(backbone=dict('
                        'motion_block={{_base_.bench_motion_block}}))')
        if not stage:
            loader = (f'dict(batch_size=16, num_workers={workers}, '
                      f'persistent_workers={workers > 0}, dataset=dict('
                      f'ann_file={osp.join(self.data_dir, "val.txt")!r}, '
                      f'data_prefix=dict(video={self.videos!r}), '
                      'pipeline={{_base_.bench_val_pipeline}}))')
            text += [f'val_dataloader = {loader}',
                     f'test_dataloader = {loader}']
        previous = {'stage2': ['stage1'], 'stage3': ['stage2'],
                    'joint': ['stage1', 'stage2', 'stage3']}.get(run, [])
        if previous:
            heads = {'stage1': 'rec_l1', 'stage2': 'con_l2', 'stage3': 'con_l3'}
            stages = ', '.join(
                f"dict(name='{p}_synthetic', "
                f'work_dir={self.run_dir("selfsup", p)!r}, '
                f"heads=['{heads[p]}'])" for p in previous)
            hooks = [f"dict(type='LoadStageCheckpointHook', stages=[{stages}])"]
            if stage:
                hooks.insert(0, "dict(type='ProgressiveFreezeHook', "
                             f'frozen_levels={int(run[-1]) - 1})')
            text.append('custom_hooks = [' + ', '.join(hooks) + ']')
        path = self.config_path(setting, run)
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write('\n'.join(text) + '\n')
        return path

    def _call(self, args: List[str], log: str) -> None:
        os.makedirs(osp.dirname(log), exist_ok=True)
        with open(log, 'w') as f:
            code = subprocess.call([sys.executable, *args], stdout=f,
                                   stderr=subprocess.STDOUT, cwd=ROOT)
        if code != 0:
            with open(log) as f:
                tail = f.read()[-3000:]
            raise RuntimeError(f'{" ".join(args)} failed (exit {code}); '
                               f'log {log}:\n{tail}')

    def train(self, setting: str, run: str) -> None:
        config = self.write_config(setting, run)
        start = time.time()
        self._call([osp.join(ROOT, 'tools', 'train.py'), config],
                   osp.join(self.run_dir(setting, run), 'train.log'))
        self.timings[f'train_{setting}_{run}'] = time.time() - start

    def checkpoint(self, setting: str, run: str) -> str:
        pointer = osp.join(self.run_dir(setting, run), 'last_checkpoint')
        with open(pointer) as f:
            return f.read().strip()

    def model_run(self, setting: str, name: str) -> Tuple[str, str]:
        """``(config, checkpoint)`` of a reported model."""
        run = MODELS[name][-1]
        return self.config_path(setting, run), self.checkpoint(setting, run)

    # ------------------------------------------------------------ testing
    def evaluate(self, progress) -> Tuple[dict, dict]:
        """Scores and summaries of every model; probes of the unbiased ones.

        Returns:
            ``(results, arrays)``: JSON-ready figures, and the per-clip
            score arrays the claims and plots need.
        """
        from .evaluate import ModelRunner, read_split, ridge_probe, view_offsets
        s = self.s
        splits = {name: read_split(osp.join(self.data_dir, f'{name}.txt'),
                                   self.videos)
                  for name in ('train', 'val', 'test', 'val_biased')}
        one = view_offsets(s.frames, s.size, s.clip_len, s.crop, 1, 1)
        multi = view_offsets(s.frames, s.size, s.clip_len, s.crop,
                             s.windows, s.crops)
        multi_key = f'test_{len(multi)}view'
        labels = splits['test'][1]
        results: dict = dict(models={}, probe={}, views=dict(
            one='1 view: the centre 12-frame window, centre 64x64 crop',
            multi=f'{len(multi)} distinct views = {s.windows} temporal '
            f'windows (starts {sorted({v[0] for v in multi})}) x {s.crops} '
            f'spatial crops of the {s.size}x{s.size} frames (offsets '
            f'{sorted({v[1] for v in multi})} on both axes), probabilities '
            'averaged', multi_key=multi_key))
        arrays: dict = dict(scores={}, probe={}, labels=labels)
        for setting in SETTINGS:
            for name in MODELS:
                progress(f'testing {name} ({setting} training)')
                start = time.time()
                runner = ModelRunner(*self.model_run(setting, name))
                entry = results['models'].setdefault(setting, {}).setdefault(
                    name, {})
                test_p, test_f = runner.evaluate(splits['test'][0], one,
                                                 s.clip_len, s.crop)
                val_p, val_f = runner.evaluate(splits['val'][0], one,
                                               s.clip_len, s.crop)
                arrays['scores'].setdefault(setting, {})[name] = test_p
                entry['test_1view'] = _summary(test_p, labels, s.bootstrap,
                                               s.seed)
                entry['val_1view'] = _summary(val_p, splits['val'][1],
                                              s.bootstrap, s.seed)
                if setting == 'biased':
                    vb_p, _ = runner.evaluate(splits['val_biased'][0], one,
                                              s.clip_len, s.crop)
                    entry['val_biased_1view'] = _summary(
                        vb_p, splits['val_biased'][1], s.bootstrap, s.seed)
                if setting == 'unbiased':
                    multi_p, _ = runner.evaluate(splits['test'][0], multi,
                                                 s.clip_len, s.crop)
                    entry[multi_key] = _summary(multi_p, labels, s.bootstrap,
                                                s.seed)
                    _, train_f = runner.evaluate(splits['train'][0], one,
                                                 s.clip_len, s.crop)
                    probe = results['probe'].setdefault(name, {})
                    for level in sorted(test_f):
                        scores, alpha = ridge_probe(
                            train_f[level], splits['train'][1], val_f[level],
                            splits['val'][1], test_f[level],
                            len(MOTION_CLASSES))
                        arrays['probe'].setdefault(name, {})[level] = scores
                        summary = _summary(scores, labels, s.bootstrap,
                                           s.seed)
                        summary.pop('per_class')
                        probe[f'level{level}'] = dict(
                            summary, alpha=alpha,
                            channels=int(test_f[level].shape[1]))
                self.timings[f'test_{setting}_{name}'] = time.time() - start
        arrays['flow_frames'] = splits['test'][0]
        return results, arrays


def run_study(settings: StudySettings,
              report: Optional[callable] = None) -> dict:
    """Render, train, test; returns (and writes) the results dict."""
    study = _Study(settings)
    start = time.time()
    runs = study.runs()
    planned = {r: study.iterations(*r) * _COST[r[1]] for r in runs}
    # testing and the report, in baseline-iteration units (measured: about
    # a tenth of the training time)
    tail = 0.1 * sum(planned.values())
    state = dict(done=0.0, train_time=0.0)

    def eta() -> str:
        remaining = sum(planned.values()) - state['done'] + tail
        if state['done'] == 0:
            return 'ETA after the first run'
        rate = state['train_time'] / state['done']
        return f'ETA {remaining * rate / 60:.1f} min'

    if settings.resume and osp.isfile(osp.join(study.data_dir, 'meta.json')):
        _log(f'--resume: keeping the rendered data in {study.data_dir}')
    else:
        study.render()
    render_s = time.time() - start
    _log(f'rendered in {render_s / 60:.1f} min; {len(runs)} training runs '
         f'({sum(study.iterations(*r) for r in runs)} iterations) follow')
    for index, (setting, run) in enumerate(runs):
        _log(f'[{index + 1}/{len(runs)}] training {run} ({setting}, '
             f'{study.epochs(setting, run)} epochs = '
             f'{study.iterations(setting, run)} iterations; elapsed '
             f'{(time.time() - start) / 60:.1f} min, {eta()})')
        t0 = time.time()
        if settings.resume and osp.isfile(osp.join(study.run_dir(setting, run),
                                                   'last_checkpoint')):
            _log(f'--resume: keeping {study.run_dir(setting, run)}')
            study.write_config(setting, run)
            planned[(setting, run)] = 0.0  # nothing left to do, no time taken
            continue
        study.train(setting, run)
        state['train_time'] += time.time() - t0
        state['done'] += planned[(setting, run)]

    def progress(message: str) -> None:
        _log(f'{message} (elapsed {(time.time() - start) / 60:.1f} min, '
             f'{eta()})')

    results, arrays = study.evaluate(progress)
    results.update(settings=asdict(settings), classes=list(MOTION_CLASSES),
                   reversal_pairs=[list(p) for p in REVERSAL_PAIRS])
    results['claims'] = check_claims(arrays['scores'], arrays['labels'],
                                     arrays['probe'], REVERSAL_PAIRS,
                                     reps=settings.bootstrap,
                                     seed=settings.seed)
    results['iterations'] = {f'{a}_{b}': study.iterations(a, b)
                             for a, b in runs}
    results['timings_s'] = study.timings
    if report is not None:
        report(study, results, arrays)
    results['total_minutes'] = (time.time() - start) / 60
    if report is not None:  # the final wall time goes into the files too
        report(study, results, arrays, plots=False)
    _log(f'done in {results["total_minutes"]:.1f} min')
    return results
