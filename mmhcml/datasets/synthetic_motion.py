"""Synthetic motion benchmark: classes defined by motion alone.

Every clip shows one textured object over a static background. The class is
determined only by how the object moves relative to the background
(translation in eight directions, approach / recede, in-place rotation,
orbiting along an arc). Appearance - shape, colours, texture, background,
object size, start position, speed and an optional camera drift - is drawn
from the same distribution for every class.

Reversal guarantee: the classes come in :data:`REVERSAL_PAIRS`. A clip is
rendered from per-sub-frame parameters obtained by interpolating between
start and end values with the symmetric formula
``((n - m) * start + m * end) / n`` on an integer time grid ``m``;
:func:`reversed_spec` swaps every start and end value and the label.
Floating-point addition is commutative, all per-pixel work is element-wise
and the motion-streak average sums sub-frames as symmetric pairs
``S(t - k) + S(t + k)`` in a fixed ``k`` order, so::

    render_clip(reversed_spec(s)) == render_clip(s)[::-1]   # bit-exact

and :func:`sample_clip_spec` draws the second class of a pair as the reversal
of a draw of the first. The two classes of a pair therefore contain exactly
the same distribution of frame *sets*: a model that ignores frame order
cannot beat chance within a pair. (Horizontal flips map left to right and
clockwise to anticlockwise, so flip augmentation must not be used.)

A single frame does reveal the pair: every frame averages sub-frames over
two frame intervals (a motion streak), which shows the axis of a
translation, the arc of an orbit, the angular smear of a rotation and the
radial smear of an approach, but not the direction along them. Only the
order of frames tells the two classes of a pair apart.

Optionally a second training split carries an appearance shortcut: with
probability ``appearance_bias`` the object's primary colour is the colour of
its class (:data:`CLASS_COLORS`), otherwise a palette colour drawn uniformly.

:func:`render_benchmark` writes mp4 files plus MMAction2 ``VideoDataset``
annotation lists; it is deterministic from its seed.
"""
from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ._synthetic_drawing import (AXIS_SHAPE, BACKGROUNDS, SHAPES,
                                 STREAK_DEN, STREAK_STEPS, TEXTURES, check_int,
                                 clip_trajectory, exposure_average,
                                 object_alpha, render_clip)

__all__ = [
    'MOTION_CLASSES', 'REVERSAL_PAIRS', 'CLASS_COLORS', 'SHAPES', 'TEXTURES',
    'BACKGROUNDS', 'ClipSpec', 'partner_label', 'sample_clip_spec',
    'reversed_spec', 'clip_trajectory', 'object_alpha', 'render_clip',
    'write_video', 'render_benchmark', 'DECORD_UNSAFE_SIZES',
    'exposure_average', 'STREAK_STEPS', 'STREAK_DEN', 'AXIS_SHAPE',
    'TRANSLATION_CLASSES', 'CLASS_SETS'
]

#: Class names in label order.
MOTION_CLASSES: tuple[str, ...] = (
    'move_left', 'move_right', 'move_up', 'move_down', 'move_up_left',
    'move_down_right', 'move_up_right', 'move_down_left', 'approach',
    'recede', 'rotate_clockwise', 'rotate_anticlockwise', 'orbit_clockwise',
    'orbit_anticlockwise')
#: Label pairs whose clips are exact time reversals of each other.
REVERSAL_PAIRS: tuple[tuple[int, int], ...] = ((0, 1), (2, 3), (4, 5),
                                               (6, 7), (8, 9), (10, 11),
                                               (12, 13))
#: Colour assigned to each class for the appearance-bias shortcut. Unbiased
#: clips draw their primary colour uniformly from this palette as well.
CLASS_COLORS: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200),
    (245, 130, 48), (145, 30, 180), (70, 240, 240), (240, 50, 230),
    (210, 245, 60), (250, 190, 212), (0, 128, 128), (170, 110, 40),
    (170, 255, 195), (0, 0, 128))

