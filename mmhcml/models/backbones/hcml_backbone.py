"""Backbone wrapper that embeds Prime Motion Blocks (paper sections 3.1, 3.3).

After each configured level ``l`` (level 1, 2, 3 = after res2, res3, res4)
the wrapper computes motion features ``P^l = PMB^l(F^l)`` and fuses them back
as a residual, ``Z^l = F^l + g^l(P^l)`` with ``g^l`` a 1x1x1 conv + BN;
``Z^l`` feeds the next stage. The wrapped backbone is *held*, not copied: any
MMAction2 backbone of the ResNet3d family (``ResNet3d``, ``ResNet2Plus1d``,
``ResNet3dSlowOnly``, ``ResNet2Plus1dTopHeavy``) or ``X3D`` can be wrapped.
"""
import copy
from typing import (Callable, Dict, List, NamedTuple, Optional, Sequence,
                    Tuple, Union)

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm
from torch.profiler import record_function

from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType
from ..ops import conv_bn_residual
from ..utils import checkpoint_segment, wants_checkpoint

__all__ = ['HCMLBackbone', 'LevelOutputs', 'level_features']


def _split_backbone(
    backbone: nn.Module
) -> Tuple[List[nn.Module], List[nn.Module], List[nn.Module]]:
    """Split a backbone into stem modules, residual stages and tail modules.

    ``pool2`` of ResNet3d (applied after res2) is folded into the first stage.
    """
    names = getattr(backbone, 'res_layers', None)
    if not names:
        raise TypeError(
            f'HCMLBackbone cannot split {type(backbone).__name__} into '
            'residual stages (no `res_layers`); supported backbones are '
            'the ResNet3d family and X3D.')
    stages = [getattr(backbone, name) for name in names]
    if hasattr(backbone, 'conv1_s'):  # X3D
        return [backbone.conv1_s, backbone.conv1_t], stages, [backbone.conv5]
    if not hasattr(backbone, 'conv1'):
        raise TypeError(f'HCMLBackbone does not know the stem of '
                        f'{type(backbone).__name__}.')
    stem = [backbone.conv1]
    if getattr(backbone, 'with_pool1', True) and hasattr(backbone, 'maxpool'):
        stem.append(backbone.maxpool)
    if getattr(backbone, 'with_pool2', False) and hasattr(backbone, 'pool2'):
        stages[0] = nn.Sequential(stages[0], backbone.pool2)
    return stem, stages, []


class LevelOutputs(NamedTuple):
    """What a backbone computes, level by level.

    Attributes:
        out (Tensor): The backbone's output (``Z^max_level`` when the run
            stopped early).
        features (dict[int, Tensor]): ``{level: Z^level}`` for every level
            that ran (``F^level`` where the level has no motion block).
        motion (dict[int, Tensor]): ``{level: P^level}`` of the levels with a
            motion block.
    """
    out: Tensor
    features: Dict[int, Tensor]
    motion: Dict[int, Tensor]


def _run_levels(x: Tensor, stem: Sequence[nn.Module],
                stages: Sequence[nn.Module], tail: Sequence[nn.Module],
                fuse: Dict[int, Callable[[Tensor], Tuple[Tensor, Tensor]]],
                max_level: Optional[int] = None) -> LevelOutputs:
    """Stem, then each stage (fused by ``fuse[level]`` where given), then
    the tail unless ``max_level`` stops the run first."""
    for module in stem:
        x = module(x)
    features, motion = {}, {}
    for index, stage in enumerate(stages):
        level = index + 1
        x = stage(x)
        if level in fuse:
            x, motion[level] = fuse[level](x)
        features[level] = x
        if max_level is not None and level >= max_level:
            break
    else:
        for module in tail:
            x = module(x)
    return LevelOutputs(x, features, motion)


