from .camera_motion import RandomCameraMotion

__all__ = ['RandomCameraMotion']
