from .hcml_backbone import HCMLBackbone
from .resnet2plus1d_top_heavy import ResNet2Plus1dTopHeavy

__all__ = ['HCMLBackbone', 'ResNet2Plus1dTopHeavy']
