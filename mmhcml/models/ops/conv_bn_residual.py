"""``Z = F + BN(W P)`` in one pass: the motion fusion ``g^l`` of section 3.2.

:class:`~mmhcml.models.backbones.HCMLBackbone` fuses motion features back
into the backbone with ``Z^l = F^l + g^l(P^l)``, ``g^l`` a 1x1x1 conv ``W``
(``C_p -> C``, no bias) followed by BatchNorm. Written as three modules
(conv, BN, add) this makes and re-reads three tensors of the *stage* width
``C`` (4x ``C_p``) and, in training, keeps the conv output for the BN
backward pass. Here BN is folded into the conv for the current statistics:

    BN(W P) = s * (W P - mu) + beta,   s = gamma / sqrt(var + eps)
            = W' P + b',               W' = diag(s) W,  b' = beta - s * mu

so ``Z`` is ``F + b'`` (one pass) with one batched matrix product
accumulated onto it in place (``baddbmm_``). In training the batch
statistics of ``W P`` come from the first two moments of ``P``:
``mu = W m``, ``var = diag(W (S - m m^T) W^T)`` with ``m`` the channel mean
and ``S`` the second-moment matrix ``(C_p x C_p)`` of ``P``. Autograd
through ``W'``, ``b'``, ``m`` and ``S`` gives exactly BatchNorm's gradient
(the batch statistics depend on ``P`` and ``W``); the running statistics are
updated as :class:`torch.nn.BatchNorm3d` does (unbiased variance, momentum or
cumulative average). In eval mode ``W'`` and ``b'`` use the running
statistics.

Nothing the size of ``Z`` is kept for the backward pass (``F`` and ``P`` are
kept by their own producers anyway). Statistics are computed in float32
whatever the autocast state; the variance ``w^T (S - m m^T) w`` subtracts
``m m^T`` from ``S``, which is accurate for motion features (post-ReLU, mean
of the order of their spread). On CUDA the moments are a float32 matrix
product: with ``torch.backends.cuda.matmul.allow_tf32 = True`` (off by
default in PyTorch) they would be rounded to TF32. Anything else than a bias-free 1x1x1
``nn.Conv3d`` followed by a plain affine BatchNorm (for instance SyncBN in
distributed self-supervised stages) runs the modules unchanged.
"""
from typing import Tuple

import torch
import torch.nn as nn
from mmcv.cnn.bricks.wrappers import Conv3d as MMCVConv3d
from torch import Tensor
from torch.autograd.function import once_differentiable

__all__ = [
    'channel_moments', 'conv_bn_residual', 'foldable', 'fold_conv_bn',
    'inference_foldable', 'pointwise_conv3d'
]


class _ChannelMoments(torch.autograd.Function):
    """``(N, C, L) -> (mean (C,), second moment (C, C))`` in float32.

    Keeps only the input for the backward pass (no float32 copy of it).
    """

    @staticmethod
    def forward(ctx, x: Tensor) -> Tuple[Tensor, Tensor]:
        count = x.shape[0] * x.shape[2]
        with torch.autocast(x.device.type, enabled=False):
            xf = x.float()
            mean = xf.sum(dim=(0, 2)) / count
            second = torch.einsum('nil,njl->ij', xf, xf) / count
        ctx.save_for_backward(x)
        return mean, second

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_mean: Tensor, grad_second: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        count = x.shape[0] * x.shape[2]
        with torch.autocast(x.device.type, enabled=False):
            sym = (grad_second + grad_second.t()) / count
            grad = torch.einsum('ij,njl->nil', sym, x.float())
            grad += (grad_mean / count)[None, :, None]
        return grad.to(x.dtype)


def channel_moments(x: Tensor) -> Tuple[Tensor, Tensor]:
    """Channel mean and second-moment matrix over batch and positions.

    Shape:
        - x: ``(N, C, L)``
        - output: ``(C,)`` and ``(C, C)``, float32,
          ``second[i, j] = mean over (n, l) of x[n, i, l] x[n, j, l]``
    """
    if x.dim() != 3 or x.shape[0] * x.shape[2] == 0:
        raise ValueError(f'channel_moments expects (N, C, L) with N, L > 0, '
                         f'got {tuple(x.shape)}')
    return _ChannelMoments.apply(x)


