"""Tests of the synthetic motion benchmark renderer."""
import dataclasses
import importlib.util
import json
import math
import os
import subprocess
import sys

import decord
import numpy as np
import pytest

import mmhcml.datasets.synthetic_motion as sm

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TINY = dict(num_train_per_class=1, num_val_per_class=1, num_unlabelled=2,
            num_frames=6, size=32, progress=False)
K = len(sm.MOTION_CLASSES)


def _spec(label, seed, **kwargs):
    return sm.sample_clip_spec(label, np.random.default_rng(seed), **kwargs)


def _decode(path):
    reader = decord.VideoReader(str(path))
    return reader.get_batch(list(range(len(reader)))).asnumpy()


def _read_list(path):
    with open(path, encoding='utf-8') as f:
        return [line.split() for line in f.read().splitlines()]


def test_classes_and_reversal_pairs():
    assert K >= 10 and len(set(sm.MOTION_CLASSES)) == K
    for name in ('move_left', 'move_right', 'move_up', 'move_down',
                 'approach', 'recede', 'rotate_clockwise',
                 'rotate_anticlockwise'):
        assert name in sm.MOTION_CLASSES
    members = [lab for pair in sm.REVERSAL_PAIRS for lab in pair]
    assert sorted(members) == list(range(K))  # each class in exactly one
    for a, b in sm.REVERSAL_PAIRS:
        assert a != b
        assert sm.partner_label(a) == b and sm.partner_label(b) == a
    assert len(sm.CLASS_COLORS) == K and len(set(sm.CLASS_COLORS)) == K


@pytest.mark.parametrize('camera_motion', [False, True])
def test_exact_reversal_of_rendered_arrays(camera_motion):
    for a, b in sm.REVERSAL_PAIRS:
        for seed in range(3):
            for label in (a, b):
                spec = _spec(label, seed, camera_motion=camera_motion)
                rev = sm.reversed_spec(spec)
                assert rev.label == sm.partner_label(label)
                clip = sm.render_clip(spec, num_frames=8, size=32)
                assert clip.shape == (8, 32, 32, 3) and clip.dtype == np.uint8
                assert np.array_equal(sm.render_clip(rev, 8, 32), clip[::-1])
                # The clip really moves, so reversal is not a no-op.
                assert not np.array_equal(clip, clip[::-1])
                assert sm.reversed_spec(rev) == spec
                traj = sm.clip_trajectory(spec, num_frames=8)
                traj_rev = sm.clip_trajectory(rev, num_frames=8)
                for key, values in traj.items():
                    assert np.array_equal(traj_rev[key], values[::-1]), key


def test_second_class_of_pair_is_sampled_as_reversal_of_first():
    for a, b in sm.REVERSAL_PAIRS:
        for seed in range(5):
            assert _spec(b, seed) == sm.reversed_spec(_spec(a, seed))


def test_reversal_survives_video_files(tmp_path):
    for k, (a, _) in enumerate(sm.REVERSAL_PAIRS):
        spec = _spec(a, 10 + k, camera_motion=bool(k % 2))
        clip = sm.render_clip(spec, num_frames=8, size=40)
        sm.write_video(tmp_path / f'{k}a.mp4', clip)
        sm.write_video(tmp_path / f'{k}b.mp4',
                       sm.render_clip(sm.reversed_spec(spec), 8, 40))
        fa = _decode(tmp_path / f'{k}a.mp4').astype(np.float64)
        fb = _decode(tmp_path / f'{k}b.mp4').astype(np.float64)
        assert fa.shape == fb.shape == (8, 40, 40, 3)
        assert np.abs(fb - fa[::-1]).mean() < 3.0  # codec noise only
        # Compare where the motion is (pixels that change under reversal).
        moving = np.abs(clip.astype(int) - clip[::-1]).max(-1) > 40
        assert moving.sum() > 20
        err_rev = np.abs(fb - fa[::-1]).max(-1)[moving].mean()
        err_fwd = np.abs(fb - fa).max(-1)[moving].mean()
        assert err_rev < 25.0
        assert err_fwd > 30.0 and err_fwd > 3 * err_rev


def _clip_stats(label, seeds):
    rows = []
    for seed in seeds:
        spec = _spec(label, [7, label, seed])
        clip = sm.render_clip(spec, num_frames=4, size=32).astype(np.float64)
        area = sm.object_alpha(spec, num_frames=4, size=32).mean()
        rows.append([*clip.mean(axis=(0, 1, 2)), clip.mean(), area])
    return np.asarray(rows).mean(axis=0)


