"""flow_quality: model vs Farneback vs zero flow on real videos."""
import json
import os.path as osp
from unittest import mock

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmhcml.analysis import flow_quality
from mmhcml.analysis.flow_quality import (dis_flow, evaluate_video,
                                          farneback_flow, model_pair_flows,
                                          photometric_error)
from mmhcml.datasets.footage_splits import (extract_split_rawframes,
                                            load_footage_splits, shot_ranges,
                                            split_into_shots)
from mmhcml.analysis.flow_vis import LevelFlow
from mmhcml.datasets.translating_textures import render_translating_textures
from mmhcml.datasets.video_frames import extract_rawframes, read_video_frames
from tests.test_analysis.test_flow_vis import (flow_model_cfg, load_tool,
                                               write_model)


def write_video(path, frames):
    """Write RGB frames (T, H, W, 3) as an MJPG avi."""
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 10,
                             (width, height))
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[:, :, ::-1]))
    writer.release()
    return str(path)


@pytest.fixture
def texture_video(tmp_path):
    data = render_translating_textures(1, clip_len=20, size=64, max_shift=2,
                                       seed=4)
    return write_video(tmp_path / 'pan.avi', data.clips[0]), data.flow[0]


def test_read_video_frames_stride_size_and_errors(tmp_path, texture_video):
    path, _ = texture_video
    frames = read_video_frames(path, (32, 48), frame_stride=3)
    assert frames.shape == (7, 32, 48, 3) and frames.dtype == np.uint8
    with pytest.raises(FileNotFoundError, match='does not exist'):
        read_video_frames(str(tmp_path / 'missing.avi'))
    (tmp_path / 'broken.avi').write_bytes(b'not a video')
    with pytest.raises(ValueError, match='readable video'):
        read_video_frames(str(tmp_path / 'broken.avi'))


def test_farneback_direction_matches_the_renderer():
    """Farneback's mean flow is the rendered shift (backward-warp sign)."""
    data = render_translating_textures(4, clip_len=2, size=64, max_shift=3,
                                       seed=2)
    for clip, truth in zip(data.clips, data.flow):
        flow = farneback_flow(clip[0], clip[1])[8:-8, 8:-8]
        np.testing.assert_allclose(flow.mean(axis=(0, 1)), truth, atol=0.3)


def test_dis_direction_matches_the_renderer():
    """DIS (preset medium) uses Farneback's backward-warp convention."""
    data = render_translating_textures(4, clip_len=2, size=64, max_shift=3,
                                       seed=2)
    for clip, truth in zip(data.clips, data.flow):
        flow = dis_flow(clip[0], clip[1])[8:-8, 8:-8]
        assert flow.shape[-1] == 2 and flow.dtype == np.float32
        np.testing.assert_allclose(np.median(flow, axis=(0, 1)), truth,
                                   atol=0.3)


def test_shot_ranges_never_pair_across_a_cut():
    """Stride 2: strided frame j is full-rate frame 2j; pair (j, j+1) spans
    cut k when 2j < k <= 2j + 2."""
    # cut 1 lies in (0, 2]: frame 0 alone; cut 7 in (6, 8]: new shot at 4
    assert shot_ranges(10, 2, [1, 7]) == [(0, 1), (1, 4), (4, 10)]
    # cut 8 in (6, 8] as well; a cut at 9 is in (8, 10]: shot starts at 5
    assert shot_ranges(10, 2, [8]) == [(0, 4), (4, 10)]
    assert shot_ranges(10, 2, [9]) == [(0, 5), (5, 10)]
    # drop full-rate [0, 4) -> strided 0, 1; [10, 13) -> strided 5, 6
    assert shot_ranges(10, 2, [], [(0, 4), (10, 13)]) == [(2, 5), (7, 10)]
    assert shot_ranges(6, 1) == [(0, 6)]
    frames = np.arange(20)[:, None, None, None] * np.ones((1, 2, 2, 3))
    shots = split_into_shots(frames, 1, cuts=[12], start_fraction=0.5)
    assert [shot[:, 0, 0, 0].tolist() for shot in shots] == [
        [10, 11], list(range(12, 20))]
    with pytest.raises(ValueError, match='end_fraction'):
        split_into_shots(frames, 1, start_fraction=0.5, end_fraction=0.5)


