from .base_motion_head import BaseMotionHead
from .contrastive_motion_head import ContrastiveMotionHead
from .flow_reconstruction_head import FlowReconstructionHead

__all__ = ['BaseMotionHead', 'ContrastiveMotionHead', 'FlowReconstructionHead']