def test_paired_classes_have_matching_appearance_statistics():
    # Independent draws per class: colour, brightness and object size agree
    # within sampling noise (std of a difference of means is ~8 grey levels).
    for a, b in sm.REVERSAL_PAIRS:
        sa, sb = _clip_stats(a, range(100)), _clip_stats(b, range(100))
        np.testing.assert_allclose(sa[:4], sb[:4], atol=35)
        np.testing.assert_allclose(sa[4], sb[4], rtol=0.2)


def test_frame_statistics_identical_under_reversal():
    for a, b in sm.REVERSAL_PAIRS:
        spec = _spec(a, 3, camera_motion=True)
        clip = sm.render_clip(spec, 8, 32).astype(np.float64)
        rev = sm.render_clip(sm.reversed_spec(spec), 8, 32).astype(np.float64)
        assert clip.mean() == rev.mean()
        assert np.array_equal(clip.mean(axis=(1, 2)), rev.mean(axis=(1, 2))[::-1])
        # Same multiset of frames: an order-agnostic model sees no difference.
        assert sorted(f.tobytes() for f in clip) == sorted(
            f.tobytes() for f in rev)


def test_appearance_draw_is_independent_of_class():
    appearance = ('shape', 'texture', 'texture_freq', 'texture_orient',
                  'texture_seed', 'color', 'color2', 'background', 'bg_color',
                  'bg_color2', 'bg_angle', 'bg_seed')
    for seed in range(10):
        specs = [_spec(label, seed, camera_motion=True) for label in range(K)]
        for field in appearance:
            assert len({getattr(s, field) for s in specs}) == 1, field
    draws = [_spec(label, [1, label, i]) for label in range(K)
             for i in range(40)]
    assert {s.shape for s in draws} == set(sm.SHAPES)
    assert {s.texture for s in draws} == set(sm.TEXTURES)
    assert {s.background for s in draws} == set(sm.BACKGROUNDS)
    assert {s.color for s in draws} == set(sm.CLASS_COLORS)


def test_appearance_bias():
    for label in range(K):
        for seed in range(5):
            spec = _spec(label, seed, appearance_bias=1.0)
            assert spec.color == sm.CLASS_COLORS[label]
            clip = sm.render_clip(dataclasses.replace(spec, texture='flat'),
                                  16, 64, steps=0)
            assert (clip == np.asarray(spec.color, np.uint8)).all(-1).any()

    def hit_rate(bias):
        hits = [_spec(lab, [2, lab, i], appearance_bias=bias).color ==
                sm.CLASS_COLORS[lab] for lab in range(K) for i in range(50)]
        return float(np.mean(hits))

    assert hit_rate(0.0) < 0.15  # chance is 1 / K
    assert 0.4 < hit_rate(0.5) < 0.65


def _centroids(alpha):
    size = alpha.shape[-1]
    grid = (np.arange(size) + 0.5) / size
    mass = alpha.sum(axis=(1, 2))
    return np.stack([(alpha * grid[None, None, :]).sum(axis=(1, 2)) / mass,
                     (alpha * grid[None, :, None]).sum(axis=(1, 2)) / mass], 1)


def _turning(points, centre):
    rel = points - np.asarray(centre)
    return np.sum(rel[:-1, 0] * rel[1:, 1] - rel[:-1, 1] * rel[1:, 0])


DIRECTIONS = dict(move_left=(-1, 0), move_right=(1, 0), move_up=(0, -1),
                  move_down=(0, 1), move_up_left=(-1, -1),
                  move_down_right=(1, 1), move_up_right=(1, -1),
                  move_down_left=(-1, 1))


def _centred(spec):
    """The same motion with its path centred in the frame (no wrap-around)."""
    mid = [0.5 * (a + b) for a, b in zip(spec.pos_start, spec.pos_end)]
    shift = [0.5 - m for m in mid]
    return dataclasses.replace(
        spec, pos_start=tuple(p + d for p, d in zip(spec.pos_start, shift)),
        pos_end=tuple(p + d for p, d in zip(spec.pos_end, shift)))


@pytest.mark.parametrize('name', sm.MOTION_CLASSES)
def test_motion_semantics(name):
    label = sm.MOTION_CLASSES.index(name)
    for seed in range(4):
        spec = _centred(_spec(label, seed, num_frames=8))
        if name.startswith('rotate'):  # semicircle: clearly off-centre mass
            spec = dataclasses.replace(spec, shape='semicircle')
        alpha = sm.object_alpha(spec, num_frames=8, size=64)
        cent = _centroids(alpha)
        area = alpha.sum(axis=(1, 2))
        if name in DIRECTIONS:
            disp = cent[-1] - cent[0]
            want = np.asarray(DIRECTIONS[name], np.float64)
            cos = disp @ want / np.linalg.norm(disp) / np.linalg.norm(want)
            assert cos > 0.95 and np.linalg.norm(disp) > 0.15
        elif name in ('approach', 'recede'):
            grow = area[-1] / area[0]
            assert grow > 2.0 if name == 'approach' else grow < 0.5
        else:  # rotation / orbit: y points down, so clockwise turns positive
            turn = _turning(cent, spec.pos_start)
            assert turn > 0 if name.endswith('_clockwise') else turn < 0
            if name.startswith('rotate'):
                assert np.abs(cent - spec.pos_start).max() < 0.1
            else:
                assert np.ptp(cent, axis=0).max() > 0.2


