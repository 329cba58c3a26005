"""Run a whole progressive schedule: stage 1, 2, 3, then joint training.

Each stage is a separate ``tools/train.py`` run (``tools/dist_train.sh`` for
more than one process); each stage's config loads the previous stage's final
checkpoint from its work_dir (:class:`LoadStageCheckpointHook`), so a stage
can be rerun or resumed on its own with ``--start-from`` and ``--resume``.

The configs are found by their names, not from a list: the schedule of
``DATASET`` is ``<stage>_DATASET.py`` for every stage of
:data:`mmhcml.engine.schedule.STAGES` in one folder (``--config-dir``, or
``configs/hcml/`` and its subfolders: see :func:`schedule_folder`). A new
dataset needs its dataset base and these four files, and no Python edit.
A folder holding only the first stages (e.g. stage 1-3 of
``configs/hcml/real_footage/*_real_footage.py``) runs those.
"""
import argparse
import glob
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from typing import List, Optional, Tuple

from ..engine.schedule import STAGE_NAMES, get_stage

__all__ = [
    'STAGES', 'DEFAULT_BACKBONE', 'schedule_folder', 'available_datasets',
    'stage_configs', 'stage_command', 'stage_options', 'continue_command',
    'main'
]

#: The stage names of :data:`mmhcml.engine.schedule.STAGES`, in order.
STAGES = STAGE_NAMES
#: The backbone of the configs directly in ``configs/hcml/``; another
#: backbone ``B`` has its schedule configs in ``configs/hcml/B/``.
DEFAULT_BACKBONE = 'r2d50'
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(ROOT, 'configs', 'hcml')


def config_name(stage: str, dataset: str) -> str:
    """File name of a stage's config: ``'<stage>_<dataset>.py'``."""
    return f'{stage}_{dataset}.py'


def available_datasets(folder: str) -> List[str]:
    """The datasets with a stage-1 config (``stage1_<dataset>.py``) in
    ``folder``."""
    first = STAGES[0] + '_'
    return sorted(
        osp.basename(p)[len(first):-3]
        for p in glob.glob(osp.join(folder, config_name(STAGES[0], '*'))))


def schedule_folder(dataset: str,
                    backbone: str = DEFAULT_BACKBONE,
                    config_dir: Optional[str] = None) -> str:
    """The folder holding the stage configs of ``dataset``.

    ``config_dir`` when given; for another backbone than ``r2d50``,
    ``configs/hcml/<backbone>/``; otherwise ``configs/hcml/`` or, when it
    has no ``stage1_<dataset>.py``, the one subfolder of it that has (e.g.
    ``configs/hcml/tiny/`` for ``synthetic``).

    Raises:
        ValueError: No folder (or more than one) holds the stage-1 config;
            the message lists the datasets there are.
    """
    first = config_name(STAGES[0], dataset)
    if config_dir is not None:
        candidates = [config_dir]
    elif backbone != DEFAULT_BACKBONE:
        folder = osp.join(CONFIGS, backbone)
        if not osp.isdir(folder):
            raise ValueError(
                f'backbone {backbone!r}: no config folder {folder} (the '
                f'{DEFAULT_BACKBONE} configs are in configs/hcml/, another '
                'backbone\'s in configs/hcml/<backbone>/)')
        candidates = [folder]
    elif osp.isfile(osp.join(CONFIGS, first)):
        return CONFIGS
    else:
        candidates = sorted(
            d for d in glob.glob(osp.join(CONFIGS, '*'))
            if osp.isdir(d) and osp.basename(d) != '_base_'
            and osp.isfile(osp.join(d, first)))
        if len(candidates) > 1:
            raise ValueError(
                f'{first} is in several folders ({candidates}); choose one '
                'with --config-dir or --backbone')
    if not candidates or not osp.isfile(osp.join(candidates[0], first)):
        folders = candidates or [CONFIGS] + sorted(
            d for d in glob.glob(osp.join(CONFIGS, '*'))
            if osp.isdir(d) and osp.basename(d) != '_base_')
        known = '; '.join(
            f'{osp.relpath(d, ROOT)}: {", ".join(available_datasets(d))}'
            for d in folders if available_datasets(d))
        raise ValueError(
            f'no schedule for dataset {dataset!r}: no {first} in '
            f'{", ".join(osp.relpath(d, ROOT) for d in folders)}. Datasets '
            f'with a stage-1 config: {known or "none"}. A new dataset '
            'needs ' + ', '.join(config_name(s, dataset) for s in STAGES))
    return candidates[0]


def stage_configs(dataset: str,
                  backbone: str = DEFAULT_BACKBONE,
                  start_from: str = 'stage1',
                  config_dir: Optional[str] = None) -> List[Tuple[str, str]]:
    """``(stage, config path)`` of the stages from ``start_from`` on.

    The schedule runs over the stages whose configs exist, in order from
    stage 1, and stops at the first one missing.
    """
    if start_from not in STAGES:
        raise ValueError(
            f'start_from must be one of {STAGES}, got {start_from!r}')
    folder = schedule_folder(dataset, backbone, config_dir)
    plan = []
    for stage in STAGES:
        path = osp.join(folder, config_name(stage, dataset))
        if not osp.isfile(path):
            break
        plan.append((stage, path))
    names = [s for s, _ in plan]
    if start_from not in names:
        raise ValueError(
            f'start_from={start_from!r}: {folder} has the configs of '
            f'{names} only for {dataset!r} (no '
            f'{config_name(start_from, dataset)})')
    return plan[names.index(start_from):]


