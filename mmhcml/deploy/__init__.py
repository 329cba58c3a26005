"""Deployment: drop the self-supervised side branch (paper section 3.3)."""
from .strip import (SIDE_BRANCH_PREFIX, deploy_config, strip_checkpoint,
                    strip_side_branch)

__all__ = [
    'SIDE_BRANCH_PREFIX', 'deploy_config', 'strip_checkpoint',
    'strip_side_branch'
]