#: Conv classes whose forward is exactly ``F.conv3d`` (MMCV's wrapper only
#: adds support for empty inputs).
_PLAIN_CONV3D = (nn.Conv3d, MMCVConv3d)


def _has_hooks(module: nn.Module) -> bool:
    """Forward hooks (e.g. spectral norm, profilers) would be skipped."""
    return bool(module._forward_hooks or module._forward_pre_hooks)


def pointwise_conv3d(conv: nn.Module) -> bool:
    """Whether ``conv`` is a plain 1x1x1 ``nn.Conv3d`` (or MMCV's wrapper)
    that a batched matrix product over ``(N, C, T*H*W)`` can replace:
    ungrouped, unit stride, no padding, no forward hooks."""
    return (type(conv) in _PLAIN_CONV3D and conv.groups == 1
            and conv.kernel_size == (1, 1, 1) and conv.stride == (1, 1, 1)
            and conv.padding == (0, 0, 0) and not _has_hooks(conv))


def foldable(conv: nn.Module, bn: nn.Module) -> bool:
    """Whether :func:`conv_bn_residual` can fold ``bn`` into ``conv``: a
    bias-free, ungrouped, unit-stride 1x1x1 ``nn.Conv3d`` (or MMCV's
    ``Conv3d`` wrapper, which ``ConvModule`` builds) and an affine BatchNorm
    that is not ``SyncBatchNorm`` (its statistics are global), neither with
    a ``forward`` of its own nor with forward hooks (folding skips the
    modules' forwards)."""
    return (pointwise_conv3d(conv) and conv.bias is None
            and isinstance(bn, nn.modules.batchnorm._BatchNorm)
            and type(bn).forward is nn.modules.batchnorm._BatchNorm.forward
            and not isinstance(bn, nn.SyncBatchNorm) and bn.affine
            and bn.num_features == conv.out_channels
            and not _has_hooks(bn))


def _batch_statistics(weight: Tensor, flat: Tensor) -> Tuple[Tensor, Tensor]:
    """Mean and biased variance of each channel of ``weight @ flat``."""
    m, second = channel_moments(flat)
    cov = second - torch.outer(m, m)
    return weight @ m, ((weight @ cov) * weight).sum(dim=1).clamp_min(0)


def _update_running_stats(bn: nn.modules.batchnorm._BatchNorm, mean: Tensor,
                          var: Tensor, count: int) -> None:
    """As ``nn.BatchNorm*`` does in training (unbiased variance)."""
    with torch.no_grad():
        bn.num_batches_tracked.add_(1)
        factor = bn.momentum if bn.momentum is not None else \
            1.0 / float(bn.num_batches_tracked)
        unbiased = var * (count / (count - 1))
        bn.running_mean.mul_(1 - factor).add_(mean.detach(), alpha=factor)
        bn.running_var.mul_(1 - factor).add_(unbiased.detach(), alpha=factor)


def _fold(conv: nn.Conv3d, bn: nn.modules.batchnorm._BatchNorm, flat: Tensor,
          count: int) -> Tuple[Tensor, Tensor]:
    """``(W', b')`` in float32 for batch or running statistics; updates the
    running statistics in training."""
    weight = conv.weight.reshape(conv.out_channels, -1).float()
    if bn.training or bn.running_mean is None:
        mean, var = _batch_statistics(weight, flat)
        if bn.training and bn.track_running_stats and \
                bn.running_mean is not None:
            _update_running_stats(bn, mean, var, count)
    else:
        mean, var = bn.running_mean.float(), bn.running_var.float()
    scale = bn.weight.float() * torch.rsqrt(var + bn.eps)
    return weight * scale[:, None], bn.bias.float() - mean * scale


