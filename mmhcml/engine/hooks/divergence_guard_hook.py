"""Opt-in stop for a loss that explodes while it is still finite.

``NonFiniteLossHook`` acts at the first NaN or Inf; with a far too large
learning rate the loss can grow by many orders of magnitude first (about
2.6e16 at lr=10 on the synthetic benchmark), and checkpoints of the diverged
but finite weights are saved meanwhile. This hook compares each iteration's
total loss with the median of the recent ones.
"""
import math
import statistics
from collections import deque
from typing import Optional

from mmengine.hooks import Hook

from mmaction.registry import HOOKS

__all__ = ['DivergenceGuardHook', 'DivergedLossError']


class DivergedLossError(FloatingPointError):
    """The loss exploded relative to its running median."""


@HOOKS.register_module()
class DivergenceGuardHook(Hook):
    """Raise :class:`DivergedLossError` when the loss exceeds ``factor``
    times the median of the last ``window`` iterations.

    The total ``loss`` the model logged is used (the sum of its terms); the
    check starts once ``warmup`` values are collected and compares against
    ``max(median, min_median)``, so a loss that has converged close to zero
    does not trip it. A value that trips it is not added to the window.
    Not in the shipped configs: add it with::

        custom_hooks = [dict(type='DivergenceGuardHook', factor=100)]

    Note:
        ``priority = 'HIGHEST'``: it raises before the checkpoint hook of
        that iteration or epoch can save the diverged weights.

    Args:
        factor (float): Allowed ratio of a loss to the running median.
            Defaults to ``100.``.
        window (int): Number of recent losses the median is taken over.
            Defaults to ``50``.
        warmup (int): Losses collected before checking. Defaults to ``10``.
        min_median (float): Floor of the median. Defaults to ``1e-3``.
    """

    priority = 'HIGHEST'

    def __init__(self,
                 factor: float = 100.,
                 window: int = 50,
                 warmup: int = 10,
                 min_median: float = 1e-3) -> None:
        if not (isinstance(factor, (int, float)) and factor > 1):
            raise ValueError(f'factor must be a number > 1, got {factor!r}')
        if not isinstance(window, int) or window < 1:
            raise ValueError(f'window must be an int >= 1, got {window!r}')
        if not isinstance(warmup, int) or not 1 <= warmup <= window:
            raise ValueError(
                f'warmup must be an int in 1 .. window ({window}), got '
                f'{warmup!r}')
        if not (isinstance(min_median, (int, float)) and min_median > 0):
            raise ValueError(
                f'min_median must be a number > 0, got {min_median!r}')
        self.factor = float(factor)
        self.warmup = warmup
        self.min_median = float(min_median)
        self.recent = deque(maxlen=window)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs or 'loss' not in outputs:
            return
        value = outputs['loss']
        loss = float(value.item() if hasattr(value, 'item') else value)
        if not math.isfinite(loss):
            return  # NonFiniteLossHook's case
        if len(self.recent) >= self.warmup:
            median = max(statistics.median(self.recent), self.min_median)
            if loss > self.factor * median:
                raise DivergedLossError(
                    f'loss diverged at iteration {runner.iter + 1} (epoch '
                    f'{runner.epoch + 1}): {loss:.4g} is more than '
                    f'{self.factor:g} x the median {median:.4g} of the last '
                    f'{len(self.recent)} iterations. Training stopped before '
                    'saving these weights; lower the learning rate (or '
                    'raise DivergenceGuardHook.factor if the spike is '
                    'expected).')
        self.recent.append(loss)
