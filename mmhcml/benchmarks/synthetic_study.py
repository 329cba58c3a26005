"""The main job: Table 2 of the paper measured on the synthetic benchmark.

Renders the synthetic motion benchmark once (16-frame 80x80 videos of the
four translation pairs, each object a bar along its motion axis; splits
``train``, ``train_biased``, ``train_lowlabel``, ``val``, ``val_biased``,
``test``, ``unlabelled``), trains through
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
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..datasets.synthetic_motion import (CLASS_SETS, MOTION_CLASSES,
                                         REVERSAL_PAIRS, render_benchmark)
from .arms import RUNS, SELF_SUP, motion_heads
from .claims import check_claims
from .hierarchy import (HIERARCHY_ARRAYS, hierarchy_arrays,
                        hierarchy_results, save_seed_arrays)
from .metrics import (bootstrap_ci, pair_accuracy, pair_identity_accuracy,
                      per_class_accuracy, top1_accuracy)

__all__ = ['StudySettings', 'run_study', 'MODELS', 'SETTINGS', 'SELF_SUP',
           'LEVEL_MODELS', 'MODEL_RUNS', 'HIERARCHY_SETTINGS']

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCH_BASE = osp.join(ROOT, 'configs/hcml/_base_/datasets/'
                      'synthetic_benchmark.py')
#: the folder of the tiny synthetic configs each run's config inherits
#: (``<run>_synthetic.py``)
RUN_CONFIGS = osp.join(ROOT, 'configs/hcml/tiny')
#: Table 2's models (every setting); the runs each starts from are in
#: :data:`.arms.RUNS`
MODELS = ('baseline', 'pmb_only', 'hcml')
#: Figure 2's arms beyond Table 2's (see :mod:`.arms`): joint training from
#: stage 1 only, from stages 1-2, and from stages 1-3 trained on
#: time-shuffled contrastive targets
LEVEL_MODELS = ('hcml_stage1', 'hcml_stages12', 'hcml_shuffled')
#: reported model -> its final training run
MODEL_RUNS = {'baseline': 'baseline', 'pmb_only': 'pmb', 'hcml': 'joint',
              'hcml_stage1': 'joint_s1', 'hcml_stages12': 'joint_s12',
              'hcml_shuffled': 'joint_shuffled'}
#: training settings -> the labelled list they train on
SETTINGS = {'unbiased': 'train', 'biased': 'train_biased',
            'lowlabel': 'train_lowlabel'}
#: the settings that also train Figure 2's arms
HIERARCHY_SETTINGS = ('lowlabel', 'unbiased')
#: seconds of one training iteration of 8 clips (12x64x64) relative to the
#: baseline's (measured with one thread: baseline 0.18 s, PMB 0.4 s; the
#: others from the earlier 2-core run: stage 1 4.5x, stage 2 1.3x, stage 3
#: 0.9x, joint 3.3x the baseline); only used for the ETA
_COST = {'baseline': 1.0, 'pmb': 2.2, 'stage1': 4.5, 'stage2': 1.3,
         'stage3': 0.9, 'joint': 3.3}  # keyed by the paper run an arm varies


@dataclass
class StudySettings:
    """Sizes of the study; the defaults fit 20 minutes on 2 CPU cores."""
    work_dir: str = 'work_dirs/synthetic_benchmark'
    #: 0.95: val drop of the baseline's unbiased top-1 9.7 points (two seeds;
    #: 0.8: 7.2)
    appearance_bias: float = 0.95
    classes: str = 'translation'
    axis_bars: bool = True
    streak_steps: int = 0
    #: 2: four copies of each bar (val: PMB-only 86.9% vs 19.4% with one)
    object_grid: int = 2
    train_per_class: int = 96
    #: 4: at 8 per class PMB-only already reaches 91% val top-1 (no room
    #: to show self-supervision); at 4 per class 69-75%
    lowlabel_per_class: int = 4
    val_per_class: int = 20
    test_per_class: int = 30
    unlabelled: int = 1008
    frames: int = 16
    size: int = 80
    crop: int = 64
    clip_len: int = 12
    seed: int = 0
    epochs: int = 3
    #: 40 epochs of 4 iterations: the 160 iterations of 20 epochs at 8
    lowlabel_epochs: int = 40
    #: 3: val low-label top-1 of HCML 92.5% vs PMB-only 75.0% (1 epoch:
    #: 75.0 vs 69.4%)
    stage_epochs: int = 3
    batch_size: int = 8
    num_workers: int = 2
    windows: int = 3
    crops: int = 3
    bootstrap: int = 1000
    flow_examples: int = 4
    #: keep the rendered data and every run that has a final checkpoint
    #: (a study stopped half-way continues where it stopped)
    resume: bool = False
    #: training runs at a time (each with cpu_count // jobs threads); the
    #: stage chain and the runs that need no stage train side by side
    jobs: int = 2
    #: False: only what Table 1 and claims (f)-(h) need: no baseline, no
    #: appearance-biased setting, no claims (a)-(e), and in the unbiased
    #: setting only PMB-only (Table 1's action supervision), so Figure 2's
    #: arms in the low-label setting; for the extra seeds of a seed sweep
    table2: bool = True


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


def _loads(run: str) -> Tuple[str, ...]:
    """The self-supervised runs whose checkpoints ``run`` starts from
    (:data:`.arms.RUNS`; none for the baseline and PMB-only runs)."""
    return RUNS[run].loads


def class_set(name: str) -> Tuple[Tuple[int, ...], List[Tuple[int, int]]]:
    """``(labels, reversal pairs)`` of a ``CLASS_SETS`` entry (``translation``,
    the study's default, or ``all``).

    Labels keep their index in ``MOTION_CLASSES`` and start at 0, so a head
    with ``len(labels)`` outputs scores exactly these classes.
    """
    if name not in CLASS_SETS:
        raise ValueError(f'classes must be one of {sorted(CLASS_SETS)}, got '
                         f'{name!r}')
    labels = CLASS_SETS[name]
    return labels, [p for p in REVERSAL_PAIRS if p[0] in labels]


def _summary(scores: np.ndarray, labels: np.ndarray, reps: int,
             seed: int, pairs: Sequence[Tuple[int, int]]) -> dict:
    """Top-1, within-pair and pair-identity accuracy with bootstrap CIs."""
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
                        per_class_accuracy(scores, labels, scores.shape[1])]
    out['num_samples'] = int(len(labels))
    return out


class _Study:

    def __init__(self, settings: StudySettings) -> None:
        self.s = settings
        self.out = osp.abspath(settings.work_dir)
        self.data_dir = osp.join(self.out, 'data')
        self.videos = osp.join(self.data_dir, 'videos')
        self.timings: Dict[str, float] = {}
        self.classes, self.pairs = class_set(settings.classes)

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
            workers=max(1, s.num_workers), classes=self.classes,
            axis_bars=s.axis_bars, streak_steps=s.streak_steps,
            object_grid=s.object_grid)
        self.timings['render'] = time.time() - start
        return info

    # ------------------------------------------------------------ runs
    def runs(self) -> List[Tuple[str, str]]:
        """``(setting, run)`` in training order; stages under 'selfsup'."""
        out = [('selfsup', run) for run in SELF_SUP]
        for setting in self.settings():
            out += [(setting, MODEL_RUNS[m]) for m in self.models(setting)]
        return out

    def settings(self) -> Tuple[str, ...]:
        """The training settings of this study (all three, or with
        ``table2=False`` those of Figure 2)."""
        return tuple(SETTINGS) if self.s.table2 else HIERARCHY_SETTINGS

    def models(self, setting: str) -> Tuple[str, ...]:
        """The reported models of a setting: Table 2's and Figure 2's arms
        in :data:`HIERARCHY_SETTINGS` (with ``table2=False`` Figure 2's in
        the low-label setting and PMB-only in the unbiased one)."""
        if not self.s.table2:
            return (('pmb_only', 'hcml', *LEVEL_MODELS)
                    if setting == 'lowlabel' else ('pmb_only', ))
        return MODELS + (LEVEL_MODELS if setting in HIERARCHY_SETTINGS
                         else ())

    def num_clips(self, setting: str, run: str) -> int:
        s = self.s
        if run in SELF_SUP:
            return s.unlabelled
        per_class = (s.lowlabel_per_class if setting == 'lowlabel' else
                     s.train_per_class)
        return per_class * len(self.classes)

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
        arm = RUNS[run]
        stage = arm.self_supervised
        epochs = self.epochs(setting, run)
        ann = osp.join(self.data_dir, ('unlabelled' if stage else
                                       SETTINGS[setting]) + '.txt')
        pipeline = ('bench_unlabelled_pipeline' if stage else
                    'bench_train_pipeline')
        base = osp.join(RUN_CONFIGS, f'{arm.paper_run}_synthetic.py')
        workers = s.num_workers
        text = [
            f'_base_ = [{base!r}, {BENCH_BASE!r}]',
            f'work_dir = {self.run_dir(setting, run)!r}',
            'train_dataloader = dict(',
            f'    batch_size={s.batch_size}, num_workers={workers},',
            f'    persistent_workers={workers > 0},',
            f'    dataset=dict(ann_file={ann!r},'
            + ('' if stage else f' num_classes={len(self.classes)},'),
            f'                 data_prefix=dict(video={self.videos!r}),',
            f'                 pipeline={{{{_base_.{pipeline}}}}}))',
            f'train_cfg = dict(max_epochs={epochs}'
            + ('' if stage else f', val_interval={epochs}') + ')',
            _schedule(epochs),
            f'default_hooks = dict(checkpoint=dict(interval={epochs}, '
            'max_keep_ckpts=1, save_best=None), logger=dict(interval=10))',
            f'randomness = dict(seed={s.seed})',
        ]
        # the benchmark's recipe (bench_* keys of synthetic_benchmark.py)
        head = ('' if stage else
                f', cls_head=dict(num_classes={len(self.classes)})')
        if run == 'baseline':
            text.append('model = dict(backbone={{_base_.bench_resnet}}'
                        f'{head})')
        else:
            text.append('model = dict(backbone=dict('
                        'backbone={{_base_.bench_resnet}}, '
                        'zero_init_fuse={{_base_.bench_zero_init_fuse}}, '
                        f'motion_block={{{{_base_.bench_motion_block}}}}){head})')
        heads = self.motion_heads(arm, base)
        if heads is not None:
            text.append(f'model.update(motion_heads={heads!r})')
        if arm.paper_run != 'stage1':
            text.append('optim_wrapper = dict('
                        'optimizer={{_base_.bench_optimizer}})')
        if not stage:
            loader = (f'dict(batch_size=16, num_workers={workers}, '
                      f'persistent_workers={workers > 0}, dataset=dict('
                      f'num_classes={len(self.classes)}, '
                      f'ann_file={osp.join(self.data_dir, "val.txt")!r}, '
                      f'data_prefix=dict(video={self.videos!r}), '
                      'pipeline={{_base_.bench_val_pipeline}}))')
            text += [f'val_dataloader = {loader}',
                     f'test_dataloader = {loader}']
        previous = _loads(run)
        if previous:
            stages = ', '.join(
                f"dict(name='{p}_synthetic', "
                f'work_dir={self.run_dir("selfsup", p)!r}, '
                f'heads={list(RUNS[p].heads)!r})' for p in previous)
            hooks = [f"dict(type='LoadStageCheckpointHook', stages=[{stages}])"]
            if stage:
                hooks.insert(0, "dict(type='ProgressiveFreezeHook', "
                             f'frozen_levels={arm.frozen_levels})')
            text.append('custom_hooks = [' + ', '.join(hooks) + ']')
        path = self.config_path(setting, run)
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write('\n'.join(text) + '\n')
        return path

    @staticmethod
    def motion_heads(arm, base: str) -> Optional[List[dict]]:
        """The motion heads ``arm`` trains where they differ from those of
        its base config ``base`` (:func:`.arms.motion_heads`)."""
        from mmengine.config import Config
        if not arm.heads:  # the baseline and PMB-only runs
            return None

        def heads(path: str) -> List[dict]:
            return Config.fromfile(path).to_dict()['model']['motion_heads']

        return motion_heads(arm, heads(base),
                            heads(osp.join(RUN_CONFIGS, 'stage1_synthetic.py')))

    def dependencies(self, setting: str, run: str) -> List[Tuple[str, str]]:
        """The runs whose checkpoints ``(setting, run)`` starts from."""
        return [('selfsup', p) for p in _loads(run)]

    def log_path(self, setting: str, run: str) -> str:
        return osp.join(self.run_dir(setting, run), 'train.log')

    def start(self, setting: str, run: str,
              threads: int) -> subprocess.Popen:
        """Write the run's config and start ``tools/train.py`` on it."""
        config = self.write_config(setting, run)
        log = self.log_path(setting, run)
        os.makedirs(osp.dirname(log), exist_ok=True)
        env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads))
        with open(log, 'w') as f:
            return subprocess.Popen(
                [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config],
                stdout=f, stderr=subprocess.STDOUT, cwd=ROOT, env=env)

    def check_exit(self, setting: str, run: str, code: int) -> None:
        """Raise with the log's tail if the run ``(setting, run)`` failed."""
        if code != 0:
            log = self.log_path(setting, run)
            with open(log) as f:
                tail = f.read()[-3000:]
            raise RuntimeError(
                f'tools/train.py {self.config_path(setting, run)} failed '
                f'(exit {code}); log {log}:\n{tail}')

    def checkpoint(self, setting: str, run: str) -> str:
        pointer = osp.join(self.run_dir(setting, run), 'last_checkpoint')
        with open(pointer) as f:
            return f.read().strip()

    def model_run(self, setting: str, name: str) -> Tuple[str, str]:
        """``(config, checkpoint)`` of a reported model."""
        run = MODEL_RUNS[name]
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
        for setting in self.settings():
            for name in self.models(setting):
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
                                               s.seed, self.pairs)
                entry['val_1view'] = _summary(val_p, splits['val'][1],
                                              s.bootstrap, s.seed, self.pairs)
                if name not in MODELS:  # Figure 2's arms: one view only
                    self.timings[f'test_{setting}_{name}'] = time.time() - start
                    continue
                if setting == 'biased':
                    vb_p, _ = runner.evaluate(splits['val_biased'][0], one,
                                              s.clip_len, s.crop)
                    entry['val_biased_1view'] = _summary(
                        vb_p, splits['val_biased'][1], s.bootstrap, s.seed,
                        self.pairs)
                if setting == 'unbiased':
                    multi_p, _ = runner.evaluate(splits['test'][0], multi,
                                                 s.clip_len, s.crop)
                    entry[multi_key] = _summary(multi_p, labels, s.bootstrap,
                                                s.seed, self.pairs)
                    _, train_f = runner.evaluate(splits['train'][0], one,
                                                 s.clip_len, s.crop)
                    probe = results['probe'].setdefault(name, {})
                    for level in sorted(test_f):
                        scores, alpha = ridge_probe(
                            train_f[level], splits['train'][1], val_f[level],
                            splits['val'][1], test_f[level],
                            len(self.classes))
                        arrays['probe'].setdefault(name, {})[level] = scores
                        summary = _summary(scores, labels, s.bootstrap,
                                           s.seed, self.pairs)
                        summary.pop('per_class')
                        probe[f'level{level}'] = dict(
                            summary, alpha=alpha,
                            channels=int(test_f[level].shape[1]))
                self.timings[f'test_{setting}_{name}'] = time.time() - start
        arrays['efficacy'] = self.efficacy(splits, one, progress)
        arrays['flow_frames'] = splits['test'][0]
        return results, arrays

    def efficacy(self, splits: dict, view: List[Tuple[int, int, int]],
                 progress: Callable[[str], None]) -> dict:
        """Table 1: a ridge probe on the pooled ``P^l`` of each
        supervision's model (:data:`.hierarchy.SUPERVISIONS`), trained on the
        unbiased train split, alpha chosen on val, scored on test.

        Returns:
            ``{supervision: {level: dict(train_acc, test_acc, efficacy,
            alpha, test_scores)}}``
        """
        from .evaluate import ModelRunner, probe_efficacy
        from .hierarchy import SUPERVISIONS
        s, out = self.s, {}
        for sup, (setting, run) in SUPERVISIONS.items():
            progress(f'Table 1 probe of P^l: {sup} ({run})')
            start = time.time()
            runner = ModelRunner(self.config_path(setting, run),
                                self.checkpoint(setting, run), motion=True)
            feats = {name: runner.evaluate(splits[name][0], view,
                                           s.clip_len, s.crop)[1]
                     for name in ('train', 'val', 'test')}
            out[sup] = {
                level: probe_efficacy(
                    feats['train'][level], splits['train'][1],
                    feats['val'][level], splits['val'][1],
                    feats['test'][level], splits['test'][1],
                    len(self.classes))
                for level in sorted(feats['test'])}
            self.timings[f'efficacy_{sup}'] = time.time() - start
        return out