def conv_bn_residual(residual: Tensor, x: Tensor, conv: nn.Module,
                     bn: nn.Module) -> Tensor:
    """``residual + bn(conv(x))`` with BN folded into the conv (see module).

    Equal to running the modules (to float rounding), also for the
    gradients and the running statistics; falls back to running them when
    :func:`foldable` is false or ``residual`` and ``x`` differ in dtype.

    Shape:
        - residual: ``(N, C, T, H, W)``
        - x: ``(N, C_p, T, H, W)``
        - output: ``(N, C, T, H, W)``
    """
    if not foldable(conv, bn) or residual.dtype != x.dtype:
        return residual + bn(conv(x))
    n, c_in = x.shape[:2]
    c_out = conv.out_channels
    if residual.shape[0] != n or residual.shape[1] != c_out or \
            residual.shape[2:] != x.shape[2:]:
        raise ValueError(
            f'conv_bn_residual: residual {tuple(residual.shape)} does not '
            f'match the conv output ({n}, {c_out}, *{tuple(x.shape[2:])})')
    flat = x.reshape(n, c_in, -1)
    count = n * flat.shape[2]
    if (bn.training or bn.running_mean is None) and count < 2:
        raise ValueError(
            'BatchNorm in training needs more than 1 value per channel, got '
            f'input of shape {tuple(x.shape)}')
    with torch.autocast(x.device.type, enabled=False):
        folded, shift = _fold(conv, bn, flat, count)
    # F + b' first (one pass over F), then W' P accumulated in place (the
    # product's beta = 1): no second pass over the stage-width output
    out = residual.reshape(n, c_out, -1).add(
        shift.to(residual.dtype)[None, :, None])
    out = out.baddbmm_(folded.to(x.dtype).expand(n, c_out, c_in), flat)
    return out.reshape(residual.shape)


def inference_foldable(conv: nn.Module, bn: nn.Module) -> bool:
    """Whether :func:`fold_conv_bn` can replace ``bn(conv(x))`` at inference:
    a plain ``nn.Conv3d`` (or MMCV's wrapper) of any kernel, stride or
    padding, and a BatchNorm in eval mode with running statistics, neither
    with forward hooks nor with a ``forward`` of its own (``SyncBatchNorm``
    in eval mode uses its running statistics like BatchNorm)."""
    return (type(conv) in _PLAIN_CONV3D
            and isinstance(bn, nn.modules.batchnorm._BatchNorm)
            and type(bn).forward in (nn.modules.batchnorm._BatchNorm.forward,
                                     nn.SyncBatchNorm.forward)
            and not bn.training and bn.running_mean is not None
            and bn.num_features == conv.out_channels
            and not _has_hooks(conv) and not _has_hooks(bn))


def fold_conv_bn(conv: nn.Conv3d,
                 bn: nn.modules.batchnorm._BatchNorm) -> Tuple[Tensor, Tensor]:
    """Weight and bias of the one conv equal to ``bn(conv(x))`` in eval mode.

    ``W' = diag(s) W``, ``b' = s (b - mu) + beta`` with
    ``s = gamma / sqrt(var + eps)`` and the running ``mu``, ``var``
    (``gamma = 1``, ``beta = 0`` without affine). Computed in float32 on
    every call (a few microseconds for the PMB's weights), so loaded or
    changed parameters are always current.

    Shape:
        - output: ``conv.weight.shape`` and ``(C_out,)``, float32
    """
    with torch.no_grad():
        var = bn.running_var.float()
        scale = torch.rsqrt(var + bn.eps)
        shift = -bn.running_mean.float()
        if conv.bias is not None:
            shift = shift + conv.bias.float()
        if bn.affine:
            scale = scale * bn.weight.float()
            bias = shift * scale + bn.bias.float()
        else:
            bias = shift * scale
        weight = conv.weight.float() * scale.reshape(-1, *[1] *
                                                     (conv.weight.dim() - 1))
    return weight, bias
