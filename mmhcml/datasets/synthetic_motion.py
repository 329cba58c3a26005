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
annotation lists; it is deterministic from its seed. Layout:
``out_dir/videos/<split>/<name>.mp4`` for the splits ``train`` (appearance
independent of class), ``val`` (for every design choice), ``test`` (for
reporting only), ``unlabelled`` and, when ``appearance_bias > 0``,
``train_biased`` and ``val_biased`` (the shortcut: class colour with
probability ``appearance_bias``); ``out_dir/<split>.txt`` lists
``<split>/<name>.mp4 <label>`` relative to ``out_dir/videos`` (no label for
``unlabelled.txt``). The low-label regime is ``train_lowlabel.txt``: the
first ``num_lowlabel_per_class`` clips of each class of ``train`` (no extra
videos). Plus ``classes.txt`` and ``meta.json``. Each clip uses its own
generator seeded by ``(seed, split, label, index)``, so a split does not
change when another split's size does.

Layers (no module imports one above it): :mod:`._synthetic_drawing` (the
vocabulary and per-pixel primitives), :mod:`._synthetic_spec` (the classes,
:class:`ClipSpec`, drawing and reversing specs), :mod:`._synthetic_render`
(a spec to frames) and this module (writing videos and lists; it re-exports
the public names of the other three).
"""
from __future__ import annotations

import json
import os
import sys

import cv2
import numpy as np

from ._synthetic_drawing import (AXIS_SHAPE, BACKGROUNDS, SHAPES,
                                 STREAK_DEN, STREAK_STEPS, TEXTURES, check_int,
                                 exposure_average)
from ._synthetic_render import clip_trajectory, object_alpha, render_clip
from ._synthetic_spec import (CLASS_COLORS, CLASS_SETS, MOTION_CLASSES,
                              REVERSAL_PAIRS, TRANSLATION_CLASSES, ClipSpec,
                              _check_classes, _check_unit, partner_label,
                              reversed_spec, sample_clip_spec)

__all__ = [
    'MOTION_CLASSES', 'REVERSAL_PAIRS', 'CLASS_COLORS', 'SHAPES', 'TEXTURES',
    'BACKGROUNDS', 'ClipSpec', 'partner_label', 'sample_clip_spec',
    'reversed_spec', 'clip_trajectory', 'object_alpha', 'render_clip',
    'write_video', 'render_benchmark', 'DECORD_UNSAFE_SIZES',
    'exposure_average', 'STREAK_STEPS', 'STREAK_DEN', 'AXIS_SHAPE',
    'TRANSLATION_CLASSES', 'CLASS_SETS'
]

_SPLIT_IDS = {'train': 0, 'val': 1, 'val_biased': 2, 'unlabelled': 3,
              'test': 4, 'train_biased': 5}
# Widths that decord 0.6.0 mis-decodes (found by scanning every width up to
# 260): decoded RGB rows are padded to a multiple of 32 pixels, and when that
# row pitch is a multiple of the width the frame comes back as (H, W, 4) or
# (H, W, 6) and ``get_batch`` fails. Odd widths are excluded separately.
DECORD_UNSAFE_SIZES: frozenset[int] = frozenset({16, 24, 48, 72})


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


def _clip_rng(seed: int, split: str, *index: int) -> np.random.Generator:
    return np.random.default_rng([seed, _SPLIT_IDS[split], *index])


def _render_one(task: tuple) -> str:
    """Render and write one clip; returns its annotation line."""
    (video_root, split, label, i, bias, seed, classes, camera_motion,
     num_frames, size, fps, axis_bars, streak_steps, object_grid) = task
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
                            num_frames=num_frames, axis_bars=axis_bars,
                            object_grid=object_grid)
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
                     streak_steps: int = STREAK_STEPS,
                     object_grid: int = 1) -> dict:
    """Render the benchmark videos and MMAction2 annotation lists.

    The layout of ``out_dir`` is described in the module docstring.

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
        object_grid: Copies of each object per side of the torus (see
            :class:`ClipSpec`; 1: one object per clip).

    Returns:
        Dict with ``data_prefix`` (the videos directory), ``ann_file_<split>``
        for each split (and ``ann_file_train_lowlabel``), ``classes_file``,
        ``meta_file``, ``num_classes`` and ``counts`` (clips per list).

    Raises:
        ValueError: If an argument is out of range (the message names it).
    """
    _check_render_args(num_train_per_class, num_val_per_class,
                       num_test_per_class, num_unlabelled,
                       num_lowlabel_per_class, num_frames, size, seed, fps,
                       workers, streak_steps, appearance_bias, object_grid)
    classes = _check_classes(classes)
    out_dir = os.fspath(out_dir)
    video_root = os.path.join(out_dir, 'videos')
    jobs = _split_jobs(classes, num_train_per_class, num_val_per_class,
                       num_test_per_class, num_unlabelled, appearance_bias)
    clip_args = (seed, classes, camera_motion, num_frames, size, fps,
                 axis_bars, streak_steps, object_grid)
    lists = _render_splits(video_root, jobs, clip_args, workers, progress)
    if num_lowlabel_per_class:
        lists['train_lowlabel'] = [
            line for k, line in enumerate(lists['train'])
            if k % num_train_per_class < num_lowlabel_per_class]
    result = _write_lists(out_dir, video_root, lists)
    result['meta_file'] = _write_meta(
        os.path.join(out_dir, 'meta.json'), classes, result['counts'],
        num_train_per_class=num_train_per_class,
        num_val_per_class=num_val_per_class,
        num_test_per_class=num_test_per_class, num_unlabelled=num_unlabelled,
        num_lowlabel_per_class=num_lowlabel_per_class, num_frames=num_frames,
        size=size, seed=seed, appearance_bias=appearance_bias,
        camera_motion=camera_motion, fps=fps, streak_steps=streak_steps,
        axis_bars=axis_bars, object_grid=object_grid)
    return result


def _check_render_args(num_train_per_class, num_val_per_class,
                       num_test_per_class, num_unlabelled,
                       num_lowlabel_per_class, num_frames, size, seed, fps,
                       workers, streak_steps, appearance_bias,
                       object_grid) -> None:
    """The argument checks of :func:`render_benchmark`, in its order."""
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
    check_int('object_grid', object_grid, 1)


def _split_jobs(classes, num_train_per_class, num_val_per_class,
                num_test_per_class, num_unlabelled, appearance_bias) -> dict:
    """``(label, index, bias)`` of every clip, per split, in writing order
    (``label`` is ``None`` for unlabelled clips)."""

    def labelled(count: int, bias: float) -> list:
        return [(lab, i, bias) for lab in classes for i in range(count)]

    jobs = {'train': labelled(num_train_per_class, 0.0),
            'val': labelled(num_val_per_class, 0.0),
            'test': labelled(num_test_per_class, 0.0),
            'unlabelled': [(None, i, 0.0) for i in range(num_unlabelled)]}
    if appearance_bias > 0:
        jobs['train_biased'] = labelled(num_train_per_class, appearance_bias)
        jobs['val_biased'] = labelled(num_val_per_class, appearance_bias)
    return jobs


def _render_splits(video_root: str, jobs: dict, clip_args: tuple,
                   workers: int, progress: bool) -> dict:
    """Render and write the clips of ``jobs`` (in ``workers`` processes when
    more than one); the annotation lines of each split, in job order.
    ``clip_args`` are the arguments of :func:`_render_one` after the clip's
    own ``(label, index, bias)``."""
    lists: dict = {}
    pool = None
    if workers > 1:
        import multiprocessing
        pool = multiprocessing.get_context('spawn').Pool(workers)
    try:
        for split, items in jobs.items():
            os.makedirs(os.path.join(video_root, split), exist_ok=True)
            bar = _Progress(split, len(items), progress)
            tasks = [(video_root, split, label, i, bias, *clip_args)
                     for label, i, bias in items]
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
    return lists


def _write_lines(path: str, lines) -> None:
    """Write ``lines``, each ended by a newline, to ``path`` (UTF-8)."""
    with open(path, 'w', encoding='utf-8') as f:
        f.write(''.join(line + '\n' for line in lines))


def _write_lists(out_dir: str, video_root: str, lists: dict) -> dict:
    """Write ``<split>.txt`` for every list and ``classes.txt``; the part of
    :func:`render_benchmark`'s result that names them."""
    result: dict = dict(data_prefix=video_root,
                        num_classes=len(MOTION_CLASSES), counts={})
    for split, lines in lists.items():
        ann_file = os.path.join(out_dir, f'{split}.txt')
        _write_lines(ann_file, lines)
        result[f'ann_file_{split}'] = ann_file
        result['counts'][split] = len(lines)
    result['classes_file'] = os.path.join(out_dir, 'classes.txt')
    _write_lines(result['classes_file'], MOTION_CLASSES)
    return result


def _write_meta(meta_file: str, classes: tuple[int, ...], counts: dict, *,
                streak_steps: int, axis_bars: bool, object_grid: int,
                **settings) -> str:
    """Write ``meta.json``: the ``settings`` (in the order given), the
    streak, the class vocabulary and the clips per list; returns its path."""
    meta = dict(settings,
                streak=dict(steps=streak_steps, den=STREAK_DEN),
                axis_bars=axis_bars,
                object_grid=object_grid,
                classes=list(MOTION_CLASSES),
                rendered_classes=list(classes),
                reversal_pairs=[list(p) for p in REVERSAL_PAIRS],
                class_colors=[list(c) for c in CLASS_COLORS],
                counts=counts)
    with open(meta_file, 'w', encoding='utf-8') as f:
        json.dump(meta, f, indent=2)
    return meta_file
