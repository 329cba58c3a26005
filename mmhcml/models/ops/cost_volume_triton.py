"""Triton kernels for the cosine cost volume of Eq. 1 (section 3.2, C.2).

Nothing of size ``C x M`` is ever written to memory, and every kernel keeps
the image row as the fastest axis of its tiles so loads along ``W`` are
coalesced. With ``u = F / max(||F||, eps)``, ``o_k`` the displacements and
``g`` the gradient of the output ``cv``:

    cv[p, k]     = <F_t[p], F_t+1[p + o_k]> / (max(|F_t[p]|, eps)
                                               max(|F_t+1[p + o_k]|, eps))
    dL/dF_t[p]   = inv1[p] (sum_k g[p, k] u2[p + o_k]
                            - [|F_t[p]| > eps] u1[p] R1[p]),
    R1[p]        = sum_k g[p, k] cv[p, k]
    dL/dF_t+1[q] = inv2[q] (sum_k g[q - o_k, k] u1[q - o_k]
                            - [|F_t+1[q]| > eps] u2[q] R2[q]),
    R2[q]        = sum_k g[q - o_k, k] cv[q - o_k, k]

(the gradient of ``F_t+1`` written as a gather, so no atomics). Launches:

* forward, 1: a program per (displacement row ``dy``, ``BH x BW`` pixel
  tile, frame pair) loops over the channels (``CU`` at a time), reading the
  ``F_t`` tile once and the ``m`` shifted ``F_t+1`` tiles of its row (L1
  hits of one halo), and accumulates the ``m`` dot products together with the
  squared norms, so the norms cost no extra pass; the ``dy = 0`` programs
  also write the two norm maps ``(N, 2, H, W)`` kept for the backward pass.
  Across the ``m`` row programs of a tile each ``F_t`` value is read ``m``
  times and each ``F_t+1`` value once per row. ``FORWARD_TILED = 1``
  instead runs a program per (tile, pair) that holds all ``M`` dot products
  of the tile, keeps the ``F_t`` tile in registers and loads the
  ``(BH + 2r) x (BW + 2r)`` halo of ``F_t+1`` once per channel, the ``M``
  displacements taking their values from it by ``tl.gather`` (shared memory
  on a GPU): each input value read once per tile. ``FORWARD_TILED = 2`` has
  the same tiles but loads the shifted partners from memory.
* backward, 1 + one per input that needs a gradient: ``radial_kernel``
  reduces ``R1``/``R2`` over the ``M`` displacements per pixel, then
  ``grad_kernel`` runs a program per (``CB`` channels, pixel tile, pair)
  that sums ``g u_partner`` over all ``M`` displacements in registers and
  subtracts the radial term.

Memory: the inputs, the output, the norm maps and (in the backward pass) the
two radial maps, ``(N, 2, H, W)`` each. Half inputs are read directly and
accumulated in float32; the output and gradients have the inputs' dtype.
Triton is imported lazily: importing this module never fails,
:func:`triton_available` tells whether the kernels can run, and
``TRITON_INTERPRET=1`` runs them on CPU tensors (for tests).
"""
import contextlib
import functools
import importlib.util
import os
from typing import NamedTuple, Tuple

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

__all__ = [
    'KNOBS', 'knobs_set', 'triton_available', 'triton_cost_volume',
    'triton_temporal_cost_volume'
]

