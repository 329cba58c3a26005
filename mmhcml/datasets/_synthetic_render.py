"""Rendering of one synthetic clip from its :class:`ClipSpec`.

The spec (:mod:`._synthetic_spec`) gives start and end values; this module
interpolates them on the integer sub-frame grid (:func:`clip_trajectory`),
draws the object over the background with the primitives of
:mod:`._synthetic_drawing` and averages the sub-frames into motion streaks
(:func:`render_clip`). The module docstring of :mod:`._synthetic_drawing`
explains why a reversed spec renders to the bit-exact reversed clip.
Public names are re-exported by :mod:`mmhcml.datasets.synthetic_motion`.
"""
from __future__ import annotations

import math

import numpy as np

from ._synthetic_drawing import (STREAK_DEN, STREAK_STEPS, background_canvas,
                                 check_int, composite_float, coverage,
                                 crop_frames, exposure_average, local_coords,
                                 shape_sdf, texture_mask)
from ._synthetic_spec import ClipSpec

__all__ = ['clip_trajectory', 'object_alpha', 'render_clip']


def _lerp(start: float, end: float, n: int, lo: int = 0,
          hi: int | None = None) -> list[float]:
    # Integer weights, symmetric in (start, m) <-> (end, n - m): exact under
    # reversal, also outside [0, n] (sub-frames before the first frame).
    hi = n if hi is None else hi
    return [((n - m) * start + m * end) / n for m in range(lo, hi + 1)]


def clip_trajectory(spec: ClipSpec, num_frames: int = 16,
                    steps: int = 0, den: int = 1) -> dict[str, np.ndarray]:
    """Per-frame (or per-sub-frame) parameters of a clip in frame units.

    Args:
        spec: Clip spec.
        num_frames: Number of frames (>= 2).
        steps: Streak sub-frames on each side of a frame (0: frames only).
        den: Sub-frames per frame interval (>= 1).

    Returns:
        Dict of ``(Q,)`` float64 arrays, ``Q = (num_frames - 1) * den + 2 *
        steps + 1`` (``num_frames`` by default), at times ``(q - steps) /
        den`` frame intervals: ``x`` and ``y`` (object centre on screen, on
        the torus: take them modulo 1), ``scale``, ``angle``, ``cam_x`` and
        ``cam_y``.
    """
    check_int('num_frames', num_frames, 2)
    check_int('steps', steps, 0)
    check_int('den', den, 1)
    total = (int(num_frames) - 1) * den

    def lerp(a, b):
        return _lerp(a, b, total, -steps, total + steps)

    theta = lerp(spec.arc_start, spec.arc_end)
    cam_x = lerp(spec.cam_start[0], spec.cam_end[0])
    cam_y = lerp(spec.cam_start[1], spec.cam_end[1])
    xs = [p + spec.arc_radius * math.cos(t) - c for p, t, c in zip(
        lerp(spec.pos_start[0], spec.pos_end[0]), theta, cam_x)]
    ys = [p + spec.arc_radius * math.sin(t) - c for p, t, c in zip(
        lerp(spec.pos_start[1], spec.pos_end[1]), theta, cam_y)]
    out = dict(x=xs, y=ys, scale=lerp(spec.scale_start, spec.scale_end),
               angle=lerp(spec.angle_start, spec.angle_end), cam_x=cam_x,
               cam_y=cam_y)
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def _object_layers(spec: ClipSpec, traj: dict[str, np.ndarray], size: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Coverage and texture mask of the object (every copy of
    ``spec.object_grid``), each ``(T, size, size)``."""
    grid = spec.object_grid
    check_int('object_grid', grid, 1)
    alpha = secondary = None
    for i in range(grid):
        for j in range(grid):
            u, v = local_coords(traj['x'] + i / grid, traj['y'] + j / grid,
                                traj['scale'], traj['angle'], size,
                                periodic=True)
            a = coverage(shape_sdf(spec.shape, u, v), traj['scale'], size)
            m = texture_mask(spec.texture, u, v, spec.texture_freq,
                             spec.texture_orient, spec.texture_seed)
            if alpha is None:
                alpha, secondary = a, m
                continue
            # copies do not overlap for the benchmark's sizes; where they
            # would, the more covering one is drawn
            top = a > alpha
            alpha = np.where(top, a, alpha)
            secondary = np.where(top, m, secondary)
    return alpha, secondary


def object_alpha(spec: ClipSpec, num_frames: int = 16,
                 size: int = 64) -> np.ndarray:
    """Anti-aliased object coverage of every frame.

    Args:
        spec: Clip spec.
        num_frames: Number of frames (>= 2).
        size: Frame side length in pixels (>= 16).

    Returns:
        ``(num_frames, size, size)`` float64 array in [0, 1].
    """
    check_int('size', size, 16)
    return _object_layers(spec, clip_trajectory(spec, num_frames), size)[0]


def render_clip(spec: ClipSpec, num_frames: int = 16, size: int = 64,
                steps: int = STREAK_STEPS, den: int = STREAK_DEN
                ) -> np.ndarray:
    """Render a clip with motion streaks.

    Args:
        spec: Clip spec.
        num_frames: Number of frames (>= 2).
        size: Frame side length in pixels (>= 16).
        steps: ``J``: each frame averages ``2 J + 1`` sub-frames (0: sharp
            frames, no streak).
        den: ``D``: sub-frames per frame interval; the shutter is open for
            ``2 J / D`` frame intervals.

    Returns:
        ``(num_frames, size, size, 3)`` uint8 RGB frames; exactly
        ``render_clip(reversed_spec(spec))[::-1]``.
    """
    check_int('size', size, 16)
    traj = clip_trajectory(spec, num_frames, steps, den)
    alpha, secondary = _object_layers(spec, traj, size)
    cam_px = max(abs(c) for c in spec.cam_start + spec.cam_end) * size
    # sub-frames before the first / after the last frame extrapolate
    cam_px *= 1.0 + 2.0 * steps / (den * (num_frames - 1))
    margin = int(math.ceil(cam_px)) + 2
    canvas = background_canvas(spec.background, spec.bg_color,
                               spec.bg_color2, spec.bg_angle, spec.bg_seed,
                               size, margin)
    background = crop_frames(canvas, margin + traj['cam_x'] * size,
                             margin + traj['cam_y'] * size, size)
    layers = composite_float(background, alpha, secondary, spec.color,
                             spec.color2)
    frames = exposure_average(layers, num_frames, steps, den)
    return np.clip(np.rint(frames), 0, 255).astype(np.uint8)