@pytest.mark.parametrize('shape', sm.SHAPES)
def test_shapes_have_no_rotational_symmetry(shape):
    spec = dataclasses.replace(_spec(10, 0), shape=shape, pos_start=(0.5, 0.5),
                               pos_end=(0.5, 0.5), scale_start=0.35,
                               scale_end=0.35, angle_start=0.0,
                               angle_end=2 * math.pi)
    alpha = sm.object_alpha(spec, num_frames=13, size=64) > 0.5
    for k in range(1, 12):  # rotations by k * 30 degrees
        iou = (alpha[0] & alpha[k]).sum() / (alpha[0] | alpha[k]).sum()
        assert iou < 0.95, (shape, k, iou)
    assert np.array_equal(alpha[0], alpha[12]) or (
        alpha[0] ^ alpha[12]).mean() < 0.002


def test_the_frame_wraps_around():
    # A translating object that leaves on one side comes back on the other:
    # its coverage is the same in every frame, and it is split across the
    # border when its centre sits on the border.
    spec = dataclasses.replace(_spec(1, 0), shape='notched_square',
                               pos_start=(0.3, 0.5), pos_end=(1.3, 0.5),
                               scale_start=0.15, scale_end=0.15)
    alpha = sm.object_alpha(spec, num_frames=11, size=64)
    area = alpha.sum(axis=(1, 2))
    np.testing.assert_allclose(area, area[0], rtol=0.02)
    at_border = alpha[7]  # centre at x = 0.3 + 7 * 0.1 = 1.0
    assert at_border[:, :5].sum() > 0.3 * area[0]
    assert at_border[:, -5:].sum() > 0.3 * area[0]


#: pixels per frame at the benchmark's 80 px frames; level 1 of the tiny R2D
#: is at stride 4 (conv1 stride 2, max-pool stride 2)
BENCH_SIZE, LEVEL1_STRIDE = 80, 4


@pytest.mark.parametrize('name', [n for n in sm.MOTION_CLASSES
                                  if n.startswith(('move', 'orbit'))])
def test_level1_sees_at_least_one_pixel_per_frame(name):
    # measured on the rendered coverage: centroid displacement per frame
    label = sm.MOTION_CLASSES.index(name)
    steps = []
    for seed in range(6):
        spec = _centred(_spec(label, [5, seed], num_frames=6))
        cent = _centroids(sm.object_alpha(spec, num_frames=6,
                                          size=BENCH_SIZE))
        steps += list(np.linalg.norm(np.diff(cent, axis=0), axis=1) *
                      BENCH_SIZE / LEVEL1_STRIDE)
    assert min(steps) >= 0.85 and np.median(steps) >= 1.0, (name, steps)


def test_rotating_tips_move_about_one_level1_pixel_per_frame():
    # a pixel-wise measure: the object's far points (the coverage farthest
    # from the centre) move by radius * angle step
    for seed in range(6):
        spec = _spec(10, [6, seed], num_frames=6)
        traj = sm.clip_trajectory(spec, num_frames=6)
        alpha = sm.object_alpha(_centred(spec), num_frames=6,
                                size=BENCH_SIZE)
        grid = (np.arange(BENCH_SIZE) + 0.5) / BENCH_SIZE
        dist = np.hypot(grid[None, :] - 0.5, grid[:, None] - 0.5)
        reach = (dist[None] * (alpha[:1] > 0.5)).max()
        tip = reach * np.diff(traj['angle'])[0] * BENCH_SIZE
        assert tip / LEVEL1_STRIDE >= 0.75, (seed, tip)


def _grey_gradients(frame):
    # gradient energy: a blur along x spreads each edge over the streak and
    # lowers the sum of squared x-differences (not the sum of their sizes)
    grey = frame.astype(np.float64).mean(-1)
    return ((np.diff(grey, axis=1) ** 2).sum(),
            (np.diff(grey, axis=0) ** 2).sum())


