"""Switching a model's train/eval flags for an extra forward pass."""
import contextlib
from typing import Iterator, List

import torch.nn as nn

__all__ = ['eval_mode']


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Switch every submodule to eval mode, then restore each one's flag.

    Restoring per module (not ``model.train(True)``) keeps modules that a
    freezing hook put in eval mode (frozen BN statistics) in eval mode.
    """
    modes: List[bool] = [m.training for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, mode in zip(model.modules(), modes):
            module.training = mode
