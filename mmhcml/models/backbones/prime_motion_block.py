"""Prime Motion Block (paper section 3.2, appendix C.2, Figure 6)."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor
from torch.profiler import record_function

from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType
from ..ops import (COST_VOLUME_IMPLS, check_displacement, fold_conv_bn,
                   inference_foldable, num_displacements, pointwise_conv3d,
                   soft_argmax_displacement, temporal_cost_volume)

__all__ = ['PrimeMotionBlock']


def _conv_module(module: ConvModule, x: Tensor) -> Tensor:
    """``module(x)``; a 1x1x1 conv on CPU as one batched matrix product.

    PyTorch runs a 1x1x1 ``conv3d`` with a small batch on one CPU thread
    through ``slow_conv3d``, whose backward pass took 1.4x the time of the
    same products written as ``matmul`` (256 -> 64 channels at 16 x 56 x 56,
    forward and backward, one thread; docs/benchmark.md). Same values: the
    conv's products are these. Any other conv, device or layer order runs
    the module.

    Shape:
        - x: ``(N, C_in, T, H, W)``; output ``(N, C_out, T, H, W)``
    """
    conv = module.conv
    if x.device.type != 'cpu' or torch.is_autocast_enabled('cpu') or tuple(
            module.order) != ('conv', 'norm', 'act') or \
            not pointwise_conv3d(conv):
        return module(x)
    n, _, t, h, w = x.shape
    out = torch.matmul(
        conv.weight.reshape(conv.out_channels, -1),
        x.reshape(n, conv.in_channels, -1)).view(n, conv.out_channels, t, h,
                                                 w)
    if conv.bias is not None:
        out = out + conv.bias.view(1, -1, 1, 1, 1)
    if module.with_norm:
        out = module.norm(out)
    if module.with_activation:
        out = module.activate(out)
    return out


@MODELS.register_module()
class PrimeMotionBlock(BaseModule):
    """Extracts motion features ``P`` from backbone features ``F``.

    ::

        F (N, C, T, H, W)
          -> 1x1x1 conv C -> C/beta, BN, ReLU  ............ F~ (N, C', T, H, W)
          -> pairs (F~_0, F~_1) ... (F~_T-2, F~_T-1), (F~_T-1, F~_T-1)
          -> cosine cost volume (Eq. 1), BN, ReLU ......... (N, M, T, H, W)
          -> concat [cost volume, F~] ..................... (N, M + C', T, H, W)
          -> 1xkxk conv (2D per frame), BN, ReLU .......... P (N, C_p, T, H, W)

    The last frame is paired with itself so the output keeps ``T`` frames.
    The cost volume has no learnable parameters.

    With ``soft_argmax=True`` (not in the paper) two channels follow the
    fused ones: the soft-argmax of the raw cost volume (before its BN), the
    displacement ``(dx, dy)`` in feature pixels that the costs point at
    (:func:`~mmhcml.models.ops.soft_argmax_displacement`), with a learned
    temperature; ``P`` then has ``C_p + 2`` channels.

    Args:
        in_channels (int): ``C``, channels of the backbone features.
        reduction (int): ``beta``; the 1x1x1 conv keeps ``C / beta``
            channels. Defaults to ``4``.
        out_channels (int, optional): ``C_p``, channels of the motion
            features. Defaults to ``None``, meaning ``C / beta``.
        max_displacement (int): ``d`` of the cost volume. Defaults to ``6``.
        stride (int): ``s`` of the cost volume. Defaults to ``2``.
        cost_volume_impl (str): ``'auto'`` (Triton kernels on CUDA when
            Triton is installed, else ``'fast'``), ``'fast'``, ``'triton'``
            or ``'reference'``; equal outputs. Defaults to ``'auto'``.
        fuse_kernel (int): Spatial kernel ``k`` of the 2D conv (``1 x k x
            k``) that fuses cost volume and reduced features. The paper does
            not give it; ``1`` keeps HCML within the paper's FLOPs budget
            (R2D-50 1.12x, R(2+1)D-101 1.07x vs. 1.18x and 1.11x), ``3``
            exceeds it (1.26x, 1.16x). Defaults to ``1``.
        soft_argmax (bool): Append the cost volume's soft-argmax (two
            channels, see above) to ``P``. Defaults to ``False`` (the
            paper).
        soft_argmax_temperature (float): Initial temperature ``tau`` of the
            soft-argmax's softmax (learned as ``log tau``). Defaults to
            ``0.1``.
        conv_cfg (dict): Config of the conv layers.
            Defaults to ``dict(type='Conv3d')``.
        norm_cfg (dict): Config of the norm layers.
            Defaults to ``dict(type='BN3d')``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU', inplace=True)``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.

    Shape:
        - input: ``(N, C, T, H, W)`` with ``T >= 2``
        - output: ``(N, C_p, T, H, W)``
    """

    def __init__(self,
                 in_channels: int,
                 reduction: int = 4,
                 out_channels: Optional[int] = None,
                 max_displacement: int = 6,
                 stride: int = 2,
                 cost_volume_impl: str = 'auto',
                 fuse_kernel: int = 1,
                 soft_argmax: bool = False,
                 soft_argmax_temperature: float = 0.1,
                 conv_cfg: ConfigType = dict(type='Conv3d'),
                 norm_cfg: ConfigType = dict(type='BN3d'),
                 act_cfg: ConfigType = dict(type='ReLU', inplace=True),
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(
                f'in_channels must be a positive int, got {in_channels!r}')
        if not isinstance(reduction, int) or reduction < 1 or \
                in_channels % reduction:
            raise ValueError('reduction (beta) must be a positive int that '
                             f'divides in_channels={in_channels}, got '
                             f'{reduction!r}')
        if cost_volume_impl not in COST_VOLUME_IMPLS:
            raise ValueError(f'cost_volume_impl must be one of '
                             f'{COST_VOLUME_IMPLS}, got {cost_volume_impl!r}')
        check_displacement(max_displacement, stride)
        if fuse_kernel not in (1, 3, 5, 7):
            raise ValueError(
                f'fuse_kernel must be 1, 3, 5 or 7, got {fuse_kernel!r}')
        if not isinstance(soft_argmax, bool):
            raise ValueError(
                f'soft_argmax must be a bool, got {soft_argmax!r}')
        if isinstance(soft_argmax_temperature, bool) or not isinstance(
                soft_argmax_temperature,
                (int, float)) or not soft_argmax_temperature > 0:
            raise ValueError('soft_argmax_temperature must be a number > 0, '
                             f'got {soft_argmax_temperature!r}')
        reduced = in_channels // reduction
        self.in_channels = in_channels
        self.reduced_channels = reduced
        #: width of the fuse conv's output (``C_p``)
        self.fuse_channels = out_channels or reduced
        self.soft_argmax = soft_argmax
        #: channels of ``P``: ``C_p``, plus 2 with ``soft_argmax``
        self.out_channels = self.fuse_channels + (2 if soft_argmax else 0)
        self.max_displacement = max_displacement
        self.stride = stride
        self.cost_volume_impl = cost_volume_impl
        self.num_costs = num_displacements(max_displacement, stride)

        self.reduce = ConvModule(
            in_channels,
            reduced,
            kernel_size=1,
            bias=False,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.cost_norm = build_norm_layer(norm_cfg, self.num_costs)[1]
        self.cost_act = MODELS.build(act_cfg)
        self.fuse = ConvModule(
            self.num_costs + reduced,
            self.fuse_channels,
            kernel_size=(1, fuse_kernel, fuse_kernel),
            padding=(0, fuse_kernel // 2, fuse_kernel // 2),
            bias=False,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        if soft_argmax:
            self.log_temperature = nn.Parameter(
                torch.tensor(float(soft_argmax_temperature)).log())

    def temporal_cost_volume(self, feats: Tensor) -> Tensor:
        """Cost volume of each frame with its successor, the last with itself.

        Shape:
            - feats: ``(N, C', T, H, W)``
            - output: ``(N, M, T, H, W)``
        """
        if feats.shape[2] < 2:
            raise ValueError(
                'PrimeMotionBlock needs at least 2 frames to compute a cost '
                f'volume, got input of shape {tuple(feats.shape)} '
                f'(T={feats.shape[2]})')
        return temporal_cost_volume(
            feats,
            self.max_displacement,
            self.stride,
            impl=self.cost_volume_impl)

    def forward(self, x: Tensor) -> Tensor:
        """Motion features ``P`` of backbone features ``x`` (see class doc).

        At inference (eval mode, nothing to differentiate, float32, no
        autocast) this runs :meth:`forward_folded`, which equals
        :meth:`forward_modules` to float rounding.
        """
        if x.dim() != 5 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'PrimeMotionBlock expects (N, {self.in_channels}, T, H, W), '
                f'got {tuple(x.shape)}')
        if x.shape[2] < 2:
            raise ValueError(
                'PrimeMotionBlock needs at least 2 frames to compute a cost '
                f'volume, got input of shape {tuple(x.shape)} '
                f'(T={x.shape[2]})')
        if self.can_fold(x):
            return self.forward_folded(x)
        return self.forward_modules(x)

    def forward_modules(self, x: Tensor) -> Tensor:
        """The block as its modules: conv, BN, ReLU, cost volume, BN, ReLU,
        concatenation, conv, BN, ReLU (training and the reference)."""
        reduced = _conv_module(self.reduce, x)
        raw = self.temporal_cost_volume(reduced)
        costs = self.cost_act(self.cost_norm(raw))
        out = _conv_module(
            self.fuse, torch.cat([costs.to(reduced.dtype), reduced], dim=1))
        if not self.soft_argmax:
            return out
        flow = soft_argmax_displacement(raw, self.max_displacement,
                                        self.stride,
                                        self.log_temperature.exp())
        return torch.cat([out, flow.to(out.dtype)], dim=1)

    @staticmethod
    def _plain_conv_bn_relu(module: nn.Module) -> bool:
        return (isinstance(module, ConvModule) and module.with_norm
                and module.with_activation
                and tuple(module.order) == ('conv', 'norm', 'act')
                and type(module.activate) is nn.ReLU
                and not module._forward_hooks
                and not module._forward_pre_hooks
                and inference_foldable(module.conv, module.norm))

    def can_fold(self, x: Tensor) -> bool:
        """Whether :meth:`forward_folded` may run: eval mode, no gradient
        wanted, a float32 CPU or CUDA input outside autocast, and the
        layers conv -> BatchNorm -> ReLU as built by default, no
        ``soft_argmax``. Never while
        TorchScript traces or scripts the block: an exported graph replays
        the module path (the folded one writes into buffers in place)."""
        if torch.jit.is_tracing() or torch.jit.is_scripting():
            return False
        if self.soft_argmax:
            return False
        if self.training or x.dtype != torch.float32 or \
                torch.is_autocast_enabled(x.device.type):
            return False
        if torch.is_grad_enabled() and (x.requires_grad or any(
                p.requires_grad for p in self.parameters())):
            return False
        return (self._plain_conv_bn_relu(self.reduce)
                and self._plain_conv_bn_relu(self.fuse)
                and type(self.cost_act) is nn.ReLU
                and isinstance(self.cost_norm,
                               nn.modules.batchnorm._BatchNorm)
                and not self.cost_norm.training
                and self.cost_norm.running_mean is not None
                and not self.cost_norm._forward_hooks
                and not self.cost_norm._forward_pre_hooks)

    def _cost_affine(self) -> Tuple[Tensor, Tensor]:
        """Scale and shift of ``cost_norm`` with its running statistics."""
        bn = self.cost_norm
        scale = torch.rsqrt(bn.running_var.float() + bn.eps)
        if bn.affine:
            scale = scale * bn.weight.float()
        shift = -bn.running_mean.float() * scale
        if bn.affine:
            shift = shift + bn.bias.float()
        return scale, shift

    @torch.no_grad()
    def forward_folded(self, x: Tensor) -> Tensor:
        """Inference: each conv with its BN folded in, no concatenation.

        ::

            buf = empty (N, M + C', T, H, W)
            buf[:, M:] = ReLU(W_r' x + b_r')            reduce, BN folded
            buf[:, :M] = cost volume of buf[:, M:]      written in place
            buf[:, :M] = ReLU(s * buf[:, :M] + t)       cost BN, in place
            P = ReLU(W_f' buf + b_f')                   fuse, BN folded

        Each step is a :func:`torch.profiler.record_function` range
        (``pmb.reduce``, ``pmb.cost_volume``, ``pmb.cost_bn_relu``,
        ``pmb.fuse``) for ``tools/profiling/profile_step.py --deploy``.
        The reduced features are written where the concatenation would
        copy them and the cost volume (``'native'``: in place, no frame
        pair copies) into the channels before them, so the fuse conv reads
        one buffer; five passes over ``C'``-wide tensors are gone (the BN
        and the concatenation copies). Equal to :meth:`forward_modules` to
        float rounding (``tests/test_models/test_prime_motion_block.py``).
        """
        n, c, t, h, w = x.shape
        m, red = self.num_costs, self.reduced_channels
        length = t * h * w
        buf = x.new_empty((n, m + red, t, h, w))
        flat = buf.view(n, m + red, length)
        with record_function('pmb.reduce'):
            weight, bias = fold_conv_bn(self.reduce.conv, self.reduce.norm)
            torch.baddbmm(
                bias[None, :, None].expand(n, red, length),
                weight.reshape(red, c).expand(n, red, c),
                x.reshape(n, c, length),
                out=flat[:, m:]).relu_()
        with record_function('pmb.cost_volume'):
            temporal_cost_volume(buf[:, m:], self.max_displacement,
                                 self.stride, impl=self.cost_volume_impl,
                                 out=buf[:, :m])
        with record_function('pmb.cost_bn_relu'):
            scale, shift = self._cost_affine()
            flat[:, :m].mul_(scale[None, :, None]).add_(
                shift[None, :, None]).relu_()
        with record_function('pmb.fuse'):
            weight, bias = fold_conv_bn(self.fuse.conv, self.fuse.norm)
            conv = self.fuse.conv
            if pointwise_conv3d(conv):
                out = torch.baddbmm(
                    bias[None, :, None].expand(n, self.fuse_channels, length),
                    weight.reshape(self.fuse_channels, m + red).expand(
                        n, self.fuse_channels, m + red), flat)
                return out.relu_().view(n, self.fuse_channels, t, h, w)
            return F.conv3d(buf, weight, bias, conv.stride, conv.padding,
                            conv.dilation, conv.groups).relu_()
