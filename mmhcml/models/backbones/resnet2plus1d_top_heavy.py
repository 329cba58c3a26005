"""R(2+1)D-101 of the paper (appendix C.1, Table 8) on MMAction2's ResNet3d.

Same layout as R2D (1x3x3 convs, conv1 1x7x7, temporal stride 2 at res3 and
res4) plus, in the chosen stages ("top-heavy": res4 and res5), an extra 3x1x1
temporal conv between each bottleneck's first 1x1x1 conv and its 1x3x3 conv::

    1x1x1, C -> [3x1x1, C] -> 1x3x3, C -> 1x1x1, 4C

The temporal conv (+BN, ReLU) is composed into the block's ``conv2`` as
``nn.Sequential(temporal_conv, conv2)``; nothing of ResNet3d is copied.
"""
from typing import Sequence

import torch.nn as nn
from mmcv.cnn import ConvModule

from mmaction.models.backbones.resnet3d import ResNet3d
from mmaction.registry import MODELS

__all__ = ['ResNet2Plus1dTopHeavy']


@MODELS.register_module()
class ResNet2Plus1dTopHeavy(ResNet3d):
    """ResNet3d with extra 3x1x1 temporal convs in the chosen stages.

    Args:
        temporal_conv_stages (Sequence[int]): Per stage, 1 to insert the
            temporal conv into every block. Defaults to ``(0, 0, 1, 1)``.
        **kwargs: Arguments of :class:`mmaction.models.ResNet3d`.
    """

    def __init__(self,
                 temporal_conv_stages: Sequence[int] = (0, 0, 1, 1),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        flags = tuple(temporal_conv_stages)
        if len(flags) != self.num_stages or any(f not in (0, 1)
                                                for f in flags):
            raise ValueError(
                f'temporal_conv_stages needs one 0/1 flag per stage '
                f'({self.num_stages}), got {temporal_conv_stages!r}')
        self.temporal_conv_stages = flags
        for stage_index, flag in enumerate(flags):
            if not flag:
                continue
            for block in getattr(self, self.res_layers[stage_index]):
                if not hasattr(block, 'conv3'):
                    raise TypeError('temporal convs need Bottleneck blocks '
                                    '(depth >= 50), got '
                                    f'{type(block).__name__}')
                width = block.conv2.conv.in_channels
                temporal = ConvModule(
                    width,
                    width,
                    kernel_size=(3, 1, 1),
                    padding=(1, 0, 0),
                    bias=False,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg)
                block.conv2 = nn.Sequential(temporal, block.conv2)
