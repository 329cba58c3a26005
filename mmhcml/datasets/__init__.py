from .synthetic_motion import (MOTION_CLASSES, REVERSAL_PAIRS,
                               render_benchmark)
from .unlabelled_video_dataset import UnlabelledVideoDataset

__all__ = [
    'MOTION_CLASSES', 'REVERSAL_PAIRS', 'render_benchmark',
    'UnlabelledVideoDataset'
]