_SQ = math.sqrt(0.5)
# Motion of the first class of each pair; the second is its reversal.
_PAIR_MOTIONS: tuple[tuple[str, tuple[float, float]], ...] = (
    ('translate', (-1.0, 0.0)), ('translate', (0.0, -1.0)),
    ('translate', (-_SQ, -_SQ)), ('translate', (_SQ, -_SQ)),
    ('scale', (0.0, 0.0)), ('rotate', (0.0, 0.0)), ('orbit', (0.0, 0.0)))
#: Labels of the four translation pairs (left/right, up/down and the two
#: diagonals): the classes of the benchmark study (README "Synthetic motion
#: benchmark" gives the measurements behind this choice).
TRANSLATION_CLASSES: tuple[int, ...] = tuple(
    label for (kind, _), pair in zip(_PAIR_MOTIONS, REVERSAL_PAIRS)
    if kind == 'translate' for label in pair)
#: Named class sets for ``render_benchmark(classes=...)``, the benchmark
#: study and ``tools/data/render_synthetic.py --classes``.
CLASS_SETS: dict[str, tuple[int, ...]] = {
    'all': tuple(range(len(MOTION_CLASSES))),
    'translation': TRANSLATION_CLASSES}
_PARTNER = {a: b for a, b in REVERSAL_PAIRS}
_PARTNER.update({b: a for a, b in REVERSAL_PAIRS})
_PAIR_OF = {lab: k for k, pair in enumerate(REVERSAL_PAIRS) for lab in pair}

_CAM_MAX = 0.12  # largest camera drift over a clip, in frame units
_SPLIT_IDS = {'train': 0, 'val': 1, 'val_biased': 2, 'unlabelled': 3,
              'test': 4, 'train_biased': 5}
#: Object radii (frame units) and speeds (frame units or radians per frame)
#: of the motions; README "Synthetic motion benchmark" gives the measured
#: level-1 displacements they lead to.
TRANSLATE_RADIUS = (0.13, 0.18)
TRANSLATE_SPEED = (0.055, 0.075)
ROTATE_RADIUS = (0.15, 0.2)
ROTATE_SPEED = (0.3, 0.4)
ORBIT_OBJECT_RADIUS = (0.08, 0.11)
ORBIT_RADIUS = (0.2, 0.28)
ORBIT_SPEED = (0.22, 0.3)
APPROACH_START_RADIUS = (0.05, 0.07)
APPROACH_GROWTH = (0.012, 0.022)  # radius growth per frame
# Widths that decord 0.6.0 mis-decodes (found by scanning every width up to
# 260): decoded RGB rows are padded to a multiple of 32 pixels, and when that
# row pitch is a multiple of the width the frame comes back as (H, W, 4) or
# (H, W, 6) and ``get_batch`` fails. Odd widths are excluded separately.
DECORD_UNSAFE_SIZES: frozenset[int] = frozenset({16, 24, 48, 72})

Color = tuple[int, int, int]
Point = tuple[float, float]


@dataclass(frozen=True)
class ClipSpec:
    """Everything needed to render one clip; coordinates are frame units.

    The object centre at frame ``i`` is ``lerp(pos_start, pos_end) +
    arc_radius * (cos, sin)(lerp(arc_start, arc_end))`` minus the camera
    offset ``lerp(cam_start, cam_end)``; scale (object radius) and angle
    (orientation, clockwise-positive) are interpolated likewise.

    Attributes:
        label: Class index into :data:`MOTION_CLASSES`.
        shape: One of :data:`SHAPES`.
        texture: One of :data:`TEXTURES`.
        texture_freq: Stripe / checker cells per local unit.
        texture_orient: Stripe orientation (0 or 1).
        texture_seed: Seed of the noise texture.
        color: Primary RGB object colour.
        color2: Secondary (texture) RGB object colour.
        background: One of :data:`BACKGROUNDS`.
        bg_color: Base RGB background colour.
        bg_color2: Second RGB background colour.
        bg_angle: Gradient direction in radians.
        bg_seed: Seed of the background noise / distractor blobs.
        pos_start: Object (or orbit) centre at the first frame.
        pos_end: Object (or orbit) centre at the last frame.
        arc_radius: Orbit radius (0 for straight paths).
        arc_start: Orbit angle at the first frame (radians).
        arc_end: Orbit angle at the last frame (radians).
        scale_start: Object radius at the first frame.
        scale_end: Object radius at the last frame.
        angle_start: Object orientation at the first frame (radians).
        angle_end: Object orientation at the last frame (radians).
        cam_start: Camera offset at the first frame.
        cam_end: Camera offset at the last frame.
    """
    label: int
    shape: str
    texture: str
    texture_freq: float
    texture_orient: int
    texture_seed: int
    color: Color
    color2: Color
    background: str
    bg_color: Color
    bg_color2: Color
    bg_angle: float
    bg_seed: int
    pos_start: Point
    pos_end: Point
    arc_radius: float
    arc_start: float
    arc_end: float
    scale_start: float
    scale_end: float
    angle_start: float
    angle_end: float
    cam_start: Point = (0.0, 0.0)
    cam_end: Point = (0.0, 0.0)


