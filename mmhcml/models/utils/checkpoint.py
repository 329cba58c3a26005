"""Activation checkpointing that leaves BatchNorm statistics untouched.

``with_cp=True`` (the MMAction2 name, as in ``ResNet3d``) trades compute for
memory: a checkpointed segment keeps only its inputs and runs its forward a
second time during the backward pass. A plain ``torch.utils.checkpoint``
re-runs every BatchNorm in training mode, which updates its running
statistics twice per step (and counts the batch twice). Here the
recomputation runs the same ops (batch statistics in training mode) and its
updates of the running statistics are undone, so a checkpointed model trains
exactly like an unchecked one: same outputs, same gradients, same buffers.
"""
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

__all__ = ['checkpoint_segment', 'running_stats_frozen', 'wants_checkpoint']


_RUNNING_STATS = ('running_mean', 'running_var', 'num_batches_tracked')


@contextmanager
def running_stats_frozen(modules: Iterable[nn.Module]) -> Iterator[None]:
    """Normalisation layers in ``modules`` (and their children) leave the
    block with the ``running_mean``, ``running_var`` and
    ``num_batches_tracked`` they entered with: every module that has them
    (PyTorch's and MMCV's BatchNorms and SyncBNs, InstanceNorms that track
    statistics).

    Inside, they still normalise with batch statistics in training mode and
    run exactly the same ops (so a checkpoint's recomputation saves the same
    tensors as the first pass); their buffer updates are undone on exit.
    """
    kept = [(buf, buf.clone()) for module in modules for m in module.modules()
            for name in _RUNNING_STATS
            for buf in (getattr(m, name, None), )
            if isinstance(buf, torch.Tensor) and name in m._buffers]
    try:
        yield
    finally:
        with torch.no_grad():
            for buf, value in kept:
                buf.copy_(value)


def wants_checkpoint(module: nn.Module, with_cp: bool) -> bool:
    """Whether ``module`` should checkpoint now: ``with_cp``, training mode
    and autograd recording (never at inference or under ``no_grad``)."""
    return with_cp and module.training and torch.is_grad_enabled()


def checkpoint_segment(fn: Callable, *inputs,
                       modules: Iterable[nn.Module]):
    """``fn(*inputs)``, checkpointed: only ``inputs`` are kept for backward.

    The first call runs normally; the recomputation in the backward pass
    runs under :func:`running_stats_frozen` of ``modules`` (those whose
    BatchNorms ``fn`` runs). Non-reentrant checkpointing, so it works with
    DDP's ``find_unused_parameters`` and with inputs that need no gradient.
    """
    modules = tuple(modules)
    first = [True]

    def run(*args):
        if first[0]:
            first[0] = False
            return fn(*args)
        with running_stats_frozen(modules):
            return fn(*args)

    return checkpoint(run, *inputs, use_reentrant=False)