def test_split_file_parts_are_disjoint_and_hold_the_failure_cases(tmp_path):
    splits = load_footage_splits('configs/hcml/real_footage/splits.py')
    parts = splits['splits']
    names = [name for part in parts.values() for name in part]
    assert len(names) == len(set(names)) == 13
    # the animation and a talking head are only reported
    assert {'Megamind.avi', 'psychopy_jwpIntro.mp4'} <= set(parts['test'])
    # the earlier development videos never reach the test set except the
    # animation whose failure it must show; the moving-camera video (the
    # fastest motion) is a validation video, so choices see fast motion
    assert 'vtest.avi' in parts['train']
    assert 'tree.avi' in parts['val']
    assert {'vtest.avi', 'tree.avi'}.isdisjoint(parts['test'])
    assert splits['cuts']['Megamind.avi'] == [1, 98, 154, 200]
    bad = tmp_path / 'bad.py'
    bad.write_text("splits = dict(train=['a'], val=['a'], test=[])\n")
    with pytest.raises(ValueError, match="'a' is in both"):
        load_footage_splits(str(bad))
    bad.write_text("splits = dict(train=['a'], val=[], test=[])\n"
                   "cuts = {'b': [3]}\n")
    with pytest.raises(ValueError, match="cuts names videos in no part"):
        load_footage_splits(str(bad))


def test_photometric_error_is_the_charbonnier_floor_for_the_true_flow():
    data = render_translating_textures(2, clip_len=2, size=32, max_shift=2,
                                       seed=3)
    frames = torch.from_numpy(data.clips).float().permute(0, 1, 4, 2, 3) / 255
    flow = torch.from_numpy(data.flow)[:, :, None, None].expand(-1, 2, 32, 32)
    true, _ = photometric_error(frames[:, 0], frames[:, 1], flow)
    zero, _ = photometric_error(frames[:, 0], frames[:, 1], flow * 0)
    floor = (1e-3 ** 2) ** 0.45  # rho(0) = eps^(2 alpha)
    torch.testing.assert_close(true, torch.full_like(true, floor))
    moving = data.flow.any(axis=1)
    assert (zero[torch.from_numpy(moving)] > 10 * floor).all()


def test_every_pair_comes_from_exactly_one_window_where_it_is_real():
    """Windows overlap by one frame: pair (t, t+1) is never the replicated
    last pair of a window, and the tail is covered too."""
    calls = []

    def fake(model, clip, levels):
        start = len(calls)
        calls.append(clip)
        pairs = clip.shape[2] - 1
        flow = torch.full((1, pairs, 2) + clip.shape[-2:], float(start))
        flow[:, :, 1] = torch.arange(pairs).view(1, pairs, 1, 1).float()
        return {1: LevelFlow(flow, ())}

    model = torch.nn.Linear(1, 1)
    model.data_preprocessor = None
    frames = np.zeros((17, 8, 8, 3), np.uint8)
    with mock.patch.object(flow_quality, 'predict_level_flows', fake):
        flows = model_pair_flows(model, frames, clip_len=4)
    assert flows.shape == (16, 2, 8, 8)
    # windows start at 0, 3, 6, 9, 12 and the tail window at 13
    window = flows[:, 0, 0, 0].tolist()
    index = flows[:, 1, 0, 0].tolist()
    assert window == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3 + [4] * 3 + [5]
    assert index == [0, 1, 2] * 5 + [2]


def test_evaluate_video_reports_zero_model_and_farneback(texture_video):
    path, truth = texture_video
    model = torch.nn.Linear(1, 1)
    model.data_preprocessor = None
    frames = read_video_frames(path, (64, 64), frame_stride=1)

    def true_flow(model, clip_frames, clip_len):
        return torch.from_numpy(truth).view(1, 2, 1, 1).expand(
            len(clip_frames) - 1, 2, 64, 64).clone()

    with mock.patch.object(flow_quality, 'model_pair_flows', true_flow):
        result = evaluate_video(model, frames, clip_len=8, start_fraction=0.5)
    assert result['pairs'] == 9
    errors, cut = result['photometric'], result['cut']
    assert errors['model'] < 0.5 * errors['zero']
    assert errors['farneback'] < errors['zero']
    assert cut['model'] == pytest.approx(1 - errors['model'] / errors['zero'])
    speed = float(np.linalg.norm(truth))
    assert result['magnitude']['model']['p50'] == pytest.approx(speed,
                                                                rel=1e-5)
    assert result['epd_model_vs_farneback'] < 0.5
    with pytest.raises(ValueError, match='start_fraction'):
        evaluate_video(model, frames, 8, start_fraction=1.0)
    # a validation part: frames [0, 10) of 20 give 9 pairs (19 without it)
    with mock.patch.object(flow_quality, 'model_pair_flows', true_flow):
        assert evaluate_video(model, frames, 8,
                              end_fraction=0.5)['pairs'] == 9
    with pytest.raises(ValueError, match='end_fraction=0.3'):
        evaluate_video(model, frames, 8, start_fraction=0.5,
                       end_fraction=0.3)
    # a cut at frame 9 (stride 1): shots [0, 9) and [9, 20), 8 + 10 pairs,
    # never the pair (8, 9)
    seen = []

    def shot_flow(model, clip_frames, clip_len):
        seen.append(len(clip_frames))
        return true_flow(model, clip_frames, clip_len)

    with mock.patch.object(flow_quality, 'model_pair_flows', shot_flow):
        result = evaluate_video(model, frames, 8, cuts=[9])
    assert seen == [9, 11] and result['pairs'] == 18
    assert result['shots'] == 2 and result['skipped_pairs'] == 0
    # a shot shorter than a clip is left out and counted
    seen.clear()
    with mock.patch.object(flow_quality, 'model_pair_flows', shot_flow):
        result = evaluate_video(model, frames, 8, cuts=[5])
    assert seen == [15] and result['skipped_pairs'] == 4


