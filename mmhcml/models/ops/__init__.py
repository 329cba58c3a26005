from .cost_volume import (COST_VOLUME_IMPLS, check_displacement,
                          cost_volume, cost_volume_displacements,
                          num_displacements, temporal_cost_volume)
from .conv_bn_residual import (channel_moments, conv_bn_residual, fold_conv_bn,
                               foldable, inference_foldable, pointwise_conv3d)
from .soft_argmax import soft_argmax_displacement
from .warp import backward_warp, upsample_flow

__all__ = [
    'COST_VOLUME_IMPLS', 'check_displacement', 'cost_volume',
    'cost_volume_displacements', 'num_displacements', 'temporal_cost_volume',
    'backward_warp', 'upsample_flow', 'channel_moments', 'conv_bn_residual',
    'foldable', 'fold_conv_bn', 'inference_foldable', 'pointwise_conv3d',
    'soft_argmax_displacement'
]