#: Largest tile width (pixels along ``W``), a power of two.
BLOCK_W = 64
#: Target elements per program and step (tile pixels x displacement lanes in
#: the forward pass, tile pixels x channels in the backward pass).
BLOCK_ELEMS = 1024
#: Channels per gradient program (``CB``) and channels per forward step.
BLOCK_C = 16
CHANNEL_UNROLL = 4
#: Aim for at least this many programs per streaming multiprocessor.
PROGRAMS_PER_SM = 4
#: Elements per warp (``num_warps = elements / ELEMS_PER_WARP``, 2 to 8).
ELEMS_PER_WARP = 256
#: 1: a first launch computes the norm maps and the forward kernel only
#: accumulates dot products (one multiply-add per loaded value instead of
#: two, one more read of the inputs); 0: the norms are accumulated with the
#: dot products. Equal outputs; which is faster is measured on the GPU
#: (``benchmark_cost_volume.py --triton-configs FORWARD_PRENORM=1``).
FORWARD_PRENORM = 0
#: Pixels per program of the norm launch.
NORM_BLOCK = 256
#: Forward formulation: 0, a program per displacement row (above); 1, a
#: program per pixel tile computes all ``M`` displacements, keeping the
#: ``F_t`` tile in registers and reading each ``F_t+1`` value once per tile
#: (its halo, loaded once per channel, is shared by the displacements through
#: ``tl.gather``, i.e. shared memory on a GPU), norms summed from the same
#: loads; 2, the same tiles with the shifted ``F_t+1`` values loaded straight
#: from memory (halo repeats served by the cache) and the norms from their
#: own launch. Equal outputs and norm maps, so the backward pass is the same;
#: 1 and 2 are tested in the interpreter, not yet timed on a GPU
#: (``benchmark_cost_volume.py --triton-configs FORWARD_TILED=1``).
FORWARD_TILED = 0
#: Displacement lanes x pixels per program of ``FORWARD_TILED`` 1 and 2
#: (64 lanes of M = 49 x an 8 x 8 tile).
TILED_ELEMS = 4096
#: The module constants above that shape the launches; a backward pass runs
#: with the values its forward pass ran with (``ctx.knobs``), so a tuning
#: sweep that changes them between calls times consistent pairs.
KNOBS = ('BLOCK_W', 'BLOCK_ELEMS', 'BLOCK_C', 'CHANNEL_UNROLL',
         'PROGRAMS_PER_SM', 'ELEMS_PER_WARP', 'FORWARD_PRENORM', 'NORM_BLOCK',
         'FORWARD_TILED', 'TILED_ELEMS')
#: The values :data:`FORWARD_TILED` may take.
FORWARD_FORMULATIONS = (0, 1, 2)


def _knobs() -> dict:
    return {name: globals()[name] for name in KNOBS}


@contextlib.contextmanager
def knobs_set(knobs: dict):
    """The launch constants (:data:`KNOBS`) set to ``knobs`` inside the
    block, restored after; for tuning sweeps."""
    unknown = set(knobs) - set(KNOBS)
    if unknown:
        raise ValueError(f'unknown Triton launch constants {sorted(unknown)}'
                         f'; known: {KNOBS}')
    saved = _knobs()
    globals().update(knobs)
    try:
        yield
    finally:
        globals().update(saved)


def _interpret() -> bool:
    return os.environ.get('TRITON_INTERPRET', '0') == '1'


def triton_available() -> bool:
    """bool: whether ``triton`` is installed (kernels need CUDA or
    ``TRITON_INTERPRET=1``)."""
    return importlib.util.find_spec('triton') is not None


def _kernels():
    """The kernels' module, imported on first use.

    ``triton.jit`` reads ``TRITON_INTERPRET`` when the kernels are defined,
    so their module is reloaded when that setting changed since.
    """
    from . import _cost_volume_kernels as kernels
    if kernels.INTERPRET != _interpret():
        kernels = importlib.reload(kernels)
    return kernels


def triton_next_power_of_2(v: int) -> int:
    """Smallest power of two ``>= v`` (no triton import needed)."""
    return 1 << (max(v, 1) - 1).bit_length()


@functools.lru_cache(maxsize=None)
def _sm_count(index: int) -> int:
    return torch.cuda.get_device_properties(index).multi_processor_count


def _min_programs(device: torch.device) -> int:
    sms = _sm_count(device.index if device.index is not None else
                    torch.cuda.current_device()) if device.type == 'cuda' \
        else 132
    return PROGRAMS_PER_SM * sms


