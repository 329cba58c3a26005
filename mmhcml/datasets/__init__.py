from .checked_video_dataset import CheckedVideoDataset
from .transforms import RandomCameraMotion
from .synthetic_motion import (MOTION_CLASSES, REVERSAL_PAIRS,
                               render_benchmark)
from .unlabelled_video_dataset import UnlabelledVideoDataset
from .video_checks import UnreadableVideoError

__all__ = [
    'CheckedVideoDataset', 'RandomCameraMotion', 'MOTION_CLASSES', 'REVERSAL_PAIRS',
    'render_benchmark', 'UnlabelledVideoDataset', 'UnreadableVideoError'
]
