"""The main job: Table 2 of the paper measured on the synthetic benchmark.

Renders the synthetic motion benchmark twice (appearance independent of the
class, and with an appearance bias in the training split), then for each
rendering trains, through ``tools/train.py``, the baseline R2D, the R2D with
Prime Motion Blocks but no self-supervision ("PMB only") and HCML (stage 1,
2, 3 and joint training), and tests them through ``tools/test.py`` with one
view and with 30 views on the unbiased validation split (and, for the biased
rendering, on a biased validation split too). Every run gets a config file
of its own under ``<work_dir>/configs`` that inherits the repository's
synthetic configs, so each figure can be reproduced by hand.
"""
import os
import os.path as osp
import pickle
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional

import numpy as np

from ..datasets.synthetic_motion import (MOTION_CLASSES, REVERSAL_PAIRS,
                                         render_benchmark)
from .metrics import summarise_predictions

__all__ = ['StudySettings', 'run_study', 'MODELS', 'SETTINGS']

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: reported model -> the training runs it needs, in order
MODELS = {
    'baseline': ('baseline', ),
    'pmb_only': ('pmb', ),
    'hcml': ('stage1', 'stage2', 'stage3', 'joint'),
}
#: renderings: name -> appearance bias of the training split (None: 0)
SETTINGS = ('unbiased', 'biased')


@dataclass
class StudySettings:
    """Sizes of the study; the defaults fit 30 minutes on 2 CPU cores."""
    work_dir: str = 'work_dirs/synthetic_benchmark'
    appearance_bias: float = 0.8
    train_per_class: int = 32
    val_per_class: int = 8
    unlabelled: int = 448
    frames: int = 16
    size: int = 64
    seed: int = 0
    epochs: int = 24
    stage_epochs: int = 6
    batch_size: int = 8
    num_workers: int = 2
    flow_examples: int = 4


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