def _check_label(label: int) -> None:
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) \
            or not 0 <= label < len(MOTION_CLASSES):
        raise ValueError(f'label must be an int in [0, {len(MOTION_CLASSES)})'
                         f', got {label!r}')


def _check_unit(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 0.0 <= value <= 1.0:
        raise ValueError(f'{name} must be in [0, 1], got {value!r}')


def partner_label(label: int) -> int:
    """Label of the class whose clips are the time reversal of ``label``'s.

    Args:
        label: Class index.

    Returns:
        The other label of the reversal pair containing ``label``.
    """
    _check_label(label)
    return _PARTNER[int(label)]


def _rgb(values: np.ndarray) -> Color:
    r, g, b = (int(round(float(x))) for x in np.clip(values, 0, 255))
    return (r, g, b)


def _sample_motion(kind: str, direction: Point, rng: np.random.Generator,
                   num_frames: int) -> dict:
    """Start/end parameters for the first class of a pair.

    Speeds are per frame in frame units (the world is a torus of side 1), so
    they hold for any clip length: at the benchmark's 80 px, translations
    move 4.4-6 px per frame, the tips of rotating objects 3.8-6.4 px, orbits
    3.5-6.7 px, and the edges of approaching objects 1.0-1.8 px (radius
    growth; the radius reaches 0.23-0.4 after 15 frames).
    """
    n = num_frames - 1
    angle0 = float(rng.uniform(0.0, 2 * math.pi))
    centre = (float(rng.uniform(0.0, 1.0)), float(rng.uniform(0.0, 1.0)))
    motion = dict(arc_radius=0.0, arc_start=0.0, arc_end=0.0,
                  angle_start=angle0, angle_end=angle0, pos_start=centre,
                  pos_end=centre)
    if kind == 'translate':
        radius = float(rng.uniform(*TRANSLATE_RADIUS))
        dist = float(rng.uniform(*TRANSLATE_SPEED)) * n
        half = [0.5 * dist * d for d in direction]
        motion.update(pos_start=(centre[0] - half[0], centre[1] - half[1]),
                      pos_end=(centre[0] + half[0], centre[1] + half[1]),
                      scale_start=radius, scale_end=radius)
        return motion
    if kind == 'scale':  # approach: the object grows
        small = float(rng.uniform(*APPROACH_START_RADIUS))
        big = small + float(rng.uniform(*APPROACH_GROWTH)) * n
        motion.update(scale_start=small, scale_end=big)
        return motion
    if kind == 'rotate':  # increasing angle = clockwise on screen
        radius = float(rng.uniform(*ROTATE_RADIUS))
        sweep = float(rng.uniform(*ROTATE_SPEED)) * n
        motion.update(scale_start=radius, scale_end=radius,
                      angle_end=angle0 + sweep)
        return motion
    # orbit: increasing arc angle = clockwise on screen (y points down)
    radius = float(rng.uniform(*ORBIT_OBJECT_RADIUS))
    arc_r = float(rng.uniform(*ORBIT_RADIUS))
    sweep = float(rng.uniform(*ORBIT_SPEED)) * n
    theta0 = float(rng.uniform(0.0, 2 * math.pi))
    motion.update(scale_start=radius, scale_end=radius, arc_radius=arc_r,
                  arc_start=theta0, arc_end=theta0 + sweep)
    return motion


def sample_clip_spec(label: int, rng: np.random.Generator, *,
                     appearance_bias: float = 0.0,
                     camera_motion: bool = False,
                     num_frames: int = 16,
                     axis_bars: bool = False) -> ClipSpec:
    """Draw a random clip of class ``label``.

    Appearance is drawn with the same random calls for every label, so with
    ``appearance_bias=0`` and equal generator states the spec of the second
    class of a pair is exactly ``reversed_spec`` of the first class's spec.

    Args:
        label: Class index into :data:`MOTION_CLASSES`.
        rng: Source of randomness (consumed).
        appearance_bias: Probability that the primary colour is the class
            colour ``CLASS_COLORS[label]`` instead of a uniform palette draw.
        camera_motion: Whether to add a class-independent linear camera
            drift (the background and the object shift together).
        num_frames: Frames the clip will be rendered with; speeds are per
            frame, so start and end values span ``num_frames - 1`` frames.
        axis_bars: Draw a translating object as :data:`AXIS_SHAPE` (a bar)
            lying along its motion axis, so that one frame shows the axis
            (the pair) but not the direction along it. The other motions
            keep their drawn shape.

    Returns:
        The sampled :class:`ClipSpec`.
    """
    _check_label(label)
    _check_unit('appearance_bias', appearance_bias)
    check_int('num_frames', num_frames, 2)
    label = int(label)
    shape = SHAPES[int(rng.integers(len(SHAPES)))]
    texture = TEXTURES[int(rng.integers(len(TEXTURES)))]
    texture_freq = float(rng.uniform(1.5, 3.0))
    texture_orient = int(rng.integers(2))
    texture_seed = int(rng.integers(2**31))
    use_class_color = bool(rng.random() < appearance_bias)
    palette_idx = int(rng.integers(len(CLASS_COLORS)))
    color = CLASS_COLORS[label if use_class_color else palette_idx]
    c = np.asarray(color, np.float64)
    if rng.random() < 0.5:
        color2 = _rgb(c * 0.45)
    else:
        color2 = _rgb(c + (255.0 - c) * 0.6)
    background = BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))]
    base = rng.uniform(30, 225) + rng.uniform(-25, 25, size=3)
    other = base + rng.uniform(-70, 70, size=3)
    if np.linalg.norm(np.clip(base, 0, 255) - c) < 110:
        # Too close to the object colour: push the background away in
        # brightness (deterministic, no extra random draws).
        shift = -0.6 * base if c.mean() > 127 else 0.6 * (255 - base)
        base, other = base + shift, other + shift
    bg_angle = float(rng.uniform(0.0, 2 * math.pi))
    bg_seed = int(rng.integers(2**31))
    drift_angle = float(rng.uniform(0.0, 2 * math.pi))
    drift = float(rng.uniform(0.04, _CAM_MAX))
    if not camera_motion:  # drawn anyway: appearance must not depend on it
        drift = 0.0
    half = (0.5 * drift * math.cos(drift_angle),
            0.5 * drift * math.sin(drift_angle))
    kind, direction = _PAIR_MOTIONS[_PAIR_OF[label]]
    motion = _sample_motion(kind, direction, rng, int(num_frames))
    if axis_bars and kind == 'translate':
        # the axis of the first class of the pair; its reversal (the second
        # class) moves along the same axis, so both draw the same bar
        axis = math.atan2(direction[1], direction[0])
        shape = AXIS_SHAPE
        motion.update(angle_start=axis, angle_end=axis)
    spec = ClipSpec(label=REVERSAL_PAIRS[_PAIR_OF[label]][0], shape=shape,
                    texture=texture, texture_freq=texture_freq,
                    texture_orient=texture_orient, texture_seed=texture_seed,
                    color=color, color2=color2, background=background,
                    bg_color=_rgb(base), bg_color2=_rgb(other),
                    bg_angle=bg_angle, bg_seed=bg_seed,
                    cam_start=(-half[0], -half[1]), cam_end=half, **motion)
    return spec if spec.label == label else reversed_spec(spec)


