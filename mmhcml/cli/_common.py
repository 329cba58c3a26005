"""Arguments, config handling and the runner shared by the train and test
commands."""
import argparse
import gc
import logging
import os
import os.path as osp
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .knobs import (count_test_views, fractional_epochs_to_iters,
                    read_config, views_text)

__all__ = [
    'parse_with_common_args', 'apply_common_args', 'load_config',
    'setup_cpu_distributed', 'drop_sync_bn_without_cuda', 'cap_workers',
    'config_summary', 'build_runner', 'prepare_runner',
    'destroy_process_group_on_exit'
]


def parse_with_common_args(parser: argparse.ArgumentParser,
                           argv: Optional[List[str]]) -> argparse.Namespace:
    """Add ``--cfg-options``, ``--launcher`` and ``--local-rank``; parse."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value: named settings '
        '(data_root=..., ann_file_train=..., num_classes=4, clip_len=8, '
        'input_size=64, max_epochs=1, batch_size=2, num_workers=0; see '
        'mmhcml.cli.knobs) or dotted keys, e.g. train_dataloader.batch_size=4')
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


def load_config(args: argparse.Namespace,
                notes: Optional[List[str]] = None) -> Config:
    """The config file ``args.config`` with ``args.cfg_options`` applied
    (:func:`mmhcml.cli.knobs.read_config`: named settings, then dotted
    keys); ``notes`` receives what the named settings changed."""
    return read_config(args.config, args.cfg_options, notes)


def setup_cpu_distributed(cfg: Config, launcher: str,
                          cuda: Optional[bool] = None) -> Optional[str]:
    """Make a distributed run of CPU processes work (gloo).

    DDP must get no device ids (MMEngine passes the process's GPU otherwise:
    ``ValueError: DistributedDataParallel device_ids ... cpu``); with a
    wrapper config MMEngine ignores the top-level
    ``find_unused_parameters``, so it is carried over. NCCL needs GPUs: the
    backend becomes gloo unless the config names another.

    Args:
        cfg (Config): The run's config, changed in place.
        launcher (str): ``--launcher``; nothing changes for ``'none'``.
        cuda (bool, optional): Whether CUDA is available; defaults to
            ``torch.cuda.is_available()``.

    Returns:
        str | None: The backend change, for the run's log.
    """
    if cuda is None:
        cuda = torch.cuda.is_available()
    if launcher == 'none' or cuda:
        return None
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper.setdefault('device_ids', None)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
    env_cfg = cfg.get('env_cfg') or dict()
    dist_cfg = dict(env_cfg.get('dist_cfg') or dict())
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
        env_cfg['dist_cfg'] = dist_cfg
        cfg.env_cfg = env_cfg
        return ('no CUDA: the processes communicate with gloo instead of '
                'nccl (env_cfg.dist_cfg.backend=gloo)')
    return None


def drop_sync_bn_without_cuda(cfg: Config, launcher: str,
                              cuda: Optional[bool] = None) -> Optional[str]:
    """Leave SyncBN out of a distributed run of CPU processes.

    The self-supervised stage configs ask for global BN (``sync_bn='torch'``,
    appendix D.2), which PyTorch implements for CUDA tensors only
    (``SyncBatchNorm layers only work with GPU modules``). Without CUDA the
    run keeps per-process BN instead.

    Args:
        cfg (Config): The run's config; ``sync_bn`` is removed from it when
            it cannot work.
        launcher (str): ``--launcher``; ``'none'`` is one process, where
            MMEngine reverts SyncBN by itself.
        cuda (bool, optional): Whether CUDA is available; defaults to
            ``torch.cuda.is_available()``.

    Returns:
        str | None: What was left out and why (for the run's log), or
        ``None`` when nothing changed.
    """
    sync_bn = cfg.get('sync_bn', None)
    if cuda is None:
        cuda = torch.cuda.is_available()
    if launcher == 'none' or cuda or sync_bn is None:
        return None
    cfg.sync_bn = None
    return (f'sync_bn={sync_bn!r} left out: SyncBatchNorm needs CUDA and '
            'this distributed run has only CPU processes, so every process '
            'normalises with its own batch statistics (plain BN); on GPUs '
            'the config\'s global BN is used.')


def cap_workers(cfg: Config, cpus: Optional[int] = None) -> Optional[str]:
    """Dataloader workers capped at the CPUs this process may use (PyTorch
    warns above that, and the workers only compete for the CPUs).

    Args:
        cfg (Config): The run's config, changed in place.
        cpus (int, optional): Defaults to the process's CPU affinity.

    Returns:
        str | None: What was capped, for the run's log.
    """
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(
            os, 'sched_getaffinity') else (os.cpu_count() or 1)
    capped = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        spec = cfg.get(loader)
        if isinstance(spec, dict) and spec.get('num_workers', 0) > cpus:
            capped.append(f'{loader} {spec["num_workers"]}')
            spec['num_workers'] = cpus
    if not capped:
        return None
    return (f'num_workers capped at the {cpus} CPUs this process may use: '
            f'{", ".join(capped)} -> {cpus}')


def apply_common_args(cfg: Config,
                      args: argparse.Namespace,
                      notes: Optional[List[str]] = None) -> None:
    """Launcher, CPU-distributed settings (gloo, no SyncBN: see
    :func:`setup_cpu_distributed`, :func:`drop_sync_bn_without_cuda`),
    workers (:func:`cap_workers`) and work dir (``--work-dir``, the
    config's, or ``./work_dirs/<config name>``)."""
    cfg.launcher = args.launcher
    for note in (setup_cpu_distributed(cfg, args.launcher),
                 cap_workers(cfg),
                 drop_sync_bn_without_cuda(cfg, args.launcher)):
        if note is not None and notes is not None:
            notes.append(note)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])


