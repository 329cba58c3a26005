"""Prime Motion Block (paper section 3.2, appendix C.2, Figure 6)."""
from typing import Optional

import torch
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType
from ..ops import (COST_VOLUME_IMPLS, check_displacement, num_displacements,
                   temporal_cost_volume)

__all__ = ['PrimeMotionBlock']


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
        reduced = in_channels // reduction
        self.in_channels = in_channels
        self.reduced_channels = reduced
        self.out_channels = out_channels or reduced
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
            self.out_channels,
            kernel_size=(1, fuse_kernel, fuse_kernel),
            padding=(0, fuse_kernel // 2, fuse_kernel // 2),
            bias=False,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

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
        """Motion features ``P`` of backbone features ``x`` (see class doc)."""
        if x.dim() != 5 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'PrimeMotionBlock expects (N, {self.in_channels}, T, H, W), '
                f'got {tuple(x.shape)}')
        reduced = self.reduce(x)
        costs = self.cost_act(self.cost_norm(self.temporal_cost_volume(reduced)))
        return self.fuse(torch.cat([costs.to(reduced.dtype), reduced], dim=1))
