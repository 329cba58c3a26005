"""Train an HCML (or any MMAction2) config: ``tools/train.py`` delegates here.

The arguments are MMAction2's (``tools/train.py`` of mmaction2 1.x), so
commands carry over unchanged; ``import mmhcml`` runs first, so the
compatibility fixes are in place before the config is built.
"""
import argparse
import os.path as osp
from typing import List, Optional

from mmengine.config import Config

import mmhcml  # noqa: F401  (compat fixes, registration)
from ._common import (apply_common_args, destroy_process_group_on_exit,
                      drop_sync_bn_without_cuda, parse_with_common_args,
                      prepare_runner)

__all__ = ['parse_args', 'merge_args', 'drop_sync_bn_without_cuda', 'main']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train an action recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the latest checkpoint in the work_dir '
        'automatically, or from the given checkpoint path')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate with the actual batch size '
        '(auto_scale_lr.base_batch_size in the config is the reference)')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='set a different seed on each rank')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='make cudnn deterministic (slower)')
    return parse_with_common_args(parser, argv)


def merge_args(cfg: Config,
               args: argparse.Namespace,
               notes: Optional[List[str]] = None) -> Config:
    """Fold the command-line arguments into the config.

    Args:
        cfg (Config): The config, changed in place.
        args (argparse.Namespace): From :func:`parse_args`.
        notes (list, optional): Receives what was changed beyond the
            arguments (e.g. SyncBN left out on CPU), to be logged.
    """
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    apply_common_args(cfg, args, notes)
    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError('--amp needs optim_wrapper.type OptimWrapper or '
                             f'AmpOptimWrapper, got {optim_wrapper!r}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume checkpoint {args.resume!r} does not exist')
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or \
                'base_batch_size' not in cfg.auto_scale_lr:
            raise ValueError('--auto-scale-lr needs auto_scale_lr.'
                             'base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    randomness = dict(cfg.get('randomness', dict()))
    randomness.setdefault('seed', None)
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness
    return cfg


def main(argv: Optional[List[str]] = None) -> None:
    with destroy_process_group_on_exit():
        prepare_runner(parse_args(argv), merge_args, 'train').train()