def reversed_spec(spec: ClipSpec) -> ClipSpec:
    """Spec of the partner class rendering to the time-reversed clip.

    Args:
        spec: Any clip spec.

    Returns:
        A spec with the partner label, identical appearance and every
        start/end value swapped.
    """
    return replace(spec, label=partner_label(spec.label),
                   pos_start=spec.pos_end, pos_end=spec.pos_start,
                   arc_start=spec.arc_end, arc_end=spec.arc_start,
                   scale_start=spec.scale_end, scale_end=spec.scale_start,
                   angle_start=spec.angle_end, angle_end=spec.angle_start,
                   cam_start=spec.cam_end, cam_end=spec.cam_start)


def write_video(path: str | os.PathLike, frames: np.ndarray,
                fps: int = 8) -> None:
    """Write RGB frames to an mp4 file (codec ``mp4v``).

    Args:
        path: Output file; parent directories are created.
        frames: ``(T, H, W, 3)`` uint8 RGB frames.
        fps: Frames per second.

    Raises:
        ValueError: If ``frames`` is not uint8 ``(T, H, W, 3)`` with even
            ``H`` and ``W``.
        RuntimeError: If the video writer cannot open ``path``.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError('frames must be a uint8 array of shape (T, H, W, 3),'
                         f' got {frames.dtype} {frames.shape}')
    height, width = frames.shape[1:3]
    if height % 2 or width % 2:
        raise ValueError('frames must have an even height and width (mp4v '
                         f'drops the odd row / column), got {height}x{width}')
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        raise RuntimeError(f'cv2.VideoWriter could not open {path!r} '
                           '(codec mp4v)')
    try:
        for frame in frames:
            writer.write(np.ascontiguousarray(frame[..., ::-1]))
    finally:
        writer.release()


class _Progress:
    """Text progress on stderr: redrawn in place per percent on a terminal,
    one line per 25% when stderr is a file or pipe (logs stay readable)."""

    def __init__(self, name: str, total: int, enabled: bool) -> None:
        self.name, self.total, self.enabled = name, total, enabled
        self.last_pct = -1
        self.step = 1 if sys.stderr.isatty() else 25

    def update(self, done: int) -> None:
        pct = 100 * done // max(self.total, 1) // self.step * self.step
        if not self.enabled or (pct == self.last_pct and done < self.total):
            return
        if not sys.stderr.isatty():
            self.last_pct = pct
            sys.stderr.write(f'rendering {self.name}: {done}/{self.total} '
                             f'[{pct}%]\n')
            sys.stderr.flush()
            return
        self.last_pct = pct
        sys.stderr.write(f'\rrendering {self.name}: {done}/{self.total} '
                         f'[{pct}%]' + ('\n' if done >= self.total else ''))
        sys.stderr.flush()


def _check_classes(classes) -> tuple[int, ...]:
    """Sorted labels of whole reversal pairs; ``None`` means all."""
    if classes is None:
        return CLASS_SETS['all']
    out = []
    for label in classes:
        _check_label(label)
        out.append(int(label))
    if not out or len(set(out)) != len(out):
        raise ValueError('classes must be a non-empty list of distinct '
                         f'labels, got {classes!r}')
    for label in out:
        if _PARTNER[label] not in out:
            raise ValueError(
                f'classes must hold whole reversal pairs: {label} '
                f'({MOTION_CLASSES[label]}) is listed without its partner '
                f'{_PARTNER[label]} ({MOTION_CLASSES[_PARTNER[label]]})')
    return tuple(sorted(out))


def _clip_rng(seed: int, split: str, *index: int) -> np.random.Generator:
    return np.random.default_rng([seed, _SPLIT_IDS[split], *index])


def _render_one(task: tuple) -> str:
    """Render and write one clip; returns its annotation line."""
    (video_root, split, label, i, bias, seed, classes, camera_motion,
     num_frames, size, fps, axis_bars, streak_steps) = task
    if label is None:
        rng = _clip_rng(seed, split, i)
        spec_label = classes[int(rng.integers(len(classes)))]
        rel = f'{split}/clip_{i:05d}.mp4'
        line = rel
    else:
        rng = _clip_rng(seed, split, label, i)
        spec_label = label
        rel = f'{split}/{MOTION_CLASSES[label]}_{i:04d}.mp4'
        line = f'{rel} {label}'
    spec = sample_clip_spec(spec_label, rng, appearance_bias=bias,
                            camera_motion=camera_motion,
                            num_frames=num_frames, axis_bars=axis_bars)
    write_video(os.path.join(video_root, rel),
                render_clip(spec, num_frames, size, steps=streak_steps),
                fps=fps)
    return line


def render_benchmark(out_dir: str | os.PathLike, *,
                     num_train_per_class: int = 32,
                     num_val_per_class: int = 8,
                     num_test_per_class: int = 0,
                     num_unlabelled: int = 64,
                     num_lowlabel_per_class: int = 0,
                     num_frames: int = 16, size: int = 64, seed: int = 0,
                     appearance_bias: float = 0.0,
                     camera_motion: bool = False, progress: bool = True,
                     fps: int = 8, workers: int = 1,
                     classes: tuple[int, ...] | None = None,
                     axis_bars: bool = False,
                     streak_steps: int = STREAK_STEPS) -> dict:
    """Render the benchmark videos and MMAction2 annotation lists.

    Layout: ``out_dir/videos/<split>/<name>.mp4`` for the splits ``train``
    (appearance independent of class), ``val`` (for every design choice),
    ``test`` (for reporting only), ``unlabelled`` and, when
    ``appearance_bias > 0``, ``train_biased`` and ``val_biased`` (the
    shortcut: class colour with probability ``appearance_bias``);
    ``out_dir/<split>.txt`` lists ``<split>/<name>.mp4 <label>`` relative to
    ``out_dir/videos`` (no label for ``unlabelled.txt``). The low-label
    regime is ``train_lowlabel.txt``: the first ``num_lowlabel_per_class``
    clips of each class of ``train`` (no extra videos). Plus ``classes.txt``
    and ``meta.json``. Each clip uses its own generator seeded by ``(seed,
    split, label, index)``, so a split does not change when another split's
    size does.

    Args:
        out_dir: Output directory (created if needed).
        num_train_per_class: Training clips per class (>= 1), in ``train``
            and in ``train_biased``.
        num_val_per_class: Clips per class in ``val`` and ``val_biased``.
        num_test_per_class: Clips per class in ``test``.
        num_unlabelled: Clips in ``unlabelled`` (uniformly random classes).
        num_lowlabel_per_class: Clips per class in ``train_lowlabel.txt``
            (``0 .. num_train_per_class``; 0 writes no list).
        num_frames: Frames per clip (>= 2).
        size: Frame side length in pixels: even, >= 16 and not in
            :data:`DECORD_UNSAFE_SIZES` (e.g. 32, 40, 56, 64, 80, 112).
        seed: Non-negative base seed.
        appearance_bias: Probability that a ``train_biased`` / ``val_biased``
            object has its class colour (instead of a uniform palette
            colour); 0 renders no biased split.
        camera_motion: Add class-independent camera drift to every clip.
        progress: Show a progress bar on stderr.
        fps: Frame rate stored in the mp4 files.
        workers: Rendering processes (>= 1); the output does not depend on
            it.
        classes: Labels to render (whole reversal pairs, e.g.
            :data:`TRANSLATION_CLASSES`); ``None`` renders all
            :data:`MOTION_CLASSES`. Labels keep their index in
            :data:`MOTION_CLASSES`; unlabelled clips draw from these only.
        axis_bars: Draw translating objects as bars along their axis (see
            :func:`sample_clip_spec`).
        streak_steps: ``J`` of :func:`render_clip`: each frame averages
            ``2 J + 1`` sub-frames (0: sharp frames).

    Returns:
        Dict with ``data_prefix`` (the videos directory), ``ann_file_<split>``
        for each split (and ``ann_file_train_lowlabel``), ``classes_file``,
        ``meta_file``, ``num_classes`` and ``counts`` (clips per list).

    Raises:
        ValueError: If an argument is out of range (the message names it).
    """
    check_int('num_train_per_class', num_train_per_class, 1)
    check_int('num_val_per_class', num_val_per_class, 0)
    check_int('num_test_per_class', num_test_per_class, 0)
    check_int('num_unlabelled', num_unlabelled, 0)
    check_int('num_lowlabel_per_class', num_lowlabel_per_class, 0)
    if num_lowlabel_per_class > num_train_per_class:
        raise ValueError('num_lowlabel_per_class must be <= '
                         f'num_train_per_class={num_train_per_class}, got '
                         f'{num_lowlabel_per_class!r}')
    check_int('num_frames', num_frames, 2)
    check_int('size', size, 16)
    if size % 2:
        raise ValueError(f'size must be even for mp4v videos, got {size!r}')
    if size in DECORD_UNSAFE_SIZES:
        raise ValueError(f'size={size!r} is not decodable by decord 0.6.0 '
                         '(frames come back with a wrong channel count); '
                         f'avoid {sorted(DECORD_UNSAFE_SIZES)}')
    check_int('seed', seed, 0)
    check_int('fps', fps, 1)
    check_int('workers', workers, 1)
    check_int('streak_steps', streak_steps, 0)
    _check_unit('appearance_bias', appearance_bias)
    classes = _check_classes(classes)
    out_dir = os.fspath(out_dir)
    video_root = os.path.join(out_dir, 'videos')

    def labelled(count: int, bias: float) -> list:
        return [(lab, i, bias) for lab in classes for i in range(count)]

    jobs = {'train': labelled(num_train_per_class, 0.0),
            'val': labelled(num_val_per_class, 0.0),
            'test': labelled(num_test_per_class, 0.0),
            'unlabelled': [(None, i, 0.0) for i in range(num_unlabelled)]}
    if appearance_bias > 0:
        jobs['train_biased'] = labelled(num_train_per_class, appearance_bias)
        jobs['val_biased'] = labelled(num_val_per_class, appearance_bias)
    result: dict = dict(data_prefix=video_root,
                        num_classes=len(MOTION_CLASSES), counts={})
    lists: dict = {}
    pool = None
    if workers > 1:
        import multiprocessing
        pool = multiprocessing.get_context('spawn').Pool(workers)
    try:
        for split, items in jobs.items():
            os.makedirs(os.path.join(video_root, split), exist_ok=True)
            bar = _Progress(split, len(items), progress)
            tasks = [(video_root, split, label, i, bias, seed, classes,
                      camera_motion, num_frames, size, fps, axis_bars,
                      streak_steps) for label, i, bias in items]
            outputs = (pool.imap(_render_one, tasks, chunksize=8) if pool
                       else map(_render_one, tasks))
            lines = []
            for done, line in enumerate(outputs, 1):
                lines.append(line)
                bar.update(done)
            lists[split] = lines
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    if num_lowlabel_per_class:
        lists['train_lowlabel'] = [
            line for k, line in enumerate(lists['train'])
            if k % num_train_per_class < num_lowlabel_per_class]
    for split, lines in lists.items():
        ann_file = os.path.join(out_dir, f'{split}.txt')
        with open(ann_file, 'w', encoding='utf-8') as f:
            f.write(''.join(line + '\n' for line in lines))
        result[f'ann_file_{split}'] = ann_file
        result['counts'][split] = len(lines)
    classes_file = os.path.join(out_dir, 'classes.txt')
    with open(classes_file, 'w', encoding='utf-8') as f:
        f.write(''.join(name + '\n' for name in MOTION_CLASSES))
    meta = dict(num_train_per_class=num_train_per_class,
                num_val_per_class=num_val_per_class,
                num_test_per_class=num_test_per_class,
                num_unlabelled=num_unlabelled,
                num_lowlabel_per_class=num_lowlabel_per_class,
                num_frames=num_frames, size=size, seed=seed,
                appearance_bias=appearance_bias,
                camera_motion=camera_motion, fps=fps,
                streak=dict(steps=streak_steps, den=STREAK_DEN),
                axis_bars=axis_bars,
                classes=list(MOTION_CLASSES),
                rendered_classes=list(classes),
                reversal_pairs=[list(p) for p in REVERSAL_PAIRS],
                class_colors=[list(c) for c in CLASS_COLORS],
                counts=result['counts'])
    meta_file = os.path.join(out_dir, 'meta.json')
    with open(meta_file, 'w', encoding='utf-8') as f:
        json.dump(meta, f, indent=2)
    result.update(classes_file=classes_file, meta_file=meta_file)
    return result
