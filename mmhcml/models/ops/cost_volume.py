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

Implementations with equal output (``impl``):

* ``'reference'`` follows Eq. 1 literally: one cosine similarity per
  displacement on a zero-padded copy of ``F_t+1``, differentiated by autograd.
* ``'fast'`` (pure PyTorch) keeps only the inputs, their inverse norms and
  the output for the backward pass. It works on chunks of frame pairs small
  enough to stay in cache: each chunk is normalised, correlated one
  displacement at a time and, in the backward pass, normalised again and
  differentiated by hand, so the extra memory is a few chunk-sized buffers.
* ``'native'`` (CPU, :mod:`.cost_volume_native`) computes the forward pass
  with a compiled C kernel that reads each frame pair once per displacement
  row and keeps the partial sums in L1 (3-10x ``'fast'``), and the backward
  pass with a second kernel, a gather over the displacements for each
  input (no atomics); float64 inputs run ``'fast'``. Without autograd the PMB's frame pairs are read in place.
* ``'triton'`` (CUDA, :mod:`.cost_volume_triton`) computes all displacements
  of a block of pixels in one program with the normalisation folded in.
* ``'auto'`` is ``'triton'`` for CUDA tensors when Triton is installed,
  ``'native'`` for CPU tensors when the C kernel could be compiled, and
  ``'fast'`` otherwise.

