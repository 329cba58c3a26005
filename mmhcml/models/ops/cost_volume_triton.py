"""Triton kernels for the cosine cost volume of Eq. 1 (section 3.2, C.2).

One program handles ``BLOCK_P`` pixels of one frame pair and all ``M``
displacements at once; it loops over channels, so nothing of size ``C x M``
is ever written to memory::

    feat1 (N, C, H, W) ---+                  inv1, inv2 (N, H, W): 1 / ||F||
                          +-> acc[p, k] = sum_c F_t[c, p] F_t+1[c, p + o_k]
    feat2 (N, C, H, W) ---+   out[n, k, p] = acc[p, k] * inv1[p] * inv2[p + o_k]

The cosine normalisation is folded in as in the ``'fast'`` path: with
``u = F / max(||F||, eps)`` and ``g`` the gradient of the output,

    dL/dF_t[p]   = inv1[p] * sum_k g[p, k] u2[p + o_k]
                   - [||F_t[p]|| > eps] inv1[p]^2 F_t[p] sum_k g[p, k] out[p, k]

and symmetrically for ``F_t+1``, so the backward pass needs the inputs,
the output and the two norm maps only. Triton is imported lazily: importing
this module never fails, :func:`triton_available` tells whether the kernels
can run, and ``TRITON_INTERPRET=1`` runs them on CPU tensors (for tests).
"""
import importlib.util
import os
from typing import Tuple

import torch
from torch import Tensor

__all__ = ['triton_available', 'triton_cost_volume']

#: Pixels per program; all ``M <= BLOCK_K`` displacements share a program.
BLOCK_P = 64


def _interpret() -> bool:
    return os.environ.get('TRITON_INTERPRET', '0') == '1'


def triton_available() -> bool:
    """bool: whether ``triton`` is installed (kernels need CUDA or
    ``TRITON_INTERPRET=1``)."""
    return importlib.util.find_spec('triton') is not None


def _kernels():
    """``(forward_kernel, backward_kernel)``, imported on first use.

    ``triton.jit`` reads ``TRITON_INTERPRET`` when the kernels are defined,
    so their module is reloaded when that setting changed since.
    """
    from . import _cost_volume_kernels as kernels
    if kernels.INTERPRET != _interpret():
        kernels = importlib.reload(kernels)
    return kernels.forward_kernel, kernels.backward_kernel


def _launch_args(feat: Tensor, max_displacement: int, stride: int):
    n, c, h, w = feat.shape
    steps = max_displacement // stride
    m = 2 * steps + 1
    block_k = max(16, triton_next_power_of_2(m * m))
    grid = (-(-h * w // BLOCK_P), n)
    return grid, (c, h, w, steps, stride, m, m * m), block_k


def triton_next_power_of_2(v: int) -> int:
    """Smallest power of two ``>= v`` (no triton import needed)."""
    return 1 << (max(v, 1) - 1).bit_length()


class _TritonCostVolume(torch.autograd.Function):
    """Cosine cost volume; saves inputs, inverse norms and the output."""

    @staticmethod
    def forward(ctx, feat1: Tensor, feat2: Tensor, max_displacement: int,
                stride: int, eps: float) -> Tensor:
        feat1, feat2 = feat1.contiguous(), feat2.contiguous()
        norms = [  # in float32 (float64 inputs: computed there, then cast)
            torch.linalg.vector_norm(
                f, dim=1, dtype=torch.promote_types(f.dtype,
                                                    torch.float32)).float()
            for f in (feat1, feat2)
        ]
        inv1, inv2 = (v.clamp_min(eps).reciprocal() for v in norms)
        live1, live2 = ((v > eps).float() for v in norms)
        grid, sizes, block_k = _launch_args(feat1, max_displacement, stride)
        out = feat1.new_empty((feat1.shape[0], sizes[-1]) + feat1.shape[2:],
                              dtype=torch.float32)
        forward_kernel, _ = _kernels()
        forward_kernel[grid](feat1, feat2, inv1, inv2, out, *sizes,
                             BLOCK_P=BLOCK_P, BLOCK_K=block_k)
        ctx.save_for_backward(feat1, feat2, inv1, inv2, live1, live2, out)
        ctx.geometry = (grid, sizes, block_k)
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> Tuple[Tensor, Tensor, None,
                                                 None, None]:
        feat1, feat2, inv1, inv2, live1, live2, out = ctx.saved_tensors
        grid, sizes, block_k = ctx.geometry
        grad_out = grad_out.contiguous()
        _, backward_kernel = _kernels()
        grads = [None, None]
        plans = ((0, feat1, feat2, inv1, inv2, live1, 1),
                 (1, feat2, feat1, inv2, inv1, live2, -1))
        for index, mine, other, i_mine, i_other, live, sign in plans:
            if ctx.needs_input_grad[index]:
                grads[index] = torch.empty_like(mine)
                backward_kernel[grid](mine, other, i_mine, i_other, live,
                                      grad_out, out, grads[index], *sizes,
                                      SIGN=sign, BLOCK_P=BLOCK_P,
                                      BLOCK_K=block_k)
        return grads[0], grads[1], None, None, None


def triton_cost_volume(feat1: Tensor, feat2: Tensor, max_displacement: int,
                       stride: int, eps: float) -> Tensor:
    """Cosine cost volume with the Triton kernels (float32 output).

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