class _Study:

    def __init__(self, settings: StudySettings) -> None:
        self.s = settings
        self.out = osp.abspath(settings.work_dir)
        self.data: Dict[str, dict] = {}
        self.timings: Dict[str, float] = {}

    # ------------------------------------------------------------ data
    def render(self) -> None:
        for setting in SETTINGS:
            bias = self.s.appearance_bias if setting == 'biased' else 0.0
            _log(f'rendering the {setting} benchmark (appearance bias '
                 f'{bias}) ...')
            start = time.time()
            self.data[setting] = render_benchmark(
                osp.join(self.out, 'data', setting),
                num_train_per_class=self.s.train_per_class,
                num_val_per_class=self.s.val_per_class,
                num_unlabelled=self.s.unlabelled,
                num_frames=self.s.frames,
                size=self.s.size,
                seed=self.s.seed,
                appearance_bias=bias,
                progress=True)
            self.timings[f'render_{setting}'] = time.time() - start

    # ------------------------------------------------------------ configs
    def run_dir(self, setting: str, run: str) -> str:
        return osp.join(self.out, setting, run)

    def write_config(self, setting: str, run: str) -> str:
        data = osp.join(self.out, 'data', setting)
        videos = osp.join(data, 'videos')
        stage = run.startswith('stage')
        epochs = self.s.stage_epochs if stage else self.s.epochs
        train_ann = 'unlabelled.txt' if stage else 'train.txt'
        text = [
            f"_base_ = [{osp.join(ROOT, 'configs/hcml/synthetic', run + '_synthetic.py')!r}]",
            f'work_dir = {self.run_dir(setting, run)!r}',
            'train_dataloader = dict(',
            f'    batch_size={self.s.batch_size}, num_workers={self.s.num_workers},',
            f'    persistent_workers={self.s.num_workers > 0},',
            f'    dataset=dict(ann_file={osp.join(data, train_ann)!r},',
            f'                 data_prefix=dict(video={videos!r})))',
            f'train_cfg = dict(max_epochs={epochs}'
            + ('' if stage else f', val_interval={max(epochs // 2, 1)}') + ')',
            _schedule(epochs),
            f'default_hooks = dict(checkpoint=dict(interval={epochs}, '
            'max_keep_ckpts=1, save_best=None))',
        ]
        if not stage:
            text += [
                f'val_dataloader = dict(num_workers={self.s.num_workers}, '
                f'persistent_workers={self.s.num_workers > 0}, '
                f'dataset=dict(ann_file={osp.join(data, "val.txt")!r}, '
                f'data_prefix=dict(video={videos!r})))',
            ]
        previous = {'stage2': ['stage1'], 'stage3': ['stage2'],
                    'joint': ['stage1', 'stage2', 'stage3']}.get(run, [])
        if previous:
            heads = {'stage1': 'rec_l1', 'stage2': 'con_l2', 'stage3': 'con_l3'}
            stages = ', '.join(
                f"dict(name='{p}_synthetic', "
                f'work_dir={self.run_dir(setting, p)!r}, '
                f"heads=['{heads[p]}'])" for p in previous)
            hooks = [f"dict(type='LoadStageCheckpointHook', stages=[{stages}])"]
            if stage:
                hooks.insert(0, "dict(type='ProgressiveFreezeHook', "
                             f'frozen_levels={int(run[-1]) - 1})')
            text.append('custom_hooks = [' + ', '.join(hooks) + ']')
        path = osp.join(self.out, 'configs', f'{setting}_{run}.py')
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write('\n'.join(text) + '\n')
        return path

    def write_test_config(self, setting: str, run: str, split: str,
                          views: int) -> str:
        data = osp.join(self.out, 'data', setting)
        pipeline = ('{{_base_.val_pipeline}}' if views == 1 else
                    '{{_base_.test_pipeline}}')
        text = [
            f"_base_ = [{osp.join(self.out, 'configs', f'{setting}_{run}.py')!r}]",
            'test_dataloader = dict(num_workers=%d, persistent_workers=False, '
            'dataset=dict(ann_file=%r, data_prefix=dict(video=%r), '
            'pipeline=%s))' % (self.s.num_workers,
                               osp.join(data, f'{split}.txt'),
                               osp.join(data, 'videos'), pipeline),
        ]
        path = osp.join(self.out, 'configs',
                        f'{setting}_{run}_test_{split}_{views}view.py')
        with open(path, 'w') as f:
            f.write('\n'.join(text) + '\n')
        return path

    # ------------------------------------------------------------ running
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

    def test(self, setting: str, run: str, split: str, views: int) -> dict:
        config = self.write_test_config(setting, run, split, views)
        dump = osp.join(self.run_dir(setting, run),
                        f'preds_{split}_{views}view.pkl')
        start = time.time()
        self._call([osp.join(ROOT, 'tools', 'test.py'), config,
                    self.checkpoint(setting, run), '--dump', dump,
                    '--work-dir', self.run_dir(setting, run)],
                   osp.join(self.run_dir(setting, run),
                            f'test_{split}_{views}view.log'))
        self.timings[f'test_{setting}_{run}_{split}_{views}'] = (
            time.time() - start)
        with open(dump, 'rb') as f:
            preds = pickle.load(f)
        scores = np.stack([np.asarray(p['pred_score']).reshape(-1)
                           for p in preds])
        labels = np.array([int(np.asarray(p['gt_label']).reshape(-1)[0])
                           for p in preds])
        return summarise_predictions(scores, labels, REVERSAL_PAIRS,
                                     len(MOTION_CLASSES))


def run_study(settings: StudySettings,
              report: Optional[callable] = None) -> dict:
    """Render, train, test; returns (and writes) the results dict."""
    study = _Study(settings)
    start = time.time()
    study.render()
    runs = [(setting, name, run) for setting in SETTINGS
            for name, chain in MODELS.items() for run in chain]
    for index, (setting, name, run) in enumerate(runs):
        elapsed = time.time() - start
        _log(f'[{index + 1}/{len(runs)}] training {name}: {run} on the '
             f'{setting} benchmark (elapsed {elapsed / 60:.1f} min)')
        study.train(setting, run)
    results = dict(settings=asdict(settings), classes=list(MOTION_CLASSES),
                   reversal_pairs=[list(p) for p in REVERSAL_PAIRS],
                   models={})
    for setting in SETTINGS:
        splits = ['val'] + (['val_biased'] if setting == 'biased' else [])
        for name, chain in MODELS.items():
            entry = results['models'].setdefault(setting, {}).setdefault(
                name, {})
            for split in splits:
                for views in (1, 30):
                    _log(f'testing {name} ({setting} training) on {split} '
                         f'with {views} view(s)')
                    entry[f'{split}_{views}view'] = study.test(
                        setting, chain[-1], split, views)
    results['timings_s'] = study.timings
    results['total_minutes'] = (time.time() - start) / 60
    if report is not None:
        report(study, results)
    _log(f'done in {results["total_minutes"]:.1f} min')
    return results
