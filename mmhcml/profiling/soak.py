"""Long-run soak test: does memory grow over thousands of iterations?

Trains a tiny HCML model on the synthetic benchmark with data loader workers
and samples the resident memory (RSS) of the training process and its
workers every ``interval`` iterations. Growth is the change from the
warmed-up level (mean RSS over 10-20% of the run) to the final level (mean
over the last 10%), relative to the warmed-up level.
"""
import os
import os.path as osp
import time
from typing import Dict, List, Optional

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

__all__ = ['process_tree_rss', 'MemorySampler', 'run_soak', 'memory_growth']

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _rss_bytes(pid: int) -> int:
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _children(pid: int) -> List[int]:
    out = []
    try:
        for task in os.listdir(f'/proc/{pid}/task'):
            with open(f'/proc/{pid}/task/{task}/children') as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def process_tree_rss(pid: Optional[int] = None) -> int:
    """RSS in bytes of a process and all its descendants (Linux /proc)."""
    pid = pid or os.getpid()
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _rss_bytes(current)
        stack += _children(current)
    return total


class MemorySampler(Hook):
    """Record ``(iteration, RSS of the process tree)`` every ``interval``."""

    priority = 'VERY_LOW'

    def __init__(self, interval: int = 50) -> None:
        self.interval = interval
        self.samples: List[List[float]] = []
        self.start = time.time()

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval):
            rss = process_tree_rss()
            self.samples.append([runner.iter + 1, rss, time.time() - self.start])
            runner.logger.info(f'soak: iteration {runner.iter + 1}, RSS of '
                               f'process tree {rss / 2**20:.1f} MiB')


def memory_growth(samples: List[List[float]]) -> Dict[str, float]:
    """Warmed-up and final RSS and the relative growth between them."""
    if len(samples) < 10:
        raise ValueError(f'need at least 10 samples, got {len(samples)}')
    n = len(samples)
    warm = [s[1] for s in samples[n // 10:max(n // 5, n // 10 + 1)]]
    final = [s[1] for s in samples[-max(n // 10, 1):]]
    base, end = sum(warm) / len(warm), sum(final) / len(final)
    return dict(warm_rss_mib=base / 2**20, final_rss_mib=end / 2**20,
                growth=(end - base) / base)


def run_soak(data_root: str, work_dir: str, iters: int = 2000,
             workers: int = 2, interval: int = 50,
             batch_size: int = 4) -> dict:
    """Train the tiny synthetic config for ``iters`` iterations; returns
    the samples and the growth (see module docstring)."""
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/hcml/tiny/hcml_tiny_joint_synthetic.py'))
    cfg.work_dir = work_dir
    cfg.train_dataloader.update(
        batch_size=batch_size, num_workers=workers,
        persistent_workers=workers > 0,
        sampler=dict(type='InfiniteSampler', shuffle=True))
    cfg.train_dataloader.dataset.ann_file = osp.join(data_root, 'train.txt')
    cfg.train_dataloader.dataset.data_prefix = dict(
        video=osp.join(data_root, 'videos'))
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = []
    cfg.log_processor = dict(by_epoch=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=interval)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters,
                                        by_epoch=False, save_best=None)
    runner = Runner.from_cfg(cfg)
    sampler = MemorySampler(interval)
    runner.register_hook(sampler)
    start = time.time()
    runner.train()
    result = dict(iters=iters, workers=workers, batch_size=batch_size,
                  seconds=time.time() - start, samples=sampler.samples)
    result.update(memory_growth(sampler.samples))
    return result

