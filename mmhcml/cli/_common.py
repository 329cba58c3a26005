"""Arguments and config handling shared by the train and test commands."""
import argparse
import os
import os.path as osp
from typing import List, Optional

from mmengine.config import Config, DictAction

__all__ = ['parse_with_common_args', 'apply_common_args', 'load_config']


def parse_with_common_args(parser: argparse.ArgumentParser,
                           argv: Optional[List[str]]) -> argparse.Namespace:
    """Add ``--cfg-options``, ``--launcher`` and ``--local-rank``; parse."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value, e.g. '
        'train_dataloader.batch_size=4')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def load_config(args: argparse.Namespace) -> Config:
    """The config file with ``--cfg-options`` merged in."""
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def apply_common_args(cfg: Config, args: argparse.Namespace) -> None:
    """Launcher and work dir (``--work-dir``, the config's, or
    ``./work_dirs/<config name>``)."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