``tools/profiling/benchmark_cost_volume.py`` times them against an
``unfold``-based implementation; ``docs/benchmark.md`` has the figures.
"""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable

from .cost_volume_native import (native_available, native_cost_volume,
                                 native_cost_volume_grad,
                                 native_temporal_cost_volume)
from .cost_volume_triton import (triton_available, triton_cost_volume,
                                 triton_temporal_cost_volume)

__all__ = [
    'COST_VOLUME_IMPLS', 'check_displacement', 'cost_volume',
    'cost_volume_displacements', 'num_displacements', 'temporal_cost_volume'
]

COST_VOLUME_IMPLS = ('reference', 'fast', 'native', 'triton', 'auto')

#: Bytes of one input chunk of the ``'fast'`` path: cache-sized on CPU
#: (measured best at 2-4 MiB); on GPUs large enough to keep launches few and
#: small enough that the buffers stay below the inputs' size.
FAST_CHUNK_BYTES = {'cpu': 2 << 20, 'cuda': 64 << 20}


def check_displacement(max_displacement: int, stride: int) -> None:
    """Raise ``ValueError`` unless ``max_displacement`` is an int >= 0 and
    ``stride`` an int >= 1 (the message names the value)."""
    if not isinstance(max_displacement, int) or max_displacement < 0:
        raise ValueError('max_displacement must be an int >= 0, got '
                         f'{max_displacement!r}')
    if not isinstance(stride, int) or stride < 1:
        raise ValueError(f'stride must be an int >= 1, got {stride!r}')


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
    check_displacement(max_displacement, stride)


def _overlap(shift: int, size: int) -> Tuple[slice, slice]:
    """Slices of the output and of the shifted map that overlap."""
    lo, hi = max(0, -shift), min(size, size - shift)
    return slice(lo, max(lo, hi)), slice(lo + shift, max(lo, hi) + shift)


def _inverse_norms(feat: Tensor, eps: float) -> Tuple[Tensor, Tensor]:
    """``1 / max(||F||, eps)`` over channels and the mask ``||F|| > eps``."""
    norm = torch.linalg.vector_norm(feat, dim=1, keepdim=True)
    return norm.clamp_min(eps).reciprocal(), (norm > eps).to(feat.dtype)


def _chunk_size(feat: Tensor) -> int:
    """Frame pairs per chunk of the ``'fast'`` path.

    At most :data:`FAST_CHUNK_BYTES` and a quarter of the input, so the three
    chunk-sized buffers (two unit maps, one product) stay below the inputs.
    """
    budget = min(
        FAST_CHUNK_BYTES.get(feat.device.type, FAST_CHUNK_BYTES['cuda']),
        feat.numel() * feat.element_size() // 4)
    return max(1, budget // max(1, feat[0].numel() * feat.element_size()))


class _CosineCorrelation(torch.autograd.Function):
    """Eq. 1 on chunks; saves only the inputs and their inverse norms."""

    @staticmethod
    def forward(ctx, feat1: Tensor, feat2: Tensor,
                offsets: Tuple[Tuple[int, int], ...], eps: float,
                native: Optional[Tuple[int, int]] = None) -> Tensor:
        n, _, h, w = feat1.shape
        inv1, live1 = _inverse_norms(feat1, eps)
        inv2, live2 = _inverse_norms(feat2, eps)
        step = _chunk_size(feat1)
        ctx.offsets, ctx.step, ctx.native = offsets, step, native
        ctx.save_for_backward(feat1, feat2, inv1, inv2, live1, live2)
        if native is not None:  # (max_displacement, stride): the C kernel
            return native_cost_volume(feat1, feat2, *native, eps)
        out = feat1.new_zeros((n, len(offsets), h, w))
        for i in range(0, n, step):
            unit1, unit2 = feat1[i:i + step] * inv1[i:i + step], \
                feat2[i:i + step] * inv2[i:i + step]
            for k, (dy, dx) in enumerate(offsets):
                (oy, sy), (ox, sx) = _overlap(dy, h), _overlap(dx, w)
                out[i:i + step, k, oy, ox] = (unit1[:, :, oy, ox] *
                                              unit2[:, :, sy, sx]).sum(1)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor):
        feat1, feat2, inv1, inv2, live1, live2 = ctx.saved_tensors
        h, w = feat1.shape[-2:]
        need1, need2 = ctx.needs_input_grad[:2]
        if ctx.native is not None and grad_out.dtype == torch.float32:
            # the C kernel: a gather over the displacements per input
            grad_out = grad_out.contiguous()
            return (native_cost_volume_grad(
                feat1, feat2, inv1, inv2, live1, grad_out, *ctx.native,
                True) if need1 else None, native_cost_volume_grad(
                    feat2, feat1, inv2, inv1, live2, grad_out, *ctx.native,
                    False) if need2 else None, None, None, None)
        grad1 = torch.empty_like(feat1) if need1 else None
        grad2 = torch.empty_like(feat2) if need2 else None
        step = ctx.step
        for i in range(0, feat1.shape[0], step):
            part = slice(i, i + step)
            unit1, unit2 = feat1[part] * inv1[part], feat2[part] * inv2[part]
            g1 = grad1[part].zero_() if need1 else None
            g2 = grad2[part].zero_() if need2 else None
            for k, (dy, dx) in enumerate(ctx.offsets):
                (oy, sy), (ox, sx) = _overlap(dy, h), _overlap(dx, w)
                g = grad_out[part, k:k + 1, oy, ox]
                if need1:
                    g1[:, :, oy, ox].addcmul_(g, unit2[:, :, sy, sx])
                if need2:
                    g2[:, :, sy, sx].addcmul_(g, unit1[:, :, oy, ox])
            # through u = F / max(||F||, eps): dF = (du - u <u, du>) / ||F||
            for g, unit, inv, live in ((g1, unit1, inv1[part], live1[part]),
                                       (g2, unit2, inv2[part], live2[part])):
                if g is not None:
                    radial = (g * unit).sum(1, keepdim=True).mul_(live)
                    g.sub_(unit.mul_(radial)).mul_(inv)
        return grad1, grad2, None, None, None


class _NativeTemporalCorrelation(torch.autograd.Function):
    """The PMB's frame pairs with the C kernels: the forward pass reads the
    pairs in place; only the float32 clip is kept, and the backward pass
    builds the two pair stacks once to run the gather kernels."""

    @staticmethod
    def forward(ctx, feats: Tensor, max_displacement: int, stride: int,
                eps: float) -> Tensor:
        ctx.args = (max_displacement, stride, eps)
        ctx.save_for_backward(feats)
        return native_temporal_cost_volume(feats, max_displacement, stride,
                                           eps)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor):
        feats, = ctx.saved_tensors
        d, s, eps = ctx.args
        n, c, t, h, w = feats.shape
        frames = feats.transpose(1, 2)  # (N, T, C, H, W) view
        nxt = torch.arange(1, t + 1, device=feats.device).clamp_max(t - 1)
        flat1 = frames.reshape(n * t, c, h, w)
        flat2 = frames[:, nxt].reshape(n * t, c, h, w)
        grad = grad_out.transpose(1, 2).reshape(n * t, -1, h, w)
        inv1, live1 = _inverse_norms(flat1, eps)
        inv2, live2 = _inverse_norms(flat2, eps)
        g1 = native_cost_volume_grad(flat1, flat2, inv1, inv2, live1, grad,
                                     d, s, True).view(n, t, c, h, w)
        g2 = native_cost_volume_grad(flat2, flat1, inv2, inv1, live2, grad,
                                     d, s, False).view(n, t, c, h, w)
        g1.index_add_(1, nxt, g2)  # F_t+1 of pair t is frame min(t+1, T-1)
        return g1.transpose(1, 2).contiguous(), None, None, None


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


def _resolve(impl: str, feat: Tensor) -> str:
    if impl == 'auto':
        if feat.is_cuda:
            return 'triton' if triton_available() else 'fast'
        return 'native' if feat.device.type == 'cpu' and native_available() \
            and feat.dtype != torch.float64 else 'fast'
    if impl == 'native':
        if feat.device.type != 'cpu':
            raise ValueError("cost_volume impl='native' runs on CPU tensors "
                             f'only, got a tensor on {feat.device}')
        if feat.dtype == torch.float64:  # the kernel computes in float32
            return 'fast'
    return impl


def _needs_grad(*tensors: Tensor) -> bool:
    return torch.is_grad_enabled() and any(t.requires_grad for t in tensors)


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
        impl (str): ``'reference'``, ``'fast'``, ``'native'`` (CPU tensors
            only), ``'triton'`` (CUDA tensors only) or ``'auto'``; equal
            outputs. Defaults to ``'fast'``.
        eps (float): Lower bound of each vector norm, so zero vectors give
            similarity 0 instead of dividing by zero. Defaults to ``1e-8``.

    Shape:
        - feat1, feat2: ``(N, C, H, W)``
        - output: ``(N, M, H, W)``, ``M = (2 * floor(d / s) + 1) ** 2``,
          values in ``[-1, 1]``. Half-precision inputs are computed in
          float32 and returned in their own dtype.
    """
    _check_inputs(feat1, feat2, max_displacement, stride, impl)
    impl = _resolve(impl, feat1)
    dtype = feat1.dtype
    if impl == 'triton':  # reads half inputs directly, accumulates in fp32
        return triton_cost_volume(feat1, feat2, max_displacement, stride,
                                  eps).to(dtype)
    if dtype in (torch.float16, torch.bfloat16):
        feat1, feat2 = feat1.float(), feat2.float()
    offsets = tuple(cost_volume_displacements(max_displacement, stride))
    if impl == 'reference':
        radius = (max_displacement // stride) * stride
        out = _reference(feat1, feat2, offsets, radius, eps)
    elif impl == 'native' and not _needs_grad(feat1, feat2):
        out = native_cost_volume(feat1, feat2, max_displacement, stride, eps)
    else:
        native = (max_displacement, stride) if impl == 'native' else None
        out = _CosineCorrelation.apply(feat1, feat2, offsets, eps, native)
    return out.to(dtype)


def temporal_cost_volume(feats: Tensor,
                         max_displacement: int = 6,
                         stride: int = 2,
                         *,
                         impl: str = 'fast',
                         eps: float = 1e-8,
                         out: Optional[Tensor] = None) -> Tensor:
    """Cost volume of each frame with the next one, the last with itself.

    The pairs ``(F_0, F_1), ..., (F_T-2, F_T-1), (F_T-1, F_T-1)`` of the
    Prime Motion Block (section 3.2), so the output keeps ``T`` frames.
    ``'triton'``, and ``'native'`` without autograd, read the pairs in place
    from the clip tensor (no copies of the features, output written in
    ``(N, M, T, H, W)`` layout); the other paths build the two
    ``(N * T, C, H, W)`` stacks of frames first.

    Args:
        feats (Tensor): ``(N, C, T, H, W)``, ``T >= 1``.
        max_displacement, stride, impl, eps: As :func:`cost_volume`.
        out (Tensor, optional): Without autograd, a float32
            ``(N, M, T, H, W)`` tensor (dense ``H x W`` planes, e.g. a
            channel slice of a concatenation buffer) that receives the
            result: ``'native'`` writes into it, other paths copy into it.
            Defaults to ``None``.

    Shape:
        - feats: ``(N, C, T, H, W)``
        - output: ``(N, M, T, H, W)``, same dtype
    """
    if feats.dim() != 5 or feats.shape[2] < 1:
        raise ValueError('temporal_cost_volume expects (N, C, T, H, W) with '
                         f'T >= 1, got {tuple(feats.shape)}')
    _check_inputs(feats[:, :, 0], feats[:, :, 0], max_displacement, stride,
                  impl)
    n, c, t, h, w = feats.shape
    resolved = _resolve(impl, feats)
    if out is not None:
        if _needs_grad(feats):
            raise ValueError('temporal_cost_volume: out= is for inference '
                             'only (no autograd through it)')
        if resolved == 'native':
            return native_temporal_cost_volume(feats, max_displacement,
                                               stride, eps, out=out)
        with torch.no_grad():
            return out.copy_(temporal_cost_volume(
                feats, max_displacement, stride, impl=impl, eps=eps))
    if resolved == 'triton':
        return triton_temporal_cost_volume(feats, max_displacement, stride,
                                           eps)
    if resolved == 'native' and not _needs_grad(feats):
        # pairs read in place, output written as (N, M, T, H, W)
        return native_temporal_cost_volume(feats, max_displacement, stride,
                                           eps)
    if resolved == 'native' and feats.dtype == torch.float32:
        return _NativeTemporalCorrelation.apply(feats, max_displacement,
                                                stride, eps)
    following = torch.cat([feats[:, :, 1:], feats[:, :, -1:]], dim=2)
    # (N, C, T, H, W) -> (N*T, C, H, W): each frame pair is one sample
    flat1 = feats.transpose(1, 2).reshape(n * t, c, h, w)
    flat2 = following.transpose(1, 2).reshape(n * t, c, h, w)
    costs = cost_volume(flat1, flat2, max_displacement, stride, impl=impl,
                        eps=eps)
    return costs.reshape(n, t, -1, h, w).transpose(1, 2)