def test_still_pixels_report_the_flow_where_nothing_moves():
    """Half the frame changes, half is identical: on the still half zero
    flow is at the Charbonnier floor and the model's flow of 0.5 px there is
    reported as its mean magnitude."""
    rng = np.random.RandomState(0)
    frames = rng.randint(0, 256, (9, 16, 16, 3)).astype(np.uint8)
    frames[:, :, :8] = frames[0, :, :8]   # left half never changes
    model = torch.nn.Linear(1, 1)
    model.data_preprocessor = None

    def half_pixel(model, clip_frames, clip_len):
        flow = torch.zeros(len(clip_frames) - 1, 2, 16, 16)
        flow[:, 0] = 0.5
        return flow

    with mock.patch.object(flow_quality, 'model_pair_flows', half_pixel):
        result = evaluate_video(model, frames, 8)
    still = result['still']
    assert still['fraction'] == pytest.approx(0.5, abs=0.02)
    floor = (1e-3 ** 2) ** 0.45
    assert still['photometric']['zero'] == pytest.approx(floor)
    assert still['photometric']['model'] > 50 * floor
    assert still['model_flow'] == pytest.approx(0.5)


def test_extract_rawframes_splits_each_video(tmp_path, texture_video):
    path, _ = texture_video
    lists = extract_rawframes([path], str(tmp_path / 'out'), (32, 32),
                              frame_stride=1, train_fraction=0.6,
                              min_frames=4, log=lambda *_: None)
    assert open(lists['train']).read().split() == ['pan_train', '12']
    assert open(lists['test']).read().split() == ['pan_test', '8']
    frame = cv2.imread(str(tmp_path / 'out/rawframes/pan_test/img_00007.png'))
    assert frame.shape == (32, 32, 3)
    # the frames are the ones the real-footage configs read
    cfg = Config.fromfile('configs/hcml/real_footage/stage1_real_footage.py')
    for part in cfg.train_dataloader.dataset.datasets:
        name = part.filename_tmpl.format(7)
        assert osp.exists(tmp_path / 'out/rawframes/pan_test' / name), name
    with pytest.raises(ValueError, match='fewer than min_frames'):
        extract_rawframes([path], str(tmp_path / 'o2'), (32, 32), 1, 0.9,
                          min_frames=4, log=lambda *_: None)
    with pytest.raises(ValueError, match='train_fraction'):
        extract_rawframes([path], str(tmp_path / 'o3'), train_fraction=1.0)


def test_flow_quality_tool_writes_json_and_panel(tmp_path, texture_video):
    path, _ = texture_video
    config, checkpoint = write_model(tmp_path, flow_model_cfg())
    tool = load_tool('flow_quality')
    out = tmp_path / 'fq'
    results = tool.main([config, checkpoint, path, '--size', '32', '32',
                         '--frame-stride', '1', '--clip-len', '8',
                         '--synthetic-size', '32', '--out-dir', str(out)])
    saved = json.load(open(out / 'flow_quality.json'))
    row = saved['videos']['pan.avi']
    assert row['pairs'] == 19 and '_panel' not in row
    assert set(row['photometric']) == {'zero', 'model', 'farneback', 'dis'}
    assert saved['synthetic']['clips'] == 16
    assert osp.getsize(out / 'flow_quality.png') > 0
    assert results['mean_cut']['model'] == pytest.approx(
        row['cut']['model'])
    shares = [b['share'] for b in row['by_motion']]
    assert len(shares) == 5 and sum(shares) == pytest.approx(1.0)
    assert sum(b['saved']['dis'] for b in row['by_motion']) > 0