def _short(spec) -> str:
    """``Type(key=value, ...)`` of a few scalar arguments of a config dict."""
    if not isinstance(spec, dict):
        return str(spec)
    args = [f'{k}={v}' for k, v in spec.items()
            if k != 'type' and isinstance(v, (int, float, str))][:4]
    return f'{spec.get("type", "?")}({", ".join(args)})'


def config_summary(cfg: Config, mode: str) -> str:
    """A few lines naming what the run does (the console shows these; the
    full config goes to the log file).

    Args:
        cfg (Config): The run's config.
        mode (str): ``'train'`` or ``'test'``.
    """
    model = cfg.get('model') or {}
    backbone = model.get('backbone') or {}
    inner = backbone.get('backbone') if isinstance(backbone, dict) else None
    heads = [f'{h.get("type")}(level {h.get("level")})'
             for h in model.get('motion_heads') or [] if isinstance(h, dict)]
    cls_head = model.get('cls_head')
    lines = [
        f'config: {cfg.filename}',
        f'model: {model.get("type")}, backbone {_short(backbone)}' +
        (f' over {_short(inner)}' if isinstance(inner, dict) else ''),
        '  motion heads: ' + (', '.join(heads) or 'none') +
        ('; classifier: ' + (f'{cls_head.get("num_classes")} classes'
                             if isinstance(cls_head, dict) else 'none')),
    ]
    loader = cfg.get(f'{mode}_dataloader') or {}
    dataset = loader.get('dataset') or {}
    lines.append(f'data: {dataset.get("type")} {dataset.get("ann_file")}, '
                 f'batch {loader.get("batch_size")} per process, '
                 f'{loader.get("num_workers")} workers')
    if mode == 'train':
        loop = cfg.get('train_cfg') or {}
        length = ', '.join(f'{k}={loop[k]}'
                           for k in ('max_epochs', 'max_iters')
                           if loop.get(k) is not None)
        optimizer = (cfg.get('optim_wrapper') or {}).get('optimizer') or {}
        scheds = cfg.get('param_scheduler') or []
        if isinstance(scheds, dict):
            scheds = [scheds]
        lines.append(
            f'schedule: {length}, {_short(optimizer)}, ' + ' then '.join(
                f'{s.get("type")} [{s.get("begin", 0)}, {s.get("end")})'
                for s in scheds if isinstance(s, dict)))
    else:
        views = count_test_views(cfg)
        if views is not None:
            lines.append(f'views per video: {views_text(views)}')
    lines.append(f'work dir: {cfg.work_dir}')
    return '\n'.join(lines)


