"""Test a checkpoint (30-view testing etc.): ``tools/test.py`` delegates here.

Arguments follow MMAction2's ``tools/test.py``: ``--dump`` writes the
predictions to a pickle file; ``--show`` / ``--show-dir`` draw the
predictions on every ``--interval``-th clip (:class:`ClipVisualizationHook`).
"""
import argparse
import os.path as osp
from typing import List, Optional

from mmengine.config import Config

import mmhcml  # noqa: F401  (compat fixes, registration)
from ._common import (apply_common_args, destroy_process_group_on_exit,
                      parse_with_common_args, prepare_runner)

__all__ = ['parse_args', 'merge_args', 'enable_visualization', 'main']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an action recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument(
        '--dump',
        type=str,
        help='dump the predictions to this pickle file (.pkl or .pickle)')
    parser.add_argument(
        '--show-dir',
        help='save the frames of the drawn clips (label and predicted scores) '
        'under this directory, one folder per clip')
    parser.add_argument(
        '--show', action='store_true',
        help='show the drawn clips frame by frame (needs a display)')
    parser.add_argument(
        '--interval', type=int, default=1,
        help='with --show or --show-dir: draw every N-th clip')
    parser.add_argument(
        '--wait-time', type=float, default=2,
        help='with --show: seconds each frame is shown')
    return parse_with_common_args(parser, argv)


def enable_visualization(cfg: Config, args: argparse.Namespace) -> None:
    """Turn on drawing for ``--show`` / ``--show-dir``.

    The config's ``default_hooks.visualization`` keeps its other settings
    but becomes a :class:`ClipVisualizationHook` (MMAction2 1.2.0's own hook
    cannot draw multi-view test inputs); configs without one get it.
    """
    if not (args.show or args.show_dir):
        return
    if args.interval < 1:
        raise ValueError(f'--interval must be >= 1, got {args.interval}')
    if args.wait_time < 0:
        raise ValueError(f'--wait-time must be >= 0, got {args.wait_time}')
    hooks = cfg.get('default_hooks') or dict()
    hook = dict(hooks.get('visualization') or dict())
    hook.update(type='ClipVisualizationHook', enable=True, show=args.show,
                wait_time=args.wait_time, interval=args.interval)
    if args.show_dir:
        hook['out_dir'] = args.show_dir
    hooks['visualization'] = hook
    cfg.default_hooks = hooks


def merge_args(cfg: Config,
               args: argparse.Namespace,
               notes: Optional[List[str]] = None) -> Config:
    """Fold the test command's arguments into the config: the checkpoint,
    ``--dump`` and drawing (:func:`enable_visualization`), after the
    arguments every command shares (arguments as
    :func:`mmhcml.cli.train.merge_args`).
    """
    if cfg.get('test_dataloader') is None or cfg.get('test_cfg') is None:
        raise ValueError(f'{args.config} has no test_dataloader/test_cfg: it '
                         'is a self-supervised stage config; test a joint or '
                         'fine-tuning config instead')
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'checkpoint {args.checkpoint!r} does not exist')
    apply_common_args(cfg, args, notes)
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(
                f'--dump must end with .pkl or .pickle, got {args.dump!r}')
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, (list, tuple)):
            cfg.test_evaluator = [*evaluator, dump_metric]
        else:
            cfg.test_evaluator = [evaluator, dump_metric]
    enable_visualization(cfg, args)
    cfg.load_from = args.checkpoint
    return cfg


def main(argv: Optional[List[str]] = None) -> dict:
    with destroy_process_group_on_exit():
        return prepare_runner(parse_args(argv), merge_args, 'test').test()