def test_extract_split_rawframes_writes_shots_losslessly(tmp_path,
                                                         texture_video):
    """One folder per shot (the cut at frame 12 splits the first 70%), PNG
    frames equal to the decoded video, and every video weighs the same in
    the training list (the one-shot video's line repeated twice)."""
    path, _ = texture_video
    other = write_video(tmp_path / 'b.avi', read_video_frames(path, (64, 64),
                                                              1))
    split_file = tmp_path / 'splits.py'
    split_file.write_text(
        f"real_footage_videos = '{tmp_path}'\n"
        "splits = dict(train=['pan.avi', 'b.avi'], val=[], test=[])\n"
        "cuts = {'pan.avi': [6]}\n")
    splits = load_footage_splits(str(split_file))
    lists = extract_split_rawframes(splits, str(tmp_path / 'out'), 'train',
                                    (32, 32), frame_stride=1, min_frames=4,
                                    log=lambda *_: None)
    # 20 frames, first 70% = 14: shots [0, 6) and [6, 14); b.avi: [0, 14)
    assert open(lists['train']).read().split() == [
        'pan_0_train', '6', 'pan_1_train', '8', 'b_0_train', '14',
        'b_0_train', '14']
    assert open(lists['test']).read().split() == ['pan_0_test', '6',
                                                   'b_0_test', '6']
    frames = read_video_frames(path, (32, 32), 1)
    saved = cv2.imread(str(tmp_path / 'out/rawframes/pan_1_train/'
                           'img_00000.png'))[:, :, ::-1]
    np.testing.assert_array_equal(saved, frames[6])
    with pytest.raises(ValueError, match="ext must be"):
        extract_split_rawframes(splits, str(tmp_path / 'o2'), ext='gif')


def test_cut_same_pixels_takes_zero_flow_on_the_methods_pixels():
    """A flow that sends the last column out of the frame, where zero flow's
    error is large, gets a plain cut from leaving that column out of its
    average, and none on the same pixels (hand-computed)."""
    frames = np.full((9, 16, 16, 3), 100, dtype=np.uint8)
    frames[1::2, :, 15] = 140   # the last column flickers; the rest is still
    model = torch.nn.Linear(1, 1)
    model.data_preprocessor = None

    def out_of_frame(model, clip_frames, clip_len):
        flow = torch.zeros(len(clip_frames) - 1, 2, 16, 16)
        flow[:, 0, :, 15] = 0.5  # x + u = 15.5 > W - 1: out of the frame
        return flow

    with mock.patch.object(flow_quality, 'model_pair_flows', out_of_frame):
        result = evaluate_video(model, frames, 8)
    floor = (1e-3 ** 2) ** 0.45            # rho(0), the still pixels
    flicker = ((40 / 255) ** 2 + 1e-6) ** 0.45
    zero = (240 * floor + 16 * flicker) / 256
    assert result['photometric']['zero'] == pytest.approx(zero, rel=1e-4)
    assert result['photometric']['model'] == pytest.approx(floor, rel=1e-4)
    assert result['cut']['model'] == pytest.approx(1 - floor / zero, rel=1e-4)
    assert result['cut_same_pixels']['model'] == pytest.approx(0.0, abs=1e-5)


def test_motion_breakdown_bins_by_the_reference_speed():
    """Half the pixels move 0.3 px, half 3 px (reference); the model goes
    half as far, along the reference, and its error maps are hand-set, so
    share, reach and saving per bin are hand-computed."""
    ref = torch.zeros(2, 2, 4, 4)
    ref[:, 0, :2] = 0.3           # rows 0-1: slow, along +x
    ref[:, 1, 2:] = -3.0          # rows 2-3: fast, along -y
    flows = {'zero': ref * 0, 'model': ref * 0.5, 'dis': ref}
    maps = {'zero': torch.ones(2, 4, 4),
            'model': torch.full((2, 4, 4), 0.5),
            'dis': torch.full((2, 4, 4), 0.25)}
    maps['model'][:, 3, 3] = 0.0  # this pixel leaves the frame: not counted
    rows = flow_quality.motion_breakdown(flows, maps)
    assert [row['bin'] for row in rows] == [
        [0.0, 0.5], [0.5, 1.0], [1.0, 2.0], [2.0, 4.0], [4.0, None]]
    slow, fast = rows[0], rows[3]
    counted = 32 - 2
    assert slow['share'] == pytest.approx(16 / counted)
    assert fast['share'] == pytest.approx(14 / counted)
    assert rows[1]['share'] == rows[2]['share'] == rows[4]['share'] == 0
    assert slow['reach'] == pytest.approx(0.5)
    assert fast['reach'] == pytest.approx(0.5)
    assert slow['reference_flow'] == pytest.approx(0.3)
    assert fast['model_flow'] == pytest.approx(1.5)
    # saved: (1 - 0.5) per counted pixel of the bin over 30 (zero's total)
    assert slow['saved']['model'] == pytest.approx(16 * 0.5 / counted)
    assert fast['saved']['dis'] == pytest.approx(14 * 0.75 / counted)
    # a model that moves against the reference reaches backwards
    flows['model'] = -ref
    assert flow_quality.motion_breakdown(flows, maps)[3]['reach'] == (
        pytest.approx(-1.0))
    with pytest.raises(KeyError, match='"dis"'):
        flow_quality.motion_breakdown({'model': ref}, maps)
