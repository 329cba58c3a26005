from .hcml_backbone import HCMLBackbone, level_features
from .prime_motion_block import PrimeMotionBlock
from .resnet2plus1d_top_heavy import ResNet2Plus1dTopHeavy

__all__ = [
    'HCMLBackbone', 'PrimeMotionBlock', 'ResNet2Plus1dTopHeavy',
    'level_features'
]
