"""Cosine cost volume of Eq. 1 (paper section 3.2, appendix C.2).

For two feature maps ``F_t`` and ``F_t+1`` of shape ``(N, C, H, W)`` the cost
volume holds, for every position ``(x, y)`` and every displacement
``(dx, dy)`` on the grid ``{-r, -r + s, ..., r}^2`` with ``r = s * floor(d / s)``:

    cv(x, y, dx, dy) = <F_t(x, y), F_t+1(x + dx, y + dy)>
                       / (||F_t(x, y)|| * ||F_t+1(x + dx, y + dy)||)

so ``M = (2 * floor(d / s) + 1) ** 2`` channels (49 for ``d=6, s=2``).
Positions outside ``F_t+1`` count as zero vectors and give similarity 0.
Channels are ordered row-major over ``(dy, dx)``: channel ``k`` is
``dy = -r + s * (k // m), dx = -r + s * (k % m)`` with ``m = 2*floor(d/s)+1``.

Two implementations with equal output:

* ``'reference'`` follows Eq. 1 literally: one cosine similarity per
  displacement on a zero-padded copy of ``F_t+1``, differentiated by autograd.
* ``'fast'`` normalises each map once and correlates the unit vectors with a
  hand-written backward that keeps no intermediate tensors: memory is the
  inputs plus the output.
"""
from typing import List, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'COST_VOLUME_IMPLS', 'cost_volume', 'cost_volume_displacements',
    'num_displacements'
]

COST_VOLUME_IMPLS = ('reference', 'fast')


def num_displacements(max_displacement: int, stride: int) -> int:
    """Number of cost volume channels ``M = (2 * floor(d / s) + 1) ** 2``."""
    return (2 * (max_displacement // stride) + 1)**2


def cost_volume_displacements(max_displacement: int,
                              stride: int) -> List[Tuple[int, int]]:
    """The ``(dy, dx)`` of each output channel, in channel order."""
    radius = (max_displacement // stride) * stride
    steps = range(-radius, radius + 1, stride)
    return [(dy, dx) for dy in steps for dx in steps]


def _check_inputs(feat1: Tensor, feat2: Tensor, max_displacement: int,
                  stride: int, impl: str) -> None:
    if impl not in COST_VOLUME_IMPLS:
        raise ValueError(f'cost_volume impl must be one of {COST_VOLUME_IMPLS}'
                         f', got {impl!r}')
    if feat1.dim() != 4 or feat1.shape != feat2.shape:
        raise ValueError('cost_volume expects two (N, C, H, W) tensors of '
                         f'equal shape, got {tuple(feat1.shape)} and '
                         f'{tuple(feat2.shape)}')
    if not isinstance(max_displacement, int) or max_displacement < 0:
        raise ValueError('max_displacement must be an int >= 0, got '
                         f'{max_displacement!r}')
    if not isinstance(stride, int) or stride < 1:
        raise ValueError(f'stride must be an int >= 1, got {stride!r}')


def _overlap(shift: int, size: int) -> Tuple[slice, slice]:
    """Slices of the output and of the shifted map that overlap."""
    lo, hi = max(0, -shift), min(size, size - shift)
    return slice(lo, max(lo, hi)), slice(lo + shift, max(lo, hi) + shift)


class _UnitCorrelation(torch.autograd.Function):
    """Local correlation of two maps, inputs already unit-normalised."""

    @staticmethod
    def forward(ctx, unit1: Tensor, unit2: Tensor,
                offsets: Tuple[Tuple[int, int], ...]) -> Tensor:
        n, _, h, w = unit1.shape
        out = unit1.new_zeros((n, len(offsets), h, w))
        for k, (dy, dx) in enumerate(offsets):
            (oy, sy), (ox, sx) = _overlap(dy, h), _overlap(dx, w)
            out[:, k, oy, ox] = (unit1[:, :, oy, ox] *
                                 unit2[:, :, sy, sx]).sum(1)
        ctx.save_for_backward(unit1, unit2)
        ctx.offsets = offsets
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        unit1, unit2 = ctx.saved_tensors
        _, _, h, w = unit1.shape
        grad1 = torch.zeros_like(unit1) if ctx.needs_input_grad[0] else None
        grad2 = torch.zeros_like(unit2) if ctx.needs_input_grad[1] else None
        for k, (dy, dx) in enumerate(ctx.offsets):
            (oy, sy), (ox, sx) = _overlap(dy, h), _overlap(dx, w)
            g = grad_out[:, k:k + 1, oy, ox]
            if grad1 is not None:
                grad1[:, :, oy, ox].addcmul_(g, unit2[:, :, sy, sx])
            if grad2 is not None:
                grad2[:, :, sy, sx].addcmul_(g, unit1[:, :, oy, ox])
        return grad1, grad2, None


def _reference(feat1: Tensor, feat2: Tensor, offsets, radius: int,
               eps: float) -> Tensor:
    h, w = feat1.shape[-2:]
    padded = F.pad(feat2, (radius, radius, radius, radius))
    sims = []
    for dy, dx in offsets:
        shifted = padded[:, :, radius + dy:radius + dy + h,
                         radius + dx:radius + dx + w]
        sims.append(F.cosine_similarity(feat1, shifted, dim=1, eps=eps))
    return torch.stack(sims, dim=1)


def cost_volume(feat1: Tensor,
                feat2: Tensor,
                max_displacement: int = 6,
                stride: int = 2,
                *,
                impl: str = 'fast',
                eps: float = 1e-8) -> Tensor:
    """Cosine cost volume between two feature maps (Eq. 1).

    Args:
        feat1 (Tensor): ``F_t``, shape ``(N, C, H, W)``.
        feat2 (Tensor): ``F_t+1``, same shape.
        max_displacement (int): ``d``, the largest displacement searched, in
            feature pixels. Defaults to ``6``.
        stride (int): ``s``, the step between displacements. Defaults to
            ``2``.
        impl (str): ``'reference'`` or ``'fast'``; equal outputs. Defaults
            to ``'fast'``.
        eps (float): Lower bound of each vector norm, so zero vectors give
            similarity 0 instead of dividing by zero. Defaults to ``1e-8``.

    Shape:
        - feat1, feat2: ``(N, C, H, W)``
        - output: ``(N, M, H, W)``, ``M = (2 * floor(d / s) + 1) ** 2``,
          values in ``[-1, 1]``. Half-precision inputs are computed in
          float32 and returned in their own dtype.
    """
    _check_inputs(feat1, feat2, max_displacement, stride, impl)
    dtype = feat1.dtype
    if dtype in (torch.float16, torch.bfloat16):
        feat1, feat2 = feat1.float(), feat2.float()
    offsets = tuple(cost_volume_displacements(max_displacement, stride))
    if impl == 'reference':
        radius = (max_displacement // stride) * stride
        out = _reference(feat1, feat2, offsets, radius, eps)
    else:
        unit1 = F.normalize(feat1, dim=1, eps=eps)
        unit2 = F.normalize(feat2, dim=1, eps=eps)
        out = _UnitCorrelation.apply(unit1, unit2, offsets)
    return out.to(dtype)
