"""Vectorised drawing for the synthetic motion benchmark: the vocabulary of
shapes, textures and backgrounds, and the per-pixel primitives that
:mod:`._synthetic_render` composes into clips.

This module knows nothing of clip specs; :mod:`._synthetic_spec` draws specs
from its vocabulary, :mod:`._synthetic_render` turns a spec into frames and
:mod:`.synthetic_motion` writes them (and re-exports the public names).

Everything here is pure numpy (plus ``cv2.resize`` for smooth background
noise). Objects are described by signed distance functions (SDFs) in a local
coordinate frame where the shape fits inside the unit disc; a frame stack is
drawn at once by evaluating the SDF on a ``(T, H, W)`` grid of local
coordinates. Only element-wise IEEE operations (``+ - * /``, ``sqrt``,
``abs``, ``min``/``max``, ``floor``) are applied per pixel, so every pixel
depends only on the per-frame parameters of its own frame. This is what makes
a reversed trajectory render to the bit-exact reversed clip.

Motion streaks: each output frame is the average of ``2 J + 1`` sub-frames
at times ``i + j / D`` (``j = -J .. J``), as with a camera shutter open for
``2 J / D`` frame intervals, so a single frame shows the path of the object
(its axis and its kind of motion) but not the direction along it. Sub-frame
times live on an integer grid ``m = i D + j`` and are interpolated with
integer weights ``((N - m) * start + m * end) / N``, which a reversal maps to
``m -> N - m`` exactly. The average is summed as ``S_0 + (S_-1 + S_+1) +
(S_-2 + S_+2) + ...`` in that fixed order: a reversal only swaps the two
terms of each commutative pair, so the reversed clip stays bit-exact.

The object lives on a torus (the frame wraps around): an object that leaves
on one side comes back on the other, so objects can be large and fast (4-6
px per frame at 80 px) over a whole clip without leaving the picture.
"""
from __future__ import annotations

import math
import cv2
import numpy as np

__all__ = [
    'SHAPES', 'TEXTURES', 'BACKGROUNDS', 'local_coords', 'shape_sdf',
    'coverage', 'texture_mask', 'background_canvas', 'crop_frames',
    'composite', 'composite_float', 'exposure_average', 'check_int',
    'STREAK_STEPS', 'STREAK_DEN', 'AXIS_SHAPE'
]

#: Object shapes. None of them is rotationally symmetric, so an in-place
#: rotation is always visible (and its direction is unambiguous).
SHAPES: tuple[str, ...] = ('notched_square', 'pacman', 'triangle',
                           'latin_cross', 'l_shape', 'semicircle')
#: Shape of a translating object drawn along its motion axis
#: (``sample_clip_spec(axis_bars=True)``): a bar, long along local u. Not in
#: :data:`SHAPES`: it looks the same after half a turn, so it is never drawn
#: for a rotation.
AXIS_SHAPE = 'bar'
#: Object textures, defined in the object's local frame (they move, scale and
#: rotate with the object).
TEXTURES: tuple[str, ...] = ('flat', 'stripes', 'checker', 'noise')
#: Static backgrounds (they only move under camera motion).
BACKGROUNDS: tuple[str, ...] = ('flat', 'gradient', 'noise', 'blobs')

_NOISE_CELLS = 5  # cells per side of the binary object noise texture
#: Default streak: sub-frames at offsets j / STREAK_DEN frame intervals for
#: j = -STREAK_STEPS .. STREAK_STEPS (5 sub-frames over 2 frame intervals).
STREAK_STEPS = 2
STREAK_DEN = 2


def _box(u: np.ndarray, v: np.ndarray, cx: float, cy: float, hx: float,
         hy: float) -> np.ndarray:
    """Signed distance to an axis-aligned box centred at (cx, cy)."""
    qx = np.abs(u - cx) - hx
    qy = np.abs(v - cy) - hy
    ox = np.maximum(qx, 0.0)
    oy = np.maximum(qy, 0.0)
    return np.sqrt(ox * ox + oy * oy) + np.minimum(np.maximum(qx, qy), 0.0)


def _disc(u: np.ndarray, v: np.ndarray, radius: float) -> np.ndarray:
    return np.sqrt(u * u + v * v) - radius