@pytest.mark.parametrize('steps', [0, sm.STREAK_STEPS])
def test_a_single_frame_reveals_the_axis_through_streaks(steps):
    # Averaging sub-frames along a horizontal path blurs the object along x:
    # the x-gradient energy of one frame drops against the y-gradient energy
    # (and the other way round for a vertical path); measured: geometric
    # means 0.44 and 2.7 over 6 clips. Without streaks (steps=0) the ratio
    # carries no axis (1.06 and 1.06).
    ratios = {}
    for name in ('move_left', 'move_up'):
        label = sm.MOTION_CLASSES.index(name)
        values = []
        for seed in range(6):
            spec = dataclasses.replace(_spec(label, [9, seed], num_frames=6),
                                       texture='flat', background='flat')
            frame = sm.render_clip(spec, 6, 64, steps=steps)[3]
            gx, gy = _grey_gradients(frame)
            values.append(gx / gy)
        ratios[name] = float(np.exp(np.mean(np.log(values))))
    if steps:
        assert ratios['move_left'] < 0.6 and ratios['move_up'] > 1.67
    else:
        for value in ratios.values():
            assert 0.75 < value < 1.33, ratios


def test_exposure_average_pairs_sub_frames_symmetrically():
    # hand example: frame i averages layers i*den + steps + (-1, 0, 1)
    layers = np.array([0.0, 3.0, 6.0, 9.0]).reshape(4, 1, 1, 1)
    out = sm.exposure_average(layers, num_frames=2, steps=1, den=1)
    np.testing.assert_array_equal(out.ravel(), [3.0, 6.0])
    layers = np.arange(7.0).reshape(7, 1, 1, 1) ** 2  # den=2: frames at 1, 3, 5
    out = sm.exposure_average(layers, num_frames=3, steps=1, den=2)
    np.testing.assert_allclose(out.ravel(), [(0 + 1 + 4) / 3, (4 + 9 + 16) / 3,
                                             (16 + 25 + 36) / 3])
    # bit-exact under reversal of arbitrary floats
    rng = np.random.default_rng(0)
    layers = rng.random((2 * 4 + 5, 3, 3, 3)) * 255
    out = sm.exposure_average(layers, 5, 2, 2)
    assert np.array_equal(sm.exposure_average(layers[::-1], 5, 2, 2),
                          out[::-1])
    with pytest.raises(ValueError, match='sub-frames'):
        sm.exposure_average(layers[:-1], 5, 2, 2)


def test_camera_motion():
    for seed in range(5):
        still = [_spec(lab, seed) for lab in range(K)]
        moving = [_spec(lab, seed, camera_motion=True) for lab in range(K)]
        for s, m in zip(still, moving):  # appearance unaffected by the flag
            assert s.cam_start == s.cam_end == (0.0, 0.0)
            assert dataclasses.replace(m, cam_start=(0.0, 0.0),
                                       cam_end=(0.0, 0.0)) == s
        # The drift does not depend on the class (up to reversal).
        assert len({frozenset((m.cam_start, m.cam_end)) for m in moving}) == 1
        drift = np.subtract(moving[0].cam_end, moving[0].cam_start)
        assert 0.04 <= np.linalg.norm(drift) <= 0.12
    for camera in (False, True):
        spec = dataclasses.replace(_spec(8, 1, camera_motion=camera),
                                   background='noise')
        clip = sm.render_clip(spec, 8, 32, steps=0).astype(int)
        background = (sm.object_alpha(spec, 8, 32) == 0).all(axis=0)
        changed = np.abs(clip[-1] - clip[0]).max(-1)[background]
        assert (changed.max() > 3) if camera else (changed.max() == 0)


def test_render_benchmark_outputs(tmp_path, capfd):
    info = sm.render_benchmark(tmp_path / 'bench', **TINY)
    root = info['data_prefix']
    assert root == os.path.join(tmp_path, 'bench', 'videos')
    assert info['counts'] == dict(train=K, val=K, test=0, unlabelled=2)
    for split in ('train', 'val'):
        rows = _read_list(info[f'ann_file_{split}'])
        assert len(rows) == K
        assert sorted(int(lab) for _, lab in rows) == list(range(K))
        for rel, _ in rows:
            assert rel.startswith(f'{split}/') and rel.endswith('.mp4')
    rows = _read_list(info['ann_file_unlabelled'])
    assert len(rows) == 2 and all(len(r) == 1 for r in rows)
    # Clips of different classes are independent draws (no shared seeds):
    # a partner's clip is not the reversal of its pair mate's clip.
    for a, b in sm.REVERSAL_PAIRS:
        clip_a, clip_b = (_decode(os.path.join(
            root, f'train/{sm.MOTION_CLASSES[lab]}_0000.mp4')).astype(float)
                          for lab in (a, b))
        assert np.abs(clip_b - clip_a[::-1]).mean() > 10
    paths = [r[0] for split in info['counts']
             for r in _read_list(info[f'ann_file_{split}'])]
    assert len(set(paths)) == len(paths)
    for rel in paths:
        reader = decord.VideoReader(os.path.join(root, rel))
        assert len(reader) == TINY['num_frames']
        frames = reader.get_batch(list(range(len(reader)))).asnumpy()
        assert frames.shape == (TINY['num_frames'], 32, 32, 3)
    with open(info['classes_file'], encoding='utf-8') as f:
        assert tuple(f.read().split()) == sm.MOTION_CLASSES
    with open(info['meta_file'], encoding='utf-8') as f:
        meta = json.load(f)
    assert meta['classes'] == list(sm.MOTION_CLASSES)
    assert [tuple(p) for p in meta['reversal_pairs']] == list(
        sm.REVERSAL_PAIRS)
    assert meta['seed'] == 0 and meta['size'] == 32
    assert capfd.readouterr().err == ''  # progress=False is silent


