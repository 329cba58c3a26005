"""Run a whole progressive schedule: stage 1, 2, 3, then joint training.

Each stage is a separate ``tools/train.py`` run (``tools/dist_train.sh`` for
more than one GPU); each stage's config loads the previous stage's final
checkpoint from its work_dir (:class:`LoadStageCheckpointHook`), so a stage
can be rerun or resumed on its own with ``--start-from`` and ``--resume``.
"""
import argparse
import os.path as osp
import subprocess
import sys
import time
from typing import List, Optional, Tuple

from ..engine.schedule import STAGE_NAMES

__all__ = ['STAGES', 'stage_configs', 'stage_command', 'main']

#: The stage names of :data:`mmhcml.engine.schedule.STAGES`, in order.
STAGES = STAGE_NAMES
DATASETS = ('sthv1', 'sthv2', 'k400', 'synthetic')
BACKBONES = ('r2d50', 'r2plus1d101')
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def stage_configs(dataset: str,
                  backbone: str = 'r2d50',
                  start_from: str = 'stage1') -> List[Tuple[str, str]]:
    """``(stage, config path)`` of the stages from ``start_from`` on."""
    if dataset not in DATASETS:
        raise ValueError(f'dataset must be one of {DATASETS}, got {dataset!r}')
    if backbone not in BACKBONES:
        raise ValueError(
            f'backbone must be one of {BACKBONES}, got {backbone!r}')
    if start_from not in STAGES:
        raise ValueError(
            f'start_from must be one of {STAGES}, got {start_from!r}')
    if dataset == 'synthetic':
        if backbone != 'r2d50':
            raise ValueError('the synthetic benchmark has configs for its '
                             f'small R2D only, got backbone={backbone!r}')
        folder = osp.join(ROOT, 'configs', 'hcml', 'synthetic')
    else:
        folder = osp.join(ROOT, 'configs', 'hcml',
                          *(['r2plus1d101'] if backbone != 'r2d50' else []))
    stages = STAGES[STAGES.index(start_from):]
    return [(s, osp.join(folder, f'{s}_{dataset}.py')) for s in stages]


def stage_command(config: str, gpus: int, extra: List[str]) -> List[str]:
    """The command that trains one stage on ``gpus`` devices."""
    if gpus == 1:
        return [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config,
                *extra]
    return ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), config,
            str(gpus), *extra]


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train the progressive HCML schedule of a dataset: '
        'stage 1, 2, 3 and joint training, one after the other.')
    parser.add_argument('dataset', choices=DATASETS)
    parser.add_argument('--gpus', type=int, default=8,
                        help='processes per stage (1 runs tools/train.py)')
    parser.add_argument('--backbone', choices=BACKBONES, default='r2d50')
    parser.add_argument('--start-from', choices=STAGES, default='stage1',
                        help='skip the stages before this one (their work '
                        'dirs must hold their final checkpoints)')
    parser.add_argument('--resume', action='store_true',
                        help='resume the first stage run from its work_dir')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision in every stage')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands only')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to every stage, key=value')
    args = parser.parse_args(argv)
    if args.gpus < 1:
        parser.error(f'--gpus must be >= 1, got {args.gpus}')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    plan = stage_configs(args.dataset, args.backbone, args.start_from)
    for index, (stage, config) in enumerate(plan):
        extra = ['--amp'] if args.amp else []
        if args.resume and index == 0:
            extra.append('--resume')
        if args.cfg_options:
            extra += ['--cfg-options', *args.cfg_options]
        command = stage_command(config, args.gpus, extra)
        print(f'[{index + 1}/{len(plan)}] {stage}: {" ".join(command)}',
              flush=True)
        if args.dry_run:
            continue
        start = time.time()
        code = subprocess.call(command)
        if code != 0:
            print(f'{stage} failed (exit status {code}); after fixing it, '
                  f'continue with: python tools/train_schedule.py '
                  f'{args.dataset} --gpus {args.gpus} --backbone '
                  f'{args.backbone} --start-from {stage} --resume',
                  file=sys.stderr, flush=True)
            return code
        print(f'[{index + 1}/{len(plan)}] {stage} done in '
              f'{time.time() - start:.0f} s', flush=True)
    return 0
