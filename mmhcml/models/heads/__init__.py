from .contrastive_motion_head import ContrastiveMotionHead
from .flow_reconstruction_head import FlowReconstructionHead

__all__ = ['ContrastiveMotionHead', 'FlowReconstructionHead']