def test_progress_bar(tmp_path, capfd, monkeypatch):
    sm.render_benchmark(tmp_path, **{**TINY, 'progress': True})
    err = capfd.readouterr().err  # not a terminal: one line per 25%
    assert '\r' not in err and f'rendering train: {K}/{K} [100%]\n' in err
    assert 'rendering unlabelled: 2/2 [100%]' in err
    assert err.count('rendering train:') <= 5
    monkeypatch.setattr(sm.sys.stderr, 'isatty', lambda: True, raising=False)
    sm.render_benchmark(tmp_path / 'tty', **{**TINY, 'progress': True})
    err = capfd.readouterr().err  # a terminal: redrawn in place
    assert '\r' in err and f'rendering train: {K}/{K} [100%]' in err


def test_bias_only_in_train_and_val_biased(tmp_path, monkeypatch):
    calls = []
    original = sm.sample_clip_spec

    def spy(label, rng, **kwargs):
        calls.append(kwargs['appearance_bias'])
        return original(label, rng, **kwargs)

    monkeypatch.setattr(sm, 'sample_clip_spec', spy)
    info = sm.render_benchmark(tmp_path, **{**TINY, 'appearance_bias': 0.7})
    # Splits render in order: train, val, test (empty), unlabelled, then the
    # biased copies train_biased and val_biased.
    assert calls == [0.0] * K + [0.0] * K + [0.0] * 2 + [0.7] * K + [0.7] * K
    assert info['counts'] == dict(train=K, val=K, test=0, unlabelled=2,
                                  train_biased=K, val_biased=K)


def test_test_and_low_label_splits(tmp_path):
    info = sm.render_benchmark(tmp_path, **{
        **TINY, 'num_train_per_class': 3, 'num_test_per_class': 2,
        'num_lowlabel_per_class': 1})
    assert info['counts'] == dict(train=3 * K, val=K, test=2 * K,
                                  unlabelled=2, train_lowlabel=K)
    train = _read_list(info['ann_file_train'])
    low = _read_list(info['ann_file_train_lowlabel'])
    assert all(row in train for row in low)  # a subset, no new videos
    assert sorted(int(lab) for _, lab in low) == list(range(K))
    test = _read_list(info['ann_file_test'])
    val = _read_list(info['ann_file_val'])
    assert {r[0] for r in test}.isdisjoint(r[0] for r in val)
    # test clips are draws of their own, not copies of val clips
    for rel, _ in val[:3]:
        other = rel.replace('val/', 'test/')
        a = _decode(os.path.join(info['data_prefix'], rel)).astype(float)
        b = _decode(os.path.join(info['data_prefix'], other)).astype(float)
        assert np.abs(a - b).mean() > 5
    with pytest.raises(ValueError, match='num_lowlabel_per_class'):
        sm.render_benchmark(tmp_path / 'x', **{**TINY,
                                               'num_lowlabel_per_class': 2})


def test_workers_do_not_change_the_output(tmp_path):
    one = sm.render_benchmark(tmp_path / 'one', **TINY)
    two = sm.render_benchmark(tmp_path / 'two', **{**TINY, 'workers': 2})
    a, b = _decode_all(one), _decode_all(two)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def _decode_all(info):
    out = {}
    for split in info['counts']:
        for row in _read_list(info[f'ann_file_{split}']):
            out[row[0]] = _decode(os.path.join(info['data_prefix'], row[0]))
    return out


