from .checked_rawframe_dataset import CheckedRawframeDataset
from .checked_video_dataset import CheckedVideoDataset
from .transforms import CheckedRawFrameDecode, RandomCameraMotion
from .synthetic_motion import (MOTION_CLASSES, REVERSAL_PAIRS,
                               render_benchmark)
from .unlabelled_video_dataset import UnlabelledVideoDataset
from .video_checks import AllEntriesSkippedError, UnreadableVideoError

__all__ = [
    'AllEntriesSkippedError', 'CheckedRawFrameDecode',
    'CheckedRawframeDataset', 'CheckedVideoDataset',
    'RandomCameraMotion', 'MOTION_CLASSES', 'REVERSAL_PAIRS', 'render_benchmark', 'UnlabelledVideoDataset', 'UnreadableVideoError'
]