def _train_all(study: _Study, runs: List[Tuple[str, str]],
               planned: Dict[Tuple[str, str], float], state: dict, eta,
               start: float) -> None:
    """Train every run, ``settings.jobs`` at a time, in list order as soon as
    the stages a run starts from have finished; ``state`` accumulates the
    wall time and the planned cost done (for the ETA)."""
    jobs = study.s.jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f'jobs must be an int >= 1, got {jobs!r}')
    threads = max(1, (os.cpu_count() or 1) // jobs)
    pending, done = list(runs), set()
    running: Dict[Tuple[str, str], Tuple[subprocess.Popen, float]] = {}
    wall0 = None
    try:
        while pending or running:
            while len(running) < jobs:
                ready = next((r for r in pending if all(
                    d in done for d in study.dependencies(*r))), None)
                if ready is None:
                    break
                pending.remove(ready)
                setting, run = ready
                index = runs.index(ready) + 1
                if study.s.resume and osp.isfile(osp.join(
                        study.run_dir(setting, run), 'last_checkpoint')):
                    _log(f'--resume: keeping {study.run_dir(setting, run)}')
                    study.write_config(setting, run)
                    planned[ready] = 0.0  # nothing left to do
                    done.add(ready)
                    continue
                _log(f'[{index}/{len(runs)}] training {run} ({setting}, '
                     f'{study.epochs(setting, run)} epochs = '
                     f'{study.iterations(setting, run)} iterations, '
                     f'{threads} thread(s); elapsed '
                     f'{(time.time() - start) / 60:.1f} min, {eta()})')
                wall0 = time.time() if wall0 is None else wall0
                running[ready] = (study.start(setting, run, threads),
                                  time.time())
            if not running:
                if not pending:  # every run was kept by --resume
                    break
                raise RuntimeError(f'runs {pending} wait for stages that '
                                   'never ran')
            time.sleep(0.2)
            for key, (proc, t0) in list(running.items()):
                code = proc.poll()
                if code is None:
                    continue
                del running[key]
                study.check_exit(*key, code)
                study.timings[f'train_{key[0]}_{key[1]}'] = time.time() - t0
                done.add(key)
                state['done'] += planned[key]
                state['train_time'] = time.time() - wall0
                _log(f'finished {key[1]} ({key[0]}) in '
                     f'{(time.time() - t0) / 60:.1f} min')
    finally:
        for proc, _ in running.values():  # an error stops the other runs
            proc.terminate()
            proc.wait()


def run_study(settings: StudySettings,
              report: Optional[callable] = None) -> dict:
    """Render, train, test; returns (and writes) the results dict."""
    study = _Study(settings)
    start = time.time()
    runs = study.runs()
    planned = {r: study.iterations(*r) * _COST[RUNS[r[1]].paper_run] for r in runs}
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
    _train_all(study, runs, planned, state, eta, start)

    def progress(message: str) -> None:
        _log(f'{message} (elapsed {(time.time() - start) / 60:.1f} min, '
             f'{eta()})')

    results, arrays = study.evaluate(progress)
    results.update(settings=asdict(settings),
                   classes=[MOTION_CLASSES[c] for c in study.classes],
                   reversal_pairs=[list(p) for p in study.pairs])
    results['claims'] = (check_claims(
        arrays['scores'], arrays['labels'], arrays['probe'], study.pairs,
        reps=settings.bootstrap, seed=settings.seed)
        if settings.table2 else [])
    seed_arrays = hierarchy_arrays(arrays)
    save_seed_arrays(osp.join(study.out, HIERARCHY_ARRAYS), seed_arrays)
    results.update(hierarchy_results([seed_arrays], settings.bootstrap,
                                     settings.seed))
    results['claims'] += results.pop('hierarchy_claims')
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