def test_render_benchmark_is_deterministic(tmp_path):
    runs = [sm.render_benchmark(tmp_path / name, seed=seed, **TINY)
            for name, seed in (('a', 3), ('b', 3), ('c', 4))]
    lists = [[open(r[f'ann_file_{s}']).read() for s in r['counts']]
             for r in runs]
    assert lists[0] == lists[1] == lists[2]  # same names and labels
    a, b, c = (_decode_all(r) for r in runs)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not any(np.array_equal(a[k], c[k]) for k in a)
    # Per-clip seeds: a clip does not depend on how many others are made.
    more = sm.render_benchmark(tmp_path / 'd', seed=3,
                               **{**TINY, 'num_train_per_class': 2})
    d = _decode_all(more)
    assert all(np.array_equal(a[k], d[k]) for k in a)


@pytest.mark.parametrize('kwargs,name', [
    (dict(size=8), 'size'), (dict(size=33), 'size'), (dict(size=48), 'size'),
    (dict(num_frames=1), 'num_frames'), (dict(appearance_bias=1.5),
                                         'appearance_bias'),
    (dict(appearance_bias=-0.1), 'appearance_bias'),
    (dict(num_train_per_class=0), 'num_train_per_class'),
    (dict(num_val_per_class=-1), 'num_val_per_class'),
    (dict(num_unlabelled=2.5), 'num_unlabelled'), (dict(seed=-1), 'seed')
])
def test_render_benchmark_rejects_invalid_arguments(tmp_path, kwargs, name):
    value = next(iter(kwargs.values()))
    with pytest.raises(ValueError, match=name) as err:
        sm.render_benchmark(tmp_path, **{**TINY, **kwargs})
    assert repr(value) in str(err.value)
    assert not os.path.exists(tmp_path / 'videos')


def test_other_functions_reject_invalid_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match='label'):
        sm.sample_clip_spec(K, rng)
    with pytest.raises(ValueError, match='appearance_bias'):
        sm.sample_clip_spec(0, rng, appearance_bias=2.0)
    with pytest.raises(ValueError, match='size'):
        sm.render_clip(_spec(0, 0), size=8)
    with pytest.raises(ValueError, match='num_frames'):
        sm.render_clip(_spec(0, 0), num_frames=1)


def test_write_video_errors_and_parent_dirs(tmp_path):
    clip = sm.render_clip(_spec(0, 0), 4, 32)
    target = tmp_path / 'new' / 'dir' / 'clip.mp4'
    sm.write_video(target, clip)
    assert _decode(target).shape == (4, 32, 32, 3)
    bad = tmp_path / 'clip.unknown_extension'
    with pytest.raises(RuntimeError, match='clip.unknown_extension'):
        sm.write_video(bad, clip)
    with pytest.raises(ValueError, match='even'):
        sm.write_video(tmp_path / 'odd.mp4', clip[:, :31])
    with pytest.raises(ValueError, match='uint8'):
        sm.write_video(tmp_path / 'float.mp4', clip.astype(np.float32))


def test_accepted_sizes_decode_with_decord(tmp_path):
    spec = _spec(0, 0)
    for size in range(16, 100, 2):
        try:
            sm.render_benchmark(tmp_path, **{**TINY, 'size': size,
                                             'num_train_per_class': 1,
                                             'num_val_per_class': 0,
                                             'num_unlabelled': 0})
        except ValueError:
            assert size in sm.DECORD_UNSAFE_SIZES
            continue
        assert size not in sm.DECORD_UNSAFE_SIZES
        path = tmp_path / f'{size}.mp4'
        sm.write_video(path, sm.render_clip(spec, 2, size))
        assert _decode(path).shape == (2, size, size, 3), size


def test_cli(tmp_path):
    script = os.path.join(REPO_ROOT, 'tools', 'data', 'render_synthetic.py')
    out = tmp_path / 'cli'
    args = [sys.executable, script, str(out), '--train-per-class', '1',
            '--val-per-class', '1', '--unlabelled', '1', '--frames', '4',
            '--size', '32', '--seed', '5', '--appearance-bias', '0.5',
            '--camera-motion', '--no-progress']
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert 'Rendered' in done.stdout and 'rendering' not in done.stderr
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['seed'] == 5 and meta['camera_motion'] is True
    assert meta['appearance_bias'] == 0.5 and meta['num_frames'] == 4
    assert len(_read_list(out / 'train.txt')) == K
    assert meta['axis_bars'] is False and meta['streak']['steps'] == 2
    assert meta['object_grid'] == 1
    # the benchmark study's data: translation pairs, bars, sharp frames
    out2 = tmp_path / 'cli2'
    done = subprocess.run(args[:2] + [str(out2)] + args[3:-1] + [
        '--classes', 'translation', '--axis-bars', '--streak-steps', '0',
        '--object-grid', '2', '--no-progress'], cwd=tmp_path, capture_output=True, text=True,
        timeout=120)
    assert done.returncode == 0, done.stderr
    meta = json.loads((out2 / 'meta.json').read_text())
    assert meta['rendered_classes'] == list(range(8))
    assert meta['axis_bars'] is True and meta['streak']['steps'] == 0
    assert meta['object_grid'] == 2
    assert sorted(int(r[1]) for r in _read_list(out2 / 'train.txt')) == \
        list(range(8))


