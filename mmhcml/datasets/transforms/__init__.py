from .camera_motion import RandomCameraMotion
from .checked_rawframe_decode import CheckedRawFrameDecode

__all__ = ['CheckedRawFrameDecode', 'RandomCameraMotion']
