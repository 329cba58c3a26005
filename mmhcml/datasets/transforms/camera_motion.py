"""A crop that pans across the clip: dense, known-consistent motion for stage 1.

Stage 1 learns flow from the photometric loss alone (Eq. 2-3). Real footage
is mostly static, with small, sparse motion: on the three development
videos the level-1 flow stayed at zero, even with Farneback flow as a direct
target, and learned only after clips with dense motion were added. This
transform takes, for each clip, a crop window that moves by a constant
whole-pixel velocity ``(vx, vy)`` per frame (with probability ``prob``; a
still random crop otherwise), so that the clip shows a camera pan over real
texture. It changes only the data: the loss stays Eq. 2-3. Remove it from
the pipeline to train on still crops (a plain ``RandomCrop``).
"""
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

__all__ = ['RandomCameraMotion']


@TRANSFORMS.register_module()
class RandomCameraMotion(BaseTransform):
    """Crop every clip with a window that pans at a random constant speed.

    Frame ``t`` of a clip is cropped at ``(y0 + vy * t, x0 + vx * t)``, so the
    content moves by ``(-vx, -vy)`` pixels per frame (the optical flow from a
    frame to the next). ``vx, vy`` are whole pixels drawn uniformly from
    ``-max_speed .. max_speed``, reduced where the frame is too small for
    the window to travel ``(clip_len - 1) * v``.

    Required keys: ``imgs``, ``img_shape``, ``clip_len``; modified: ``imgs``,
    ``img_shape``; added: ``camera_motion`` (``(vx, vy)`` per clip).

    Args:
        crop_size (int | Sequence[int]): Output ``size`` or ``(h, w)``.
        max_speed (int): Largest speed in pixels per frame along each axis.
            Defaults to ``4``.
        prob (float): Probability that a clip pans (else a still random
            crop). Defaults to ``0.5``.
    """

    def __init__(self,
                 crop_size: Union[int, Sequence[int]],
                 max_speed: int = 4,
                 prob: float = 0.5) -> None:
        size = (crop_size, crop_size) if isinstance(crop_size, int) \
            else tuple(crop_size)
        if len(size) != 2 or any(not isinstance(s, int) or s < 1
                                 for s in size):
            raise ValueError('crop_size must be a positive int or (h, w), '
                             f'got {crop_size!r}')
        if not isinstance(max_speed, int) or max_speed < 0:
            raise ValueError(
                f'max_speed must be an int >= 0, got {max_speed!r}')
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob!r}')
        self.crop_size: Tuple[int, int] = size
        self.max_speed = max_speed
        self.prob = prob

    def _window(self, height: int, width: int,
                steps: int) -> Tuple[int, int, int, int]:
        """``(y0, x0, vy, vx)`` of one clip with ``steps = clip_len - 1``."""
        crop_h, crop_w = self.crop_size
        velocity = [0, 0]
        if self.max_speed and steps and np.random.rand() < self.prob:
            for axis, (full, crop) in enumerate(((height, crop_h),
                                                 (width, crop_w))):
                limit = min(self.max_speed, (full - crop) // steps)
                velocity[axis] = int(np.random.randint(-limit, limit + 1))
        origin = []
        for full, crop, speed in ((height, crop_h, velocity[0]),
                                  (width, crop_w, velocity[1])):
            low = max(0, -speed * steps)
            high = min(full - crop, full - crop - speed * steps)
            origin.append(int(np.random.randint(low, high + 1)))
        return origin[0], origin[1], velocity[0], velocity[1]

    def transform(self, results: dict) -> dict:
        """Crop ``results['imgs']`` clip by clip (see class docstring)."""
        imgs = results['imgs']
        height, width = results['img_shape']
        crop_h, crop_w = self.crop_size
        if crop_h > height or crop_w > width:
            raise ValueError(
                f'RandomCameraMotion: crop_size {self.crop_size} is larger '
                f'than the frames ({height}, {width}); resize them first')
        clip_len = int(results.get('clip_len', len(imgs)))
        if clip_len < 1 or len(imgs) % clip_len:
            raise ValueError(
                f'RandomCameraMotion: {len(imgs)} frames are not a whole '
                f'number of clips of clip_len={clip_len}')
        out, motion = [], []
        for start in range(0, len(imgs), clip_len):
            y0, x0, vy, vx = self._window(height, width, clip_len - 1)
            for t in range(clip_len):
                top, left = y0 + vy * t, x0 + vx * t
                out.append(imgs[start + t][top:top + crop_h,
                                           left:left + crop_w])
            motion.append((vx, vy))
        results['imgs'] = out
        results['img_shape'] = (crop_h, crop_w)
        results['camera_motion'] = np.array(motion, dtype=np.int64)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(crop_size={self.crop_size}, '
                f'max_speed={self.max_speed}, prob={self.prob})')