def _tile(h: int, w: int, lanes: int, others: int, device) -> Tuple[int, int]:
    """``(BH, BW)``: about ``BLOCK_ELEMS / lanes`` pixels, rows of up to
    ``BLOCK_W``, fewer rows while that leaves too few programs (``others``
    programs per tile)."""
    bw = min(BLOCK_W, triton_next_power_of_2(w))
    while bw > 8 and lanes * bw > BLOCK_ELEMS:
        bw //= 2
    bh = max(1, min(triton_next_power_of_2(h), BLOCK_ELEMS // (lanes * bw)))
    target = _min_programs(device)
    while bh > 1 and others * -(-h // bh) * -(-w // bw) < target:
        bh //= 2
    return bh, bw


def _square_tile(h: int, w: int, pixels: int, others: int,
                 device) -> Tuple[int, int]:
    """``(BH, BW)`` of the tiled forward pass: about ``pixels`` pixels in
    a tile as square as the map allows (the halo of a square tile is the
    smallest), ``BW <= BLOCK_W``, fewer rows while that leaves too few
    programs (``others`` programs per tile)."""
    cap_w = min(BLOCK_W, triton_next_power_of_2(w))
    cap_h = triton_next_power_of_2(h)
    bh = bw = 1
    while bh * bw < pixels and (bw < cap_w or bh < cap_h):
        if bw < cap_w and (bw <= bh or bh >= cap_h):
            bw *= 2
        else:
            bh *= 2
    target = _min_programs(device)
    while bh > 1 and others * _tiles(h, w, bh, bw) < target:
        bh //= 2
    return bh, bw


def _warps(elems: int) -> int:
    return max(2, min(8, elems // ELEMS_PER_WARP))


def _tiles(h: int, w: int, bh: int, bw: int) -> int:
    return -(-h // bh) * -(-w // bw)


class _Layout(NamedTuple):
    """Where the kernels find frame pair ``p`` (``T`` pairs per clip).

    Inputs: ``F_t`` of pair ``p`` starts at ``(p // T) * SN + (p % T) * ST``
    with channel stride ``CS``; ``F_t+1`` is the same frame of the second
    tensor (``SHIFT = 0``) or frame ``min(t + 1, T - 1)`` of the same tensor
    (``SHIFT = 1``). Output: pair ``p`` at ``(p // T) * ON + (p % T) * OT``,
    displacement stride ``OK``. Pixels are contiguous rows in both.
    """
    T: int
    SN: int
    ST: int
    CS: int
    ON: int
    OT: int
    OK: int
    SHIFT: int


def _pair_layout(feat: Tensor, m2: int) -> Tuple[_Layout, int, tuple]:
    """Layout, pair count and output shape of two ``(N, C, H, W)`` maps."""
    n, c, h, w = feat.shape
    hw = h * w
    return (_Layout(1, c * hw, 0, hw, m2 * hw, 0, hw, 0), n, (n, m2, h, w))


def _temporal_layout(feat: Tensor, m2: int) -> Tuple[_Layout, int, tuple]:
    """Layout, pair count and output shape of one ``(N, C, T, H, W)`` clip
    tensor whose frame ``t`` pairs with frame ``min(t + 1, T - 1)``."""
    n, c, t, h, w = feat.shape
    hw = h * w
    return (_Layout(t, c * t * hw, hw, t * hw, m2 * t * hw, hw, t * hw, 1),
            n * t, (n, m2, t, h, w))


def _forward(feat1: Tensor, feat2: Tensor, lay: _Layout, pairs: int,
             out_shape: tuple, steps: int, stride: int,
             eps: float) -> Tuple[Tensor, Tensor]:
    """Output and norm maps ``(pairs, 2, H, W)``: one forward launch."""
    c = feat1.shape[1]
    h, w = feat1.shape[-2:]
    m = 2 * steps + 1
    lanes = triton_next_power_of_2(m)
    bh, bw = _tile(h, w, lanes, m * pairs, feat1.device)
    if FORWARD_TILED not in FORWARD_FORMULATIONS:
        raise ValueError('cost_volume_triton.FORWARD_TILED must be one of '
                         f'{FORWARD_FORMULATIONS}, got {FORWARD_TILED!r}')
    out = feat1.new_empty(out_shape)
    nrm = feat1.new_empty((pairs, 2, h, w), dtype=torch.float32)
    cu = CHANNEL_UNROLL
    prenorm = bool(FORWARD_PRENORM)
    if pairs * h * w and FORWARD_TILED:
        _tiled_forward(feat1, feat2, out, nrm, lay, pairs, steps, stride,
                       eps)
    elif pairs * h * w:
        kernels = _kernels()
        if prenorm:
            kernels.norm_kernel[(-(-h * w // NORM_BLOCK), pairs)](
                feat1, feat2, nrm, h, w, *lay[:4], C=c, BLOCK=NORM_BLOCK,
                SHIFT=lay.SHIFT, num_warps=_warps(NORM_BLOCK))
        kernels.forward_kernel[(m, _tiles(h, w, bh, bw), pairs)](
            feat1, feat2, out, nrm, h, w, float(eps), *lay[:7], C=c,
            C_MAIN=c - c % cu, STEPS=steps, S=stride, MX=lanes, BH=bh,
            BW=bw, CU=cu, SHIFT=lay.SHIFT, PRENORM=prenorm,
            num_warps=_warps(lanes * bh * bw))
    return out, nrm


def _tiled_forward(feat1: Tensor, feat2: Tensor, out: Tensor, nrm: Tensor,
                   lay: _Layout, pairs: int, steps: int, stride: int,
                   eps: float) -> None:
    """``out`` and ``nrm`` of :func:`_forward` with ``FORWARD_TILED`` 1
    (one launch, halo gathered) or 2 (norm launch, then shifted loads)."""
    c = feat1.shape[1]
    h, w = feat1.shape[-2:]
    m = 2 * steps + 1
    lanes = triton_next_power_of_2(m * m)
    bh, bw = _square_tile(h, w, max(1, TILED_ELEMS // lanes), pairs,
                          feat1.device)
    gather = FORWARD_TILED == 1
    r = steps * stride
    halo = triton_next_power_of_2((bh + 2 * r) * (bw + 2 * r)) if gather \
        else 1
    kernels = _kernels()
    if not gather:
        kernels.norm_kernel[(-(-h * w // NORM_BLOCK), pairs)](
            feat1, feat2, nrm, h, w, *lay[:4], C=c, BLOCK=NORM_BLOCK,
            SHIFT=lay.SHIFT, num_warps=_warps(NORM_BLOCK))
    cu = CHANNEL_UNROLL
    kernels.tiled_forward_kernel[(_tiles(h, w, bh, bw), pairs)](
        feat1, feat2, out, nrm, h, w, float(eps), *lay[:7], C=c,
        C_MAIN=c - c % cu, STEPS=steps, S=stride, K=lanes, BH=bh, BW=bw,
        HALO=halo, CU=cu, SHIFT=lay.SHIFT, GATHER=gather,
        num_warps=_warps(lanes * bh * bw))


def _backward(feat1: Tensor, feat2: Tensor, nrm: Tensor, out: Tensor,
              grad_out: Tensor, lay: _Layout, pairs: int, steps: int,
              stride: int, eps: float, need: Tuple[bool, bool]) -> list:
    """Gradients of ``F_t`` and ``F_t+1`` of every pair (``None`` where not
    needed), each written at the offsets of the pair's ``F_t``."""
    c = feat1.shape[1]
    h, w = feat1.shape[-2:]
    grads = [torch.empty_like(feat1) if want else None for want in need]
    if pairs * h * w == 0 or c == 0:
        return [g.zero_() if g is not None else None for g in grads]
    kernels = _kernels()
    grad_out = grad_out.contiguous()
    radial = nrm.new_empty(nrm.shape)
    bh, bw = _tile(h, w, 1, pairs, feat1.device)
    kernels.radial_kernel[(_tiles(h, w, bh, bw), pairs)](
        grad_out, out, radial, h, w, lay.T, lay.ON, lay.OT, lay.OK,
        STEPS=steps, S=stride, BH=bh, BW=bw, NEED1=need[0], NEED2=need[1],
        num_warps=_warps(bh * bw))
    cb = min(BLOCK_C, triton_next_power_of_2(c))
    chunks = -(-c // cb)
    bh, bw = _tile(h, w, cb, chunks * pairs, feat1.device)
    grid = (chunks, _tiles(h, w, bh, bw), pairs)
    for this, (mine, other) in enumerate(((feat1, feat2), (feat2, feat1))):
        if need[this]:
            kernels.grad_kernel[grid](
                mine, other, nrm, grad_out, radial, grads[this], c, h, w,
                eps, *lay[:7], THIS=this, STEPS=steps, S=stride, CB=cb,
                BH=bh, BW=bw, SHIFT=lay.SHIFT,
                num_warps=_warps(cb * bh * bw))
    return grads


class _TritonCostVolume(torch.autograd.Function):
    """Cosine cost volume of two maps; saves the inputs, the norm maps and
    the output."""

    @staticmethod
    def forward(ctx, feat1: Tensor, feat2: Tensor, max_displacement: int,
                stride: int, eps: float) -> Tensor:
        feat1, feat2 = feat1.contiguous(), feat2.contiguous()
        steps = max_displacement // stride
        lay, pairs, shape = _pair_layout(feat1, (2 * steps + 1)**2)
        out, nrm = _forward(feat1, feat2, lay, pairs, shape, steps, stride,
                            eps)
        ctx.save_for_backward(feat1, feat2, nrm, out)
        ctx.geometry = (lay, pairs, steps, stride, float(eps))
        ctx.knobs = _knobs()
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor) -> Tuple[Tensor, Tensor, None,
                                                 None, None]:
        feat1, feat2, nrm, out = ctx.saved_tensors
        need = tuple(ctx.needs_input_grad[:2])
        if not any(need):
            return None, None, None, None, None
        with knobs_set(ctx.knobs):
            grads = _backward(feat1, feat2, nrm, out, grad_out,
                              *ctx.geometry, need)
        return grads[0], grads[1], None, None, None


class _TritonTemporalCostVolume(torch.autograd.Function):
    """Cost volume of every frame of ``(N, C, T, H, W)`` clips with the next
    one (the last with itself), read in place: no frame-pair copies. Saves
    the clips, the norm maps and the output."""

    @staticmethod
    def forward(ctx, feats: Tensor, max_displacement: int, stride: int,
                eps: float) -> Tensor:
        feats = feats.contiguous()
        steps = max_displacement // stride
        lay, pairs, shape = _temporal_layout(feats, (2 * steps + 1)**2)
        out, nrm = _forward(feats, feats, lay, pairs, shape, steps, stride,
                            eps)
        ctx.save_for_backward(feats, nrm, out)
        ctx.geometry = (lay, pairs, steps, stride, float(eps))
        ctx.knobs = _knobs()
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor) -> Tuple[Tensor, None, None, None]:
        feats, nrm, out = ctx.saved_tensors
        if not ctx.needs_input_grad[0]:
            return None, None, None, None
        with knobs_set(ctx.knobs):
            as_first, as_second = _backward(feats, feats, nrm, out,
                                            grad_out, *ctx.geometry,
                                            (True, True))
        # pair t's F_t+1 is frame t + 1, and the last pair's is frame T - 1
        as_first[:, :, 1:] += as_second[:, :, :-1]
        as_first[:, :, -1] += as_second[:, :, -1]
        return as_first, None, None, None


def _check_runnable(feat: Tensor, name: str) -> None:
    if not triton_available():
        raise ImportError(f"{name}(impl='triton') needs the `triton` "
                          "package; install it or use impl='auto'/'fast'")
    if not feat.is_cuda and not _interpret():
        raise ValueError(f"{name}(impl='triton') needs CUDA tensors "
                         "(or TRITON_INTERPRET=1), got device "
                         f'{feat.device.type!r}; use impl=\'auto\' or '
                         "'fast'")


def triton_cost_volume(feat1: Tensor, feat2: Tensor, max_displacement: int,
                       stride: int, eps: float) -> Tensor:
    """Cosine cost volume with the Triton kernels (output in the inputs'
    dtype, computed in float32).

    Arguments are checked by :func:`~mmhcml.models.ops.cost_volume`; this
    only checks where the kernels can run.

    Raises:
        ImportError: ``triton`` is not installed.
        ValueError: The tensors are not on a CUDA device (and
            ``TRITON_INTERPRET=1`` is not set).
    """
    _check_runnable(feat1, 'cost_volume')
    return _TritonCostVolume.apply(feat1, feat2, max_displacement, stride,
                                   eps)


def triton_temporal_cost_volume(feats: Tensor, max_displacement: int,
                                stride: int, eps: float) -> Tensor:
    """:func:`~mmhcml.models.ops.temporal_cost_volume` with the Triton
    kernels, reading the frame pairs in place.

    Shape:
        - feats: ``(N, C, T, H, W)``; output ``(N, M, T, H, W)``

    Raises:
        ImportError, ValueError: as :func:`triton_cost_volume`.
    """
    _check_runnable(feats, 'temporal_cost_volume')
    return _TritonTemporalCostVolume.apply(feats, max_displacement, stride,
                                           eps)