def stage_options(stage: str, args: argparse.Namespace) -> List[str]:
    """The ``--cfg-options`` of one stage: ``--cfg-options`` of every stage,
    then ``--ssl-cfg-options`` (self-supervised stages) or
    ``--joint-cfg-options`` (the stage that classifies)."""
    own = (args.joint_cfg_options if get_stage(stage).classifies else
           args.ssl_cfg_options)
    options = [*(args.cfg_options or []), *(own or [])]
    return ['--cfg-options', *options] if options else []


def stage_command(config: str, gpus: int, extra: List[str]) -> List[str]:
    """The command that trains one stage on ``gpus`` processes."""
    if gpus == 1:
        return [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config,
                *extra]
    return ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), config,
            str(gpus), *extra]


def continue_command(args: argparse.Namespace, stage: str) -> str:
    """The schedule command with the user's options that resumes at
    ``stage``."""
    tool = osp.join(ROOT, 'tools', 'train_schedule.py')
    relative = osp.relpath(tool)
    words = ['python', tool if relative.startswith('..') else relative,
             args.dataset, '--gpus', str(args.gpus), '--backbone',
             args.backbone]
    if args.config_dir:
        words += ['--config-dir', args.config_dir]
    if args.work_dir:
        words += ['--work-dir', args.work_dir]
    if args.amp:
        words.append('--amp')
    words += ['--start-from', stage, '--resume']
    for flag in ('cfg_options', 'ssl_cfg_options', 'joint_cfg_options'):
        if getattr(args, flag):
            words += ['--' + flag.replace('_', '-'), *getattr(args, flag)]
    return ' '.join(shlex.quote(w) for w in words)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train the progressive HCML schedule of a dataset: '
        'stage 1, 2, 3 and joint training, one after the other.')
    parser.add_argument(
        'dataset',
        help='DATASET of the configs <stage>_DATASET.py, e.g. sthv1, sthv2, '
        'k400, synthetic')
    parser.add_argument('--gpus', type=int, default=8,
                        help='processes per stage (1 runs tools/train.py; '
                        'without CUDA the processes use gloo)')
    parser.add_argument('--backbone', default=DEFAULT_BACKBONE,
                        help='r2d50 (configs/hcml/) or the name of a '
                        'subfolder of configs/hcml/, e.g. r2plus1d101')
    parser.add_argument('--config-dir',
                        help='folder of the stage configs (default: by '
                        '--backbone)')
    parser.add_argument('--work-dir',
                        help='one folder for the whole schedule: each stage '
                        'runs in WORK_DIR/<config name> and loads the stage '
                        'before from there')
    parser.add_argument('--start-from', choices=STAGES, default='stage1',
                        help='skip the stages before this one (their work '
                        'dirs must hold their final checkpoints)')
    parser.add_argument('--resume', action='store_true',
                        help='resume the first stage run from its work_dir')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision in every stage')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands only')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='passed to every stage; named settings (data_root=..., '
        'num_classes=4, clip_len=8, input_size=64, max_epochs=1, ...: '
        'mmhcml.cli.knobs) fit all four configs')
    parser.add_argument('--ssl-cfg-options', nargs='+', default=[],
                        metavar='KEY=VALUE',
                        help='passed to the self-supervised stages (1-3) '
                        'only, after --cfg-options')
    parser.add_argument('--joint-cfg-options', nargs='+', default=[],
                        metavar='KEY=VALUE',
                        help='passed to joint training only, after '
                        '--cfg-options')
    args = parser.parse_args(argv)
    if args.gpus < 1:
        parser.error(f'--gpus must be >= 1, got {args.gpus}')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        plan = stage_configs(args.dataset, args.backbone, args.start_from,
                             args.config_dir)
    except ValueError as err:
        print(f'train_schedule: {err}', file=sys.stderr)
        return 2
    for index, (stage, config) in enumerate(plan):
        extra = ['--amp'] if args.amp else []
        if args.resume and index == 0:
            extra.append('--resume')
        if args.work_dir:
            extra += ['--work-dir', osp.join(
                args.work_dir, osp.splitext(osp.basename(config))[0])]
        extra += stage_options(stage, args)
        command = stage_command(config, args.gpus, extra)
        print(f'[{index + 1}/{len(plan)}] {stage}: '
              f'{" ".join(shlex.quote(w) for w in command)}', flush=True)
        if args.dry_run:
            continue
        start = time.time()
        code = subprocess.call(command, env=dict(os.environ))
        if code != 0:
            print(f'{stage} failed (exit status {code}); after fixing it, '
                  f'continue with: {continue_command(args, stage)}',
                  file=sys.stderr, flush=True)
            return code
        print(f'[{index + 1}/{len(plan)}] {stage} done in '
              f'{time.time() - start:.0f} s', flush=True)
    return 0
