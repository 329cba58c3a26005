"""Deployment: drop the self-supervised side branch (paper section 3.3) and
export the inference network to TorchScript / ONNX."""
from .export import ClipScores, build_clip_scores, export_model
from .strip import (SIDE_BRANCH_PREFIX, deploy_config, strip_checkpoint,
                    strip_side_branch)

__all__ = [
    'SIDE_BRANCH_PREFIX', 'deploy_config', 'strip_checkpoint',
    'strip_side_branch', 'ClipScores', 'build_clip_scores', 'export_model'
]
