"""Clips of translating textures whose true optical flow is known.

Each clip is a window sliding over a smooth random texture by a constant
whole-pixel shift ``(dx, dy)`` per frame, so frame ``t + 1`` at ``x - (dx,
dy)`` equals frame ``t`` at ``x``: the true flow from frame ``t`` to ``t + 1``
is ``(-dx, -dy)`` at every pixel. They serve the stage-1 learning test and
the end-point error of ``tools/analysis/flow_quality.py``; they are rendered
in memory (no files).
"""
from typing import NamedTuple, Optional

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ['TranslatingTextures', 'render_translating_textures']


class TranslatingTextures(NamedTuple):
    """Rendered clips and their motion.

    Attributes:
        clips (np.ndarray): ``(N, T, H, W, 3)`` uint8 RGB frames.
        flow (np.ndarray): ``(N, 2)`` float32, the true flow ``(u, v)`` in
            pixels from each frame to the next (the same for every pair and
            pixel of a clip).
    """
    clips: np.ndarray
    flow: np.ndarray


def render_translating_textures(num_clips: int,
                                clip_len: int = 8,
                                size: int = 64,
                                max_shift: int = 4,
                                feature_size: int = 8,
                                seed: Optional[int] = 0
                                ) -> TranslatingTextures:
    """Render ``num_clips`` clips of textures translating at known speeds.

    Args:
        num_clips (int): Number of clips.
        clip_len (int): Frames per clip. Defaults to ``8``.
        size (int): Frame height and width. Defaults to ``64``.
        max_shift (int): Each clip's ``dx`` and ``dy`` are drawn uniformly
            from ``-max_shift .. max_shift`` pixels per frame. Defaults to
            ``4``.
        feature_size (int): The texture is random noise on a grid of this
            many pixels, bilinearly upsampled (larger = smoother). Defaults
            to ``8``.
        seed (int, optional): Seed of the generator. Defaults to ``0``.

    Returns:
        TranslatingTextures: the clips and their flow.
    """
    for name, value, low in (('num_clips', num_clips, 1),
                             ('clip_len', clip_len, 2), ('size', size, 8),
                             ('max_shift', max_shift, 0),
                             ('feature_size', feature_size, 1)):
        if not isinstance(value, int) or value < low:
            raise ValueError(f'{name} must be an int >= {low}, got {value!r}')
    rng = np.random.default_rng(seed)
    margin = max_shift * (clip_len - 1)
    canvas = size + 2 * margin
    coarse = -(-canvas // feature_size) + 1
    clips = np.empty((num_clips, clip_len, size, size, 3), np.uint8)
    flow = np.empty((num_clips, 2), np.float32)
    for i in range(num_clips):
        noise = torch.from_numpy(rng.random((1, 3, coarse, coarse)))
        texture = F.interpolate(
            noise, size=(coarse - 1) * feature_size, mode='bilinear',
            align_corners=True)[0, :, :canvas, :canvas]
        texture = (texture * 255).round().byte().permute(1, 2, 0).numpy()
        dx, dy = rng.integers(-max_shift, max_shift + 1, size=2)
        for t in range(clip_len):
            top, left = margin + dy * t, margin + dx * t
            clips[i, t] = texture[top:top + size, left:left + size]
        flow[i] = (-dx, -dy)
    return TranslatingTextures(clips, flow)
