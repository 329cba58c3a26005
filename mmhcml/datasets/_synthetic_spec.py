"""The clip spec of the synthetic motion benchmark and its vocabulary.

The classes (:data:`MOTION_CLASSES`, in :data:`REVERSAL_PAIRS`), the
:class:`ClipSpec` that describes one clip, and how specs are drawn
(:func:`sample_clip_spec`) and reversed (:func:`reversed_spec`). The module
docstring of :mod:`mmhcml.datasets.synthetic_motion` states the reversal
guarantee; :mod:`._synthetic_render` renders a spec and
:mod:`.synthetic_motion` writes the benchmark (and re-exports the public
names of this module).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ._synthetic_drawing import (AXIS_SHAPE, BACKGROUNDS, SHAPES, TEXTURES,
                                 check_int)

__all__ = [
    'MOTION_CLASSES', 'REVERSAL_PAIRS', 'CLASS_COLORS', 'TRANSLATION_CLASSES',
    'CLASS_SETS', 'ClipSpec', 'partner_label', 'sample_clip_spec',
    'reversed_spec'
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
#: diagonals): the classes of the benchmark study (docs/results_synthetic.md
#: gives the measurements behind this choice).
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
#: Object radii (frame units) and speeds (frame units or radians per frame)
#: of the motions; docs/results_synthetic.md gives the measured
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
        object_grid: The object is drawn ``object_grid ** 2`` times, at the
            offsets ``(i / object_grid, j / object_grid)`` of the torus,
            with one motion and one appearance (1: a single object).
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
    object_grid: int = 1


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
                     axis_bars: bool = False,
                     object_grid: int = 1) -> ClipSpec:
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
        object_grid: Copies of the object per side of the torus (see
            :class:`ClipSpec`); consumes no random draws, so the other
            fields do not depend on it.

    Returns:
        The sampled :class:`ClipSpec`.
    """
    _check_label(label)
    check_int('object_grid', object_grid, 1)
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
                    cam_start=(-half[0], -half[1]), cam_end=half,
                    object_grid=int(object_grid), **motion)
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
