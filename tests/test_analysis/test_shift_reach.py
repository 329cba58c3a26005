"""shift_reach: the flow's reach on real frames moved as a whole."""
import numpy as np
import pytest
import torch

from mmhcml.analysis.flow_quality import dis_flow
from mmhcml.analysis.shift_reach import (middle_frame, shift_reach,
                                         shift_windows)
from tests.test_analysis.test_flow_quality import write_video


def textured_frame(height=120, width=200, seed=0):
    """Smooth random texture (blurred noise), uint8 RGB."""
    import cv2
    noise = np.random.default_rng(seed).integers(
        0, 256, (height, width, 3)).astype(np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 2.0)


def constant_flow(dx, dy=0.0):
    def pair_flows(frames):
        flow = torch.zeros(len(frames) - 1, 2, *frames.shape[1:3])
        flow[:, 0], flow[:, 1] = dx, dy
        return flow
    return pair_flows


def test_windows_slide_right_so_content_moves_left():
    frame = textured_frame()
    windows = shift_windows(frame, 3, clip_len=4, size=(32, 48))
    assert windows.shape == (4, 32, 48, 3) and windows.dtype == np.uint8
    for t in range(3):
        # what was at x + 3 in window t is at x in window t + 1
        np.testing.assert_array_equal(windows[t + 1][:, :-3],
                                      windows[t][:, 3:])
    assert not np.array_equal(windows[0], windows[1])


def test_a_small_frame_is_enlarged_to_hold_every_window():
    frame = textured_frame(24, 30)
    windows = shift_windows(frame, 8, clip_len=8, size=(24, 32))
    assert windows.shape == (8, 24, 32, 3)  # needs 32 + 7 * 8 = 88 columns
    np.testing.assert_array_equal(windows[7][:, :-8], windows[6][:, 8:])


def test_reach_is_the_flow_along_the_true_motion_over_the_shift():
    frame = textured_frame()
    # true flow (-s, 0): reach 1; half of it: 0.5; the wrong way: -1
    assert shift_reach(constant_flow(-2.0), frame, [2], 4, (32, 48),
                       4) == {2: pytest.approx(1.0)}
    assert shift_reach(constant_flow(-2.0), frame, [4], 4, (32, 48),
                       4) == {4: pytest.approx(0.5)}
    assert shift_reach(constant_flow(3.0), frame, [3], 4, (32, 48),
                       4) == {3: pytest.approx(-1.0)}
    # the vertical component does not count
    assert shift_reach(constant_flow(-1.0, 5.0), frame, [1], 4, (32, 48),
                       4) == {1: pytest.approx(1.0)}


def test_the_border_is_left_out():
    def wrong_at_the_border(frames):
        flow = constant_flow(-2.0)(frames)
        flow[:, 0, :5] = 100.0  # 5 rows of nonsense, more than half the
        flow[:, 0, -5:] = 100.0  # inner pixels if they were counted
        flow[:, 0, :, :5] = 100.0
        flow[:, 0, :, -5:] = 100.0
        return flow
    frame = textured_frame()
    assert shift_reach(wrong_at_the_border, frame, [2], 4, (20, 20),
                       5) == {2: pytest.approx(1.0)}
    assert shift_reach(wrong_at_the_border, frame, [2], 4, (20, 20),
                       0)[2] == pytest.approx(-50.0)


def test_an_independent_flow_follows_the_shift():
    """OpenCV's DIS, which knows nothing of this module, reaches the shift
    in the direction the windows move the content."""
    frame = textured_frame(160, 260)

    def dis_pairs(frames):
        return torch.stack([
            torch.from_numpy(dis_flow(a, b)).permute(2, 0, 1)
            for a, b in zip(frames[:-1], frames[1:])])
    reach = shift_reach(dis_pairs, frame, [1, 3], 4, (96, 128), 12)
    assert reach[1] == pytest.approx(1.0, abs=0.1)
    assert reach[3] == pytest.approx(1.0, abs=0.1)


def test_bad_arguments_are_named():
    frame = textured_frame()
    with pytest.raises(ValueError, match='shifts must be ints >= 1'):
        shift_reach(constant_flow(0.0), frame, [0], 4, (32, 48), 4)
    with pytest.raises(ValueError, match='border must be'):
        shift_reach(constant_flow(0.0), frame, [1], 4, (32, 48), 16)
    with pytest.raises(ValueError, match='clip_len must be'):
        shift_windows(frame, 1, 1)
    with pytest.raises(ValueError, match=r'frame must be \(H, W, 3\)'):
        shift_windows(frame[:, :, 0], 1, 4)


def test_middle_frame_is_the_middle_at_full_size(tmp_path):
    frames = np.stack([np.full((40, 56, 3), 20 * i, np.uint8)
                       for i in range(7)])
    write_video(tmp_path / 'v.avi', frames)
    frame = middle_frame(str(tmp_path / 'v.avi'))
    assert frame.shape == (40, 56, 3)
    assert abs(float(frame.mean()) - 60.0) < 3  # frame 3 of 0..6
    with pytest.raises(FileNotFoundError, match='does not exist'):
        middle_frame(str(tmp_path / 'missing.avi'))
    (tmp_path / 'broken.avi').write_bytes(b'not a video')
    with pytest.raises(ValueError, match='decoded no frame'):
        middle_frame(str(tmp_path / 'broken.avi'))


def test_flow_quality_tool_reports_the_reach(tmp_path, capsys):
    import json

    from tests.test_analysis.test_flow_vis import (flow_model_cfg, load_tool,
                                                   write_model)
    frames = np.stack([textured_frame(48, 64, seed=i) for i in range(10)])
    write_video(tmp_path / 'tex.avi', frames)
    config, checkpoint = write_model(tmp_path, flow_model_cfg())
    tool = load_tool('flow_quality')
    out = tmp_path / 'fq'
    tool.main([config, checkpoint, str(tmp_path / 'tex.avi'), '--size', '32',
               '32', '--frame-stride', '1', '--synthetic-size', '0',
               '--shift-reach', '1', '3', '--out-dir', str(out)])
    saved = json.load(open(out / 'flow_quality.json'))
    reach = saved['shift_reach']['tex.avi']
    assert list(reach) == ['1', '3']
    assert all(np.isfinite(value) for value in reach.values())
    printed = capsys.readouterr().out
    assert ('tex.avi: reach at 1/3 px per frame (whole frame moved): '
            f"{reach['1']:.2f}/{reach['3']:.2f}") in printed
