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
        assert err_fwd > 40.0 and err_fwd > 3 * err_rev


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
        np.testing.assert_allclose(sa[4], sb[4], rtol=0.1)


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
                                  4, 32)
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


@pytest.mark.parametrize('name', sm.MOTION_CLASSES)
def test_motion_semantics(name):
    label = sm.MOTION_CLASSES.index(name)
    for seed in range(4):
        spec = _spec(label, seed)
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


def test_objects_stay_mostly_inside_the_frame():
    for label in range(K):
        for seed in range(30):
            traj = sm.clip_trajectory(_spec(label, seed, camera_motion=True),
                                      num_frames=8)
            reach = 0.8 * traj['scale']
            for key in ('x', 'y'):
                assert (traj[key] - reach >= 0).all()
                assert (traj[key] + reach <= 1).all()


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
        clip = sm.render_clip(spec, 8, 32).astype(int)
        background = (sm.object_alpha(spec, 8, 32) == 0).all(axis=0)
        changed = np.abs(clip[-1] - clip[0]).max(-1)[background]
        assert (changed.max() > 3) if camera else (changed.max() == 0)


def test_render_benchmark_outputs(tmp_path, capfd):
    info = sm.render_benchmark(tmp_path / 'bench', **TINY)
    root = info['data_prefix']
    assert root == os.path.join(tmp_path, 'bench', 'videos')
    assert info['counts'] == dict(train=K, val=K, val_biased=K, unlabelled=2)
    for split in ('train', 'val', 'val_biased'):
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
    sm.render_benchmark(tmp_path, **{**TINY, 'appearance_bias': 0.7})
    # Splits render in order: train, val, val_biased, unlabelled.
    assert calls == [0.7] * K + [0.0] * K + [0.7] * K + [0.0] * 2


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


def test_cli_rejects_invalid_arguments(tmp_path, capsys):
    script = os.path.join(REPO_ROOT, 'tools', 'data', 'render_synthetic.py')
    spec = importlib.util.spec_from_file_location('render_synthetic', script)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    assert cli.main([str(tmp_path), '--size', '15', '--no-progress']) == 2
    assert 'size' in capsys.readouterr().err
    assert cli.main([str(tmp_path), '--appearance-bias', '2']) == 2
    assert 'appearance_bias' in capsys.readouterr().err