class _ConsoleDumpFilter(logging.Filter):
    """Keep MMEngine's environment, config and hook-order dumps off the
    console (they still reach the log file)."""

    _STARTS = ('Config:\n', 'Hooks will be executed')

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.msg if isinstance(record.msg, str) else ''
        if msg.startswith(self._STARTS):
            return False
        return not (msg.lstrip('\n-').startswith('System environment'))


class _HCMLRunner(Runner):
    """MMEngine's runner with a quieter console (:class:`_ConsoleDumpFilter`)
    that counts fractional-epoch schedulers (``max_epochs`` scaled below the
    recipe's warm-up) in iterations
    (:func:`~mmhcml.cli.knobs.fractional_epochs_to_iters`)."""

    def build_param_scheduler(self, scheduler):
        if isinstance(scheduler, (list, tuple)):
            scheduler = fractional_epochs_to_iters(
                scheduler, len(self.train_dataloader))
        return super().build_param_scheduler(scheduler)

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        logger = super().build_logger(log_level, log_file, **kwargs)
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler and not any(
                    isinstance(f, _ConsoleDumpFilter)
                    for f in handler.filters):
                handler.addFilter(_ConsoleDumpFilter())
        return logger


class _TestRunner(_HCMLRunner):
    """Saves the test run's config beside its log, so that a test in a
    training work dir leaves the training config there untouched."""

    def dump_config(self) -> None:
        if self.rank != 0:
            return
        name = osp.basename(self.cfg.filename or f'{self.timestamp}.py')
        self.cfg.dump(osp.join(self.log_dir, name))


def build_runner(cfg: Config,
                 mode: str,
                 notes: Optional[List[str]] = None,
                 warnings: Optional[List[str]] = None) -> Runner:
    """The runner of ``cfg``; logs the config summary and ``notes``.

    A config's own ``runner_type`` is built as MMAction2's tools do;
    otherwise the console shows the summary, progress and results while the
    environment and config dumps go to the log file only.

    Args:
        cfg (Config): The run's config.
        mode (str): ``'train'`` or ``'test'``.
        notes (list, optional): What the named settings changed (logged
            as information).
        warnings (list, optional): Changes the run makes to the config
            on its own (logged as warnings).
    """
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner_cls = _TestRunner if mode == 'test' else _HCMLRunner
        runner = runner_cls.from_cfg(cfg)
    log_file = osp.join(runner.log_dir, f'{runner.timestamp}.log')
    runner.logger.info(
        f'{config_summary(cfg, mode)}\nlog file (with the environment, the '
        f'full config and the hooks): {log_file}')
    for note in notes or []:
        runner.logger.info(note)
    for warning in warnings or []:
        runner.logger.warning(warning)
    return runner


def prepare_runner(args: argparse.Namespace,
                   merge_args: Callable[..., Config], mode: str) -> Runner:
    """The runner of a train or test command: the config of ``args``
    (:func:`load_config`), ``merge_args(cfg, args, warnings)`` folding the
    command line into it, then :func:`build_runner`.

    Args:
        args (argparse.Namespace): The parsed command line.
        merge_args (callable): The command's ``merge_args``.
        mode (str): ``'train'`` or ``'test'``.
    """
    notes: List[str] = []
    warnings: List[str] = []
    cfg = merge_args(load_config(args, notes), args, warnings)
    return build_runner(cfg, mode, notes, warnings)


@contextmanager
def destroy_process_group_on_exit() -> Iterator[None]:
    """Free the runner and destroy the default process group when the command
    ends, normally or by an exception, while the interpreter is still whole.

    A process that exits with its gloo process group alive leaves gloo's
    worker threads to the interpreter's teardown, which aborts at random
    (``terminate called without an active exception``, SIGABRT), and the
    launcher reports a finished run as failed. ``destroy_process_group``
    alone is not enough: the runner's DDP wrapper holds the group, and the
    runner sits in reference cycles (its loops point back at it), so only a
    garbage collection frees it before exit. On 2 gloo processes with a DDP
    model in such a cycle, 8 of 24 exits aborted without either step, 5 of
    24 with the destroy alone, 0 of 24 with both (docs/reliability.md has
    the script). Nothing is waited for: both steps are local to each
    process, so a rank that raised does not hang the others.
    """
    try:
        yield
    finally:
        gc.collect()
        if torch.distributed.is_available() and \
                torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
