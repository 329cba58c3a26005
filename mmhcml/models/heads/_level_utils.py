"""Helpers shared by the side-branch heads (private to ``heads``)."""
from torch import Tensor

__all__ = ['frames_at_level']


def frames_at_level(frames: Tensor, steps: int, level: int) -> Tensor:
    """The input frames that line up with the ``steps`` features of a level.

    A level with temporal stride ``s = T / steps`` sees frames ``0, s, 2s..``.

    Shape:
        - frames: ``(N, C, T, H, W)``; output ``(N, C, steps, H, W)``
    """
    total = frames.shape[2]
    if total % steps:
        raise ValueError(
            f'level {level} has {steps} time steps, which does not divide the '
            f'{total} input frames; use a clip length divisible by the '
            'temporal strides')
    return frames[:, :, ::total // steps]