def test_cli_rejects_invalid_arguments(tmp_path, capsys):
    script = os.path.join(REPO_ROOT, 'tools', 'data', 'render_synthetic.py')
    spec = importlib.util.spec_from_file_location('render_synthetic', script)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    assert cli.main([str(tmp_path), '--size', '15', '--no-progress']) == 2
    assert 'size' in capsys.readouterr().err
    assert cli.main([str(tmp_path), '--appearance-bias', '2']) == 2
    assert 'appearance_bias' in capsys.readouterr().err


def _principal_axis(alpha):
    # orientation (radians, mod pi) of the coverage's second moments
    ys, xs = np.mgrid[0:alpha.shape[0], 0:alpha.shape[1]]
    w = alpha / alpha.sum()
    mx, my = (w * xs).sum(), (w * ys).sum()
    cxx = (w * (xs - mx) ** 2).sum()
    cyy = (w * (ys - my) ** 2).sum()
    cxy = (w * (xs - mx) * (ys - my)).sum()
    return 0.5 * math.atan2(2 * cxy, cxx - cyy) % math.pi


@pytest.mark.parametrize('name,axis', [
    ('move_left', 0.0), ('move_right', 0.0), ('move_up', 90.0),
    ('move_down', 90.0), ('move_up_left', 45.0), ('move_down_right', 45.0),
    ('move_up_right', 135.0), ('move_down_left', 135.0)])
def test_axis_bars_lie_along_the_motion_axis(name, axis):
    # image y points down: up-left motion (-1, -1) runs along the 45 degree
    # line of image coordinates, up-right (+1, -1) along 135 degrees
    label = sm.MOTION_CLASSES.index(name)
    for seed in range(3):
        spec = _spec(label, [21, seed], axis_bars=True)
        assert spec.shape == sm.AXIS_SHAPE == 'bar'
        still = dataclasses.replace(spec, pos_start=(0.5, 0.5),
                                    pos_end=(0.5, 0.5))
        alpha = sm.object_alpha(still, num_frames=2, size=64)[0]
        got = math.degrees(_principal_axis(alpha))
        assert min(abs(got - axis), 180 - abs(got - axis)) < 2.0, (got, axis)


def test_axis_bars_keep_the_reversal_and_leave_other_motions_alone():
    for a, b in sm.REVERSAL_PAIRS:
        for seed in range(3):
            spec = _spec(a, seed, axis_bars=True)
            assert _spec(b, seed, axis_bars=True) == sm.reversed_spec(spec)
            clip = sm.render_clip(spec, 8, 32, steps=0)
            assert np.array_equal(
                sm.render_clip(sm.reversed_spec(spec), 8, 32, steps=0),
                clip[::-1])
            plain = _spec(a, seed)
            if a >= 8:  # approach, rotation, orbit: unchanged
                assert spec == plain
            else:  # only the shape and the (constant) orientation change
                assert spec == dataclasses.replace(
                    plain, shape='bar', angle_start=spec.angle_start,
                    angle_end=spec.angle_start)
    from mmhcml.datasets._synthetic_drawing import shape_sdf
    with pytest.raises(ValueError, match="'bar'"):
        shape_sdf('rod', np.zeros(1), np.zeros(1))


def test_render_benchmark_class_subset_bars_and_sharp_frames(tmp_path):
    info = sm.render_benchmark(tmp_path, **{
        **TINY, 'num_unlabelled': 12, 'num_frames': 6,
        'classes': sm.TRANSLATION_CLASSES, 'axis_bars': True,
        'streak_steps': 0})
    n = len(sm.TRANSLATION_CLASSES)
    assert sm.TRANSLATION_CLASSES == tuple(range(8))
    assert info['counts'] == dict(train=n, val=n, test=0, unlabelled=12)
    train = _read_list(info['ann_file_train'])
    assert sorted(int(lab) for _, lab in train) == list(range(8))
    meta = json.load(open(info['meta_file']))
    assert meta['rendered_classes'] == list(range(8))
    assert meta['axis_bars'] is True and meta['streak']['steps'] == 0
    # a training video is the sharp (steps=0) render of its seed's bar spec
    rel, lab = train[3]
    spec = sm.sample_clip_spec(int(lab), sm._clip_rng(0, 'train', int(lab), 0),
                               num_frames=6, axis_bars=True)
    want = sm.render_clip(spec, 6, 32, steps=0).astype(float)
    got = _decode(os.path.join(info['data_prefix'], rel)).astype(float)
    assert np.abs(got - want).mean() < 4
    streaked = sm.render_clip(spec, 6, 32).astype(float)
    assert np.abs(got - want).mean() < np.abs(got - streaked).mean()
    # unlabelled clips draw their class from the subset only: their seeds'
    # first draw is an index into the 8 labels
    for i in range(12):
        rng = sm._clip_rng(0, 'unlabelled', i)
        assert int(rng.integers(n)) < 8


