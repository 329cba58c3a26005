"""Helpers shared by the side-branch heads (private to ``heads``)."""
from typing import Sequence, Tuple

from torch import Tensor

__all__ = ['check_level', 'frames_at_level', 'head_inputs']


def check_level(level: int) -> None:
    """Raise ``ValueError`` unless ``level`` is a positive int."""
    if not isinstance(level, int) or isinstance(level, bool) or level < 1:
        raise ValueError(f'level must be an int >= 1, got {level!r}')


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


def head_inputs(head, feats: Sequence[Tensor]) -> Tuple[Tensor, ...]:
    """``feats`` as the tuple a head's ``loss`` takes: one tensor per level
    of ``head.input_levels(head.level)``, in that order.

    Raises:
        TypeError: If ``feats`` is not a tuple or list of that length (the
            message names the levels; a ``{level: P^level}`` dict is
            refused, :func:`~mmhcml.models.recognizers.motion_head_inputs`
            picks the tuple out of it).
    """
    levels = tuple(head.input_levels(head.level))
    if isinstance(feats, (tuple, list)) and len(feats) == len(levels):
        return tuple(feats)
    got = (f'a dict with levels {sorted(feats)}' if isinstance(feats, dict)
           else f'{len(feats)} tensors' if isinstance(feats, (tuple, list))
           else type(feats).__name__)
    raise TypeError(
        f'{type(head).__name__}(level={head.level}).loss takes the motion '
        f'features of levels {levels}, as a tuple in that order '
        '(motion_head_inputs(head, motion) picks them out of the '
        f"backbone's {{level: P^level}}), got {got}")
