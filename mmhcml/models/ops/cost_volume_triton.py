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
import functools
import importlib.util
import os
from typing import Tuple

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

__all__ = ['triton_available', 'triton_cost_volume']

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


def _warps(elems: int) -> int:
    return max(2, min(8, elems // ELEMS_PER_WARP))


def _tiles(h: int, w: int, bh: int, bw: int) -> int:
    return -(-h // bh) * -(-w // bw)


class _TritonCostVolume(torch.autograd.Function):
    """Cosine cost volume; saves the inputs, the norm maps and the output."""

    @staticmethod
    def forward(ctx, feat1: Tensor, feat2: Tensor, max_displacement: int,
                stride: int, eps: float) -> Tensor:
        feat1, feat2 = feat1.contiguous(), feat2.contiguous()
        n, c, h, w = feat1.shape
        steps = max_displacement // stride
        m = 2 * steps + 1
        lanes = triton_next_power_of_2(m)
        bh, bw = _tile(h, w, lanes, m * n, feat1.device)
        out = feat1.new_empty((n, m * m, h, w))
        nrm = feat1.new_empty((n, 2, h, w), dtype=torch.float32)
        cu = CHANNEL_UNROLL
        if n * h * w:
            _kernels().forward_kernel[(m, _tiles(h, w, bh, bw), n)](
                feat1, feat2, out, nrm, h, w, float(eps), C=c,
                C_MAIN=c - c % cu, STEPS=steps, S=stride, MX=lanes, BH=bh, BW=bw, CU=cu,
                num_warps=_warps(lanes * bh * bw))
        ctx.save_for_backward(feat1, feat2, nrm, out)
        ctx.geometry = (steps, stride, float(eps))
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor) -> Tuple[Tensor, Tensor, None,
                                                 None, None]:
        feat1, feat2, nrm, out = ctx.saved_tensors
        steps, stride, eps = ctx.geometry
        need = ctx.needs_input_grad[:2]
        n, c, h, w = feat1.shape
        if not any(need):
            return None, None, None, None, None
        grads = [torch.empty_like(f) if want else None
                 for f, want in zip((feat1, feat2), need)]
        if n * h * w == 0 or c == 0:
            return (*(g.zero_() if g is not None else None for g in grads),
                    None, None, None)
        kernels = _kernels()
        grad_out = grad_out.contiguous()
        radial = nrm.new_empty(nrm.shape)
        bh, bw = _tile(h, w, 1, n, feat1.device)
        kernels.radial_kernel[(_tiles(h, w, bh, bw), n)](
            grad_out, out, radial, h, w, STEPS=steps, S=stride, BH=bh,
            BW=bw, NEED1=need[0], NEED2=need[1],
            num_warps=_warps(bh * bw))
        cb = min(BLOCK_C, triton_next_power_of_2(c))
        chunks = -(-c // cb)
        bh, bw = _tile(h, w, cb, chunks * n, feat1.device)
        grid = (chunks, _tiles(h, w, bh, bw), n)
        for this, (mine, other) in enumerate(((feat1, feat2),
                                              (feat2, feat1))):
            if need[this]:
                kernels.grad_kernel[grid](
                    mine, other, nrm, grad_out, radial, grads[this], c, h,
                    w, eps, THIS=this, STEPS=steps, S=stride, CB=cb, BH=bh,
                    BW=bw, num_warps=_warps(cb * bh * bw))
        return grads[0], grads[1], None, None, None


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
    if not triton_available():
        raise ImportError("cost_volume(impl='triton') needs the `triton` "
                          "package; install it or use impl='auto'/'fast'")
    if not feat1.is_cuda and not _interpret():
        raise ValueError("cost_volume(impl='triton') needs CUDA tensors "
                         "(or TRITON_INTERPRET=1), got device "
                         f'{feat1.device.type!r}; use impl=\'auto\' or '
                         "'fast'")
    return _TritonCostVolume.apply(feat1, feat2, max_displacement, stride,
                                   eps)