@pytest.mark.parametrize('classes,match', [
    ((0, 1, 2), 'without its partner 3'), ((), 'non-empty'),
    ((0, 0, 1), 'distinct'), ((0, 1, 14), 'label must be')])
def test_render_benchmark_rejects_bad_class_subsets(tmp_path, classes, match):
    with pytest.raises(ValueError, match=match):
        sm.render_benchmark(tmp_path, **{**TINY, 'classes': classes})
    with pytest.raises(ValueError, match='streak_steps'):
        sm.render_benchmark(tmp_path, **{**TINY, 'streak_steps': -1})


def test_object_grid_draws_shifted_copies_with_one_motion():
    # oracle: the single-object render of the same spec moved by (i/g, j/g)
    # on the torus; the grid's coverage is the union (max) of the copies
    for label, grid in ((0, 2), (5, 2), (2, 3)):
        spec = _spec(label, 7, axis_bars=True, object_grid=grid)
        single = dataclasses.replace(spec, object_grid=1)
        want = np.zeros((6, 48, 48))
        for i in range(grid):
            for j in range(grid):
                moved = dataclasses.replace(
                    single,
                    pos_start=(single.pos_start[0] + i / grid,
                               single.pos_start[1] + j / grid),
                    pos_end=(single.pos_end[0] + i / grid,
                             single.pos_end[1] + j / grid))
                want = np.maximum(want, sm.object_alpha(moved, 6, 48))
        got = sm.object_alpha(spec, 6, 48)
        np.testing.assert_allclose(got, want, atol=1e-12)
        # grid ** 2 copies that do not overlap: grid ** 2 times the area
        area = sm.object_alpha(single, 6, 48).sum()
        assert got.sum() == pytest.approx(grid * grid * area, rel=1e-6)


def test_object_grid_keeps_the_draws_and_the_reversal():
    for a, b in sm.REVERSAL_PAIRS[:4]:
        spec = _spec(a, 3, axis_bars=True, object_grid=2)
        # no extra random draws: every other field as with one object
        assert spec == dataclasses.replace(_spec(a, 3, axis_bars=True),
                                           object_grid=2)
        assert _spec(b, 3, axis_bars=True, object_grid=2) == \
            sm.reversed_spec(spec)
        assert np.array_equal(
            sm.render_clip(sm.reversed_spec(spec), 6, 32, steps=0),
            sm.render_clip(spec, 6, 32, steps=0)[::-1])
    with pytest.raises(ValueError, match='object_grid'):
        _spec(0, 0, object_grid=0)
    with pytest.raises(ValueError, match='object_grid'):
        sm.render_clip(dataclasses.replace(_spec(0, 0), object_grid=0), 4, 32)


def test_render_benchmark_object_grid(tmp_path):
    info = sm.render_benchmark(tmp_path, **{
        **TINY, 'classes': sm.TRANSLATION_CLASSES, 'axis_bars': True,
        'streak_steps': 0, 'object_grid': 2, 'size': 64})
    meta = json.load(open(info['meta_file']))
    assert meta['object_grid'] == 2
    rel, lab = _read_list(info['ann_file_train'])[0]
    spec = sm.sample_clip_spec(int(lab), sm._clip_rng(0, 'train', int(lab), 0),
                               num_frames=6, axis_bars=True, object_grid=2)
    want = sm.render_clip(spec, 6, 64, steps=0).astype(float)
    got = _decode(os.path.join(info['data_prefix'], rel)).astype(float)
    # where only the extra copies are, the video shows them (mp4 blurs
    # edges, so compare there with the one-object render)
    single = dataclasses.replace(spec, object_grid=1)
    one = sm.render_clip(single, 6, 64, steps=0).astype(float)
    extra = (sm.object_alpha(spec, 6, 64) > 0.99) & (
        sm.object_alpha(single, 6, 64) < 0.01)
    assert extra.sum() > 100
    assert np.abs(got - want)[extra].mean() < \
        0.5 * np.abs(got - one)[extra].mean()
    with pytest.raises(ValueError, match='object_grid'):
        sm.render_benchmark(tmp_path, **{**TINY, 'object_grid': 0})
