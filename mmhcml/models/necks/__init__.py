from .prime_motion_block import PrimeMotionBlock

__all__ = ['PrimeMotionBlock']