def level_features(backbone: nn.Module, x: Tensor,
                   max_level: Optional[int] = None) -> LevelOutputs:
    """Run any supported backbone and keep the features of every level.

    An :class:`HCMLBackbone` runs :meth:`HCMLBackbone.forward_levels`; a
    plain MMAction2 backbone of the ResNet3d family or X3D (a baseline) is
    split into its stages the same way, with no motion blocks.

    Shape:
        - x: ``(N, 3, T, H, W)``; see :class:`LevelOutputs`
    """
    if isinstance(backbone, HCMLBackbone):
        return backbone.forward_levels(x, max_level=max_level)
    stem, stages, tail = _split_backbone(backbone)
    return _run_levels(x, stem, stages, tail, {}, max_level)


def _stage_channels(stage: nn.Module) -> int:
    """Output channels of a residual stage: its last norm layer's width."""
    norms = [m for m in stage.modules() if isinstance(m, _BatchNorm)]
    if not norms:
        raise TypeError('HCMLBackbone infers each stage width from its last '
                        'BatchNorm layer, but the stage has none.')
    return norms[-1].num_features


@MODELS.register_module()
class HCMLBackbone(BaseModule):
    """A video backbone with a Prime Motion Block after each chosen level.

    ::

        x -> stem -> res2 -> F^1 --------------(+)-> Z^1 -> res3 -> F^2 ...
                              |                 ^
                              +-> PMB^1 -> P^1 -+-> g^1 (1x1x1 conv, BN)
                                           |
                                           +-> side branch (flow head)

    Args:
        backbone (dict): Config of the wrapped MMAction2 backbone.
        levels (Sequence[int]): Levels that get a motion block; level ``l``
            sits after the ``l``-th residual stage. Defaults to ``(1, 2, 3)``.
        motion_block (dict): Config of the motion block, without
            ``in_channels`` (taken from the stage). Defaults to
            ``dict(type='PrimeMotionBlock')``.
        fuse_cfg (dict): ``conv_cfg``/``norm_cfg`` of ``g^l``.
            Defaults to ``dict(conv_cfg=dict(type='Conv3d'),
            norm_cfg=dict(type='BN3d'))``.
        zero_init_fuse (bool): Start the BN scale (and shift) of every
            ``g^l`` at zero, so that ``Z^l = F^l`` exactly until ``g^l``
            learns, as ``zero_init_residual`` does for residual branches.
            ``g^l`` gets no gradient in the self-supervised stages (their
            losses read ``P^l``, not ``Z^l``) and is frozen with its level,
            so a zero ``g^l`` *cuts the hierarchy* until joint training:
            res(l+1) and PMB-(l+1) never see ``P^l`` in stage ``l + 1``.
            ``False`` (PyTorch's initialisation, as the paper leaves it)
            keeps the hierarchy connected: section 3.3's ``Z^l = F^l +
            g^l(P^l)`` with a fixed random ``g^l`` in the later stages.
            Defaults to ``False``.
        with_cp (bool): Checkpoint each level's ``PMB^l`` and ``g^l``
            (:func:`~mmhcml.models.utils.checkpoint_segment`): in training
            only ``F^l`` is kept and the block runs again in the backward
            pass, with the same gradients and BN statistics. Saves memory,
            costs one more forward of the blocks. Defaults to ``False``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.

    Shape:
        - input: ``(N, 3, T, H, W)``
        - output: the wrapped backbone's output, e.g. ``(N, 2048, T/4,
          H/32, W/32)`` for R2D-50; with ``return_motion=True`` also a dict
          ``{level: P^l}`` with ``P^l`` of shape ``(N, C_p^l, T^l, H^l, W^l)``.
    """

    def __init__(self,
                 backbone: ConfigType,
                 levels: Sequence[int] = (1, 2, 3),
                 motion_block: ConfigType = dict(type='PrimeMotionBlock'),
                 fuse_cfg: ConfigType = dict(
                     conv_cfg=dict(type='Conv3d'),
                     norm_cfg=dict(type='BN3d')),
                 zero_init_fuse: bool = False,
                 with_cp: bool = False,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(with_cp, bool):
            raise ValueError(f'with_cp must be a bool, got {with_cp!r}')
        if not isinstance(zero_init_fuse, bool):
            raise ValueError(
                f'zero_init_fuse must be a bool, got {zero_init_fuse!r}')
        self.with_cp = with_cp
        self.zero_init_fuse = zero_init_fuse
        self.backbone = MODELS.build(backbone)
        stem, stages, tail = _split_backbone(self.backbone)
        self._stem, self._stages, self._tail = stem, stages, tail
        levels = tuple(levels)
        valid = tuple(range(1, len(stages) + 1))
        if len(set(levels)) != len(levels) or any(lv not in valid
                                                  for lv in levels):
            raise ValueError(f'levels must be distinct values in {valid}, '
                             f'got {levels!r}')
        self.levels = tuple(sorted(levels))
        self.motion_blocks = nn.ModuleDict()
        self.motion_fuses = nn.ModuleDict()
        for level in self.levels:
            width = _stage_channels(stages[level - 1])
            block_cfg = copy.deepcopy(dict(motion_block))
            block_cfg['in_channels'] = width
            block = MODELS.build(block_cfg)
            self.motion_blocks[f'level{level}'] = block
            self.motion_fuses[f'level{level}'] = ConvModule(
                block.out_channels,
                width,
                kernel_size=1,
                bias=False,
                act_cfg=None,
                **fuse_cfg)

    def init_weights(self) -> None:
        """Initialise the wrapped backbone, the motion blocks and ``g^l``;
        with ``zero_init_fuse`` the BN of each ``g^l`` starts at zero."""
        super().init_weights()
        if not self.zero_init_fuse:
            return
        for fuse in self.motion_fuses.values():
            if getattr(fuse, 'with_norm', False):
                nn.init.zeros_(fuse.norm.weight)
                nn.init.zeros_(fuse.norm.bias)

    def _input_strides(self) -> Tuple[int, int]:
        """(temporal, spatial) stride from the input to the deepest level."""
        bb = self.backbone
        spatial = getattr(bb, 'conv1_stride_s', 2)
        temporal = getattr(bb, 'conv1_stride_t', 1)
        if getattr(bb, 'with_pool1', False):
            spatial *= getattr(bb, 'pool1_stride_s', 1)
            temporal *= getattr(bb, 'pool1_stride_t', 1)
        deepest = max(self.levels)
        for stride in tuple(getattr(bb, 'spatial_strides', ()))[:deepest]:
            spatial *= stride
        for stride in tuple(getattr(bb, 'temporal_strides', ()))[:deepest]:
            temporal *= stride
        return temporal, spatial

    def check_input(self, x: Tensor) -> None:
        """Raise ``ValueError`` unless ``x`` is ``(N, C, T, H, W)`` with
        ``T`` and ``H, W`` divisible by the strides up to the deepest level
        (otherwise motion features and frames no longer line up)."""
        if x.dim() != 5:
            raise ValueError('HCMLBackbone expects clips (N, C, T, H, W), got '
                             f'shape {tuple(x.shape)}')
        temporal, spatial = self._input_strides()
        t, h, w = x.shape[2:]
        if t % temporal or t < 2 * temporal:
            raise ValueError(
                f'clip length T={t} must be a multiple of the temporal stride '
                f'{temporal} up to level {max(self.levels)}, and at least '
                f'{2 * temporal} so that every level sees 2 frames')
        if h % spatial or w % spatial:
            raise ValueError(
                f'input size {h}x{w} is not divisible by the spatial stride '
                f'{spatial} up to level {max(self.levels)}; resize or crop '
                f'to a multiple of {spatial}')

    @property
    def num_levels(self) -> int:
        """Number of residual stages, i.e. the largest possible level."""
        return len(self._stages)

    def stage(self, level: int) -> nn.Module:
        """The residual stage whose output is ``F^level`` (level 1 = res2).

        Raises:
            ValueError: If ``level`` is not in ``1 .. num_levels``.
        """
        if not isinstance(level, int) or not 1 <= level <= self.num_levels:
            raise ValueError(f'level must be an int in 1..{self.num_levels},'
                             f' got {level!r}')
        return self._stages[level - 1]

    def motion_channels(self, level: int) -> int:
        """Channels ``C_p`` of the motion features ``P^level``."""
        return self.motion_blocks[f'level{level}'].out_channels

    def modules_up_to(self, level: int) -> List[nn.Module]:
        """The stem, stages and motion blocks of levels ``1 .. level``.

        These are the parts the progressive schedule freezes before training
        level ``level + 1`` (section 3.2, "Progressive Training").
        """
        parts = list(self._stem)
        for lv in range(1, min(level, self.num_levels) + 1):
            parts.append(self._stages[lv - 1])
            if lv in self.levels:
                parts += [
                    self.motion_blocks[f'level{lv}'],
                    self.motion_fuses[f'level{lv}']
                ]
        return parts

    def fuse_motion(self, level: int, feats: Tensor) -> Tuple[Tensor, Tensor]:
        """``Z^l = F^l + g^l(P^l)`` with ``P^l = PMB^l(F^l)`` (section 3.2).

        ``g^l`` (conv + BN) and the sum run as one folded product
        (:func:`~mmhcml.models.ops.conv_bn_residual`). Checkpointed when
        ``with_cp`` is set and autograd records.

        Shape:
            - feats: ``F^l``, ``(N, C, T, H, W)``
            - output: ``(Z^l, P^l)``, ``(N, C, T, H, W)`` and
              ``(N, C_p, T, H, W)``
        """
        block = self.motion_blocks[f'level{level}']
        fuse = self.motion_fuses[f'level{level}']

        # conv -> BN without activation: one folded product (ops docstring)
        folded = fuse.with_norm and not fuse.with_activation and \
            fuse.order.index('conv') < fuse.order.index('norm')

        def run(x: Tensor) -> Tuple[Tensor, Tensor]:
            motion = block(x)
            with record_function('hcml.g_fusion'):  # a profiler range
                if folded:
                    return conv_bn_residual(x, motion, fuse.conv,
                                            fuse.norm), motion
                return x + fuse(motion), motion

        if wants_checkpoint(self, self.with_cp):
            return checkpoint_segment(run, feats, modules=(block, fuse))
        return run(feats)

    def forward_levels(self, x: Tensor,
                       max_level: Optional[int] = None) -> LevelOutputs:
        """Run the backbone and keep ``Z^l`` and ``P^l`` of every level.

        Args:
            x (Tensor): Clips ``(N, 3, T, H, W)``.
            max_level (int, optional): Stop after this level (``out`` is then
                ``Z^max_level``). Defaults to ``None``.

        Returns:
            LevelOutputs: ``out``, ``features`` ``{l: Z^l}`` and ``motion``
            ``{l: P^l}``.
        """
        self.check_input(x)
        fuse = {level: (lambda f, level=level: self.fuse_motion(level, f))
                for level in self.levels}
        return _run_levels(x, self._stem, self._stages, self._tail, fuse,
                           max_level)

    def forward(
        self,
        x: Tensor,
        return_motion: bool = False,
        max_level: Optional[int] = None
    ) -> Union[Tensor, Tuple[Tensor, Dict[int, Tensor]]]:
        """Run the backbone, fusing motion features after each level.

        Args:
            x (Tensor): Clips ``(N, 3, T, H, W)``.
            return_motion (bool): Also return ``{level: P^level}``.
                Defaults to ``False``.
            max_level (int, optional): Stop after this level (the features
                returned are then ``Z^max_level``); used by self-supervised
                stages that need no deeper features. Defaults to ``None``.
        """
        out, _, motion = self.forward_levels(x, max_level=max_level)
        return (out, motion) if return_motion else out