def _half_planes(vertices: tuple[tuple[float, float], ...]
                 ) -> tuple[tuple[float, float, float], ...]:
    """Outward unit normals and offsets ``(nx, ny, c)`` of a convex polygon."""
    mx = sum(p[0] for p in vertices) / len(vertices)
    my = sum(p[1] for p in vertices) / len(vertices)
    planes = []
    for k, (ax, ay) in enumerate(vertices):
        bx, by = vertices[(k + 1) % len(vertices)]
        nx, ny = by - ay, -(bx - ax)
        norm = math.hypot(nx, ny)
        nx, ny = nx / norm, ny / norm
        if nx * (mx - ax) + ny * (my - ay) > 0:  # make the normal point out
            nx, ny = -nx, -ny
        planes.append((nx, ny, nx * ax + ny * ay))
    return tuple(planes)


_TRIANGLE = _half_planes(((0.95, 0.0), (-0.6, 0.68), (-0.6, -0.68)))
_PAC_COS, _PAC_SIN = math.cos(math.pi / 6), math.sin(math.pi / 6)


def _polygon(u: np.ndarray, v: np.ndarray,
             planes: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    dist = None
    for nx, ny, c in planes:
        d = nx * u + ny * v - c
        dist = d if dist is None else np.maximum(dist, d)
    return dist


def shape_sdf(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Signed distance (local units, negative inside) to a shape.

    Args:
        shape: One of :data:`SHAPES` or :data:`AXIS_SHAPE`.
        u: Local x coordinates; the shape fits in the unit disc.
        v: Local y coordinates (y points down, as in images).

    Returns:
        Array of signed distances with the broadcast shape of ``u`` and ``v``.
    """
    if shape == 'notched_square':
        square = _box(u, v, 0.0, 0.0, 0.68, 0.68)
        return np.maximum(square, -_box(u, v, 0.68, 0.68, 0.32, 0.32))
    if shape == 'pacman':
        # Disc with a 60 degree mouth opening towards +u.
        mouth = np.maximum(v * _PAC_COS - u * _PAC_SIN,
                           -v * _PAC_COS - u * _PAC_SIN)
        return np.maximum(_disc(u, v, 0.9), -mouth)
    if shape == 'triangle':
        return _polygon(u, v, _TRIANGLE)
    if shape == 'latin_cross':
        return np.minimum(_box(u, v, 0.0, 0.0, 0.18, 0.95),
                          _box(u, v, 0.0, -0.35, 0.6, 0.18))
    if shape == 'l_shape':
        return np.minimum(_box(u, v, -0.3, 0.0, 0.25, 0.8),
                          _box(u, v, 0.15, 0.55, 0.45, 0.22))
    if shape == 'semicircle':
        return np.maximum(_disc(u, v, 0.92), v)
    if shape == AXIS_SHAPE:
        return _box(u, v, 0.0, 0.0, 0.95, 0.3)
    raise ValueError(f'shape must be one of {SHAPES + (AXIS_SHAPE, )}, got '
                     f'{shape!r}')


def local_coords(cx: np.ndarray, cy: np.ndarray, scale: np.ndarray,
                 angle: np.ndarray, size: int, periodic: bool = False
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Object-local coordinates of every pixel of every frame.

    Args:
        cx: ``(T,)`` object centre x per frame, in frame units (0..1).
        cy: ``(T,)`` object centre y per frame, in frame units.
        scale: ``(T,)`` object radius per frame, in frame units.
        angle: ``(T,)`` object orientation per frame in radians; increasing
            angles turn the object clockwise on screen.
        size: Frame side length in pixels.
        periodic: Wrap the frame around (a torus): offsets from the centre
            are taken modulo 1 into ``[-0.5, 0.5)``.

    Returns:
        ``(u, v)``, each of shape ``(T, size, size)``.
    """
    # Per-frame trigonometry in Python floats: one scalar per frame, so no
    # vectorised transcendental functions touch the reversal guarantee.
    cos = np.array([math.cos(a) for a in angle], dtype=np.float64)
    sin = np.array([math.sin(a) for a in angle], dtype=np.float64)
    grid = (np.arange(size, dtype=np.float64) + 0.5) / size
    dx = grid[None, None, :] - np.asarray(cx, np.float64)[:, None, None]
    dy = grid[None, :, None] - np.asarray(cy, np.float64)[:, None, None]
    if periodic:
        dx = dx - np.floor(dx + 0.5)
        dy = dy - np.floor(dy + 0.5)
    sc = np.asarray(scale, np.float64)[:, None, None]
    cos, sin = cos[:, None, None], sin[:, None, None]
    u = (cos * dx + sin * dy) / sc
    v = (cos * dy - sin * dx) / sc
    return u, v


def coverage(sdf: np.ndarray, scale: np.ndarray, size: int) -> np.ndarray:
    """Anti-aliased coverage in [0, 1] from a local-unit SDF.

    Args:
        sdf: ``(T, H, W)`` signed distances in local units.
        scale: ``(T,)`` object radius per frame in frame units.
        size: Frame side length in pixels.

    Returns:
        ``(T, H, W)`` float coverage (1 inside, 0 outside, linear ramp of one
        pixel across the edge).
    """
    px = np.asarray(scale, np.float64)[:, None, None] * size
    return np.clip(0.5 - sdf * px, 0.0, 1.0)


def texture_mask(texture: str, u: np.ndarray, v: np.ndarray, freq: float,
                 orient: int, seed: int) -> np.ndarray:
    """Binary texture in local coordinates (True = secondary colour).

    Args:
        texture: One of :data:`TEXTURES`.
        u: Local x coordinates.
        v: Local y coordinates.
        freq: Stripe / checker cells per local unit.
        orient: 0 for stripes across u, 1 for stripes across v.
        seed: Seed of the noise texture.

    Returns:
        Boolean array with the broadcast shape of ``u`` and ``v``.
    """
    if texture == 'flat':
        return np.zeros(np.broadcast_shapes(u.shape, v.shape), dtype=bool)
    if texture == 'stripes':
        return np.floor((v if orient else u) * freq) % 2 == 1
    if texture == 'checker':
        return (np.floor(u * freq) + np.floor(v * freq)) % 2 == 1
    if texture == 'noise':
        cells = np.random.default_rng(seed).random(
            (_NOISE_CELLS, _NOISE_CELLS)) < 0.4
        scale = _NOISE_CELLS / 2.0
        iu = np.clip(np.floor((u + 1.0) * scale), 0, _NOISE_CELLS - 1)
        iv = np.clip(np.floor((v + 1.0) * scale), 0, _NOISE_CELLS - 1)
        return cells[iv.astype(np.intp), iu.astype(np.intp)]
    raise ValueError(f'texture must be one of {TEXTURES}, got {texture!r}')


def background_canvas(kind: str, color: tuple[int, int, int],
                      color2: tuple[int, int, int], angle: float, seed: int,
                      size: int, margin: int) -> np.ndarray:
    """Static background canvas, larger than the frame by ``margin`` pixels.

    Args:
        kind: One of :data:`BACKGROUNDS`.
        color: Base RGB colour.
        color2: Second RGB colour (gradient end / noise range).
        angle: Gradient direction in radians.
        seed: Seed for the noise field and the distractor blobs.
        size: Frame side length in pixels.
        margin: Extra pixels on every side (room for camera motion).

    Returns:
        ``(size + 2 * margin, size + 2 * margin, 3)`` float64 RGB canvas.
    """
    side = size + 2 * margin
    c1 = np.asarray(color, np.float64)
    c2 = np.asarray(color2, np.float64)
    # Canvas pixel centres in frame units (the frame covers [0, 1]).
    grid = (np.arange(side, dtype=np.float64) - margin + 0.5) / size
    if kind == 'flat':
        return np.broadcast_to(c1, (side, side, 3)).copy()
    if kind == 'gradient':
        proj = ((grid[None, :] - 0.5) * math.cos(angle) +
                (grid[:, None] - 0.5) * math.sin(angle))
        t = np.clip(0.5 + 0.75 * proj, 0.0, 1.0)[..., None]
        return c1 * (1.0 - t) + c2 * t
    rng = np.random.default_rng(seed)
    if kind == 'noise':
        cells = rng.random((6, 6)).astype(np.float32)
        t = cv2.resize(cells, (side, side), interpolation=cv2.INTER_CUBIC)
        t = np.clip(t.astype(np.float64), 0.0, 1.0)[..., None]
        return c1 * (1.0 - t) + c2 * t
    if kind == 'blobs':
        canvas = np.broadcast_to(c1, (side, side, 3)).copy()
        for _ in range(int(rng.integers(2, 5))):
            bx, by = rng.uniform(-0.05, 1.05, size=2)
            rx = rng.uniform(0.06, 0.13)
            ry = rx * rng.uniform(0.55, 1.0)
            rot = rng.uniform(0.0, math.pi)
            blob_color = rng.uniform(40, 215) + rng.uniform(-30, 30, size=3)
            dx = grid[None, :] - bx
            dy = grid[:, None] - by
            a = (dx * math.cos(rot) + dy * math.sin(rot)) / rx
            b = (dy * math.cos(rot) - dx * math.sin(rot)) / ry
            dist = (np.sqrt(a * a + b * b) - 1.0) * ry * size
            alpha = np.clip(0.5 - dist, 0.0, 1.0)[..., None]
            canvas = canvas * (1.0 - alpha) + np.clip(blob_color, 0,
                                                      255) * alpha
        return canvas
    raise ValueError(f'background must be one of {BACKGROUNDS}, got {kind!r}')


def crop_frames(canvas: np.ndarray, offset_x: np.ndarray,
                offset_y: np.ndarray, size: int) -> np.ndarray:
    """Per-frame bilinear crops of the canvas (a translating camera).

    Args:
        canvas: ``(S, S, 3)`` canvas from :func:`background_canvas`.
        offset_x: ``(T,)`` left edge of each crop in canvas pixels; must lie
            in ``[0, S - size - 1]``.
        offset_y: ``(T,)`` top edge of each crop in canvas pixels.
        size: Frame side length in pixels.

    Returns:
        ``(T, size, size, 3)`` float64 frames.
    """
    frames = np.empty((len(offset_x), size, size, 3), dtype=np.float64)
    for t, (ox, oy) in enumerate(zip(offset_x, offset_y)):
        ix, iy = int(math.floor(ox)), int(math.floor(oy))
        fx, fy = ox - ix, oy - iy
        top = canvas[iy:iy + size, ix:ix + size]
        if fx == 0.0 and fy == 0.0:
            frames[t] = top
            continue
        top_r = canvas[iy:iy + size, ix + 1:ix + 1 + size]
        bot = canvas[iy + 1:iy + 1 + size, ix:ix + size]
        bot_r = canvas[iy + 1:iy + 1 + size, ix + 1:ix + 1 + size]
        frames[t] = ((top * (1.0 - fx) + top_r * fx) * (1.0 - fy) +
                     (bot * (1.0 - fx) + bot_r * fx) * fy)
    return frames


def composite_float(background: np.ndarray, alpha: np.ndarray,
                    secondary: np.ndarray, color: tuple[int, int, int],
                    color2: tuple[int, int, int]) -> np.ndarray:
    """:func:`composite` before rounding: ``(T, H, W, 3)`` float64 RGB."""
    obj = np.where(secondary[..., None], np.asarray(color2, np.float64),
                   np.asarray(color, np.float64))
    a = alpha[..., None]
    return background * (1.0 - a) + obj * a


def exposure_average(layers: np.ndarray, num_frames: int, steps: int,
                     den: int) -> np.ndarray:
    """Average sub-frames placed symmetrically in time around each frame.

    Frame ``i`` is ``(S_0 + (S_-1 + S_1) + ... + (S_-J + S_J)) / (2J + 1)``
    with ``S_j = layers[i * den + steps + j]``, summed in this fixed order so
    that reversing ``layers`` reverses the output bit for bit.

    Args:
        layers: ``(num_frames - 1) * den + 2 * steps + 1`` sub-frames
            ``(Q, H, W, C)``; sub-frame ``q`` is at time ``(q - steps) / den``
            frame intervals.
        num_frames: Output frames.
        steps: ``J``, sub-frames on each side of a frame (0: no streak).
        den: ``D``, sub-frames per frame interval.

    Returns:
        ``(num_frames, H, W, C)`` float64 frames.
    """
    expected = (num_frames - 1) * den + 2 * steps + 1
    if len(layers) != expected:
        raise ValueError(f'expected {expected} sub-frames for {num_frames} '
                         f'frames, steps={steps}, den={den}; got '
                         f'{len(layers)}')
    centres = np.arange(num_frames) * den + steps
    acc = layers[centres]
    for j in range(1, steps + 1):
        acc = acc + (layers[centres - j] + layers[centres + j])
    return acc / float(2 * steps + 1)


def composite(background: np.ndarray, alpha: np.ndarray, secondary: np.ndarray,
              color: tuple[int, int, int],
              color2: tuple[int, int, int]) -> np.ndarray:
    """Alpha-composite a two-colour object over the background.

    Args:
        background: ``(T, H, W, 3)`` float background frames.
        alpha: ``(T, H, W)`` object coverage.
        secondary: ``(T, H, W)`` boolean texture mask (True = ``color2``).
        color: Primary RGB object colour.
        color2: Secondary RGB object colour.

    Returns:
        ``(T, H, W, 3)`` uint8 RGB frames.
    """
    obj = np.where(secondary[..., None], np.asarray(color2, np.float64),
                   np.asarray(color, np.float64))
    a = alpha[..., None]
    out = background * (1.0 - a) + obj * a
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def check_int(name: str, value: int, minimum: int) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is an int >= min."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise ValueError(f'{name} must be an int >= {minimum}, got {value!r}')
