"""Flow colour coding, per-level flow, the flow tool and the hook (Fig. 3)."""
import importlib.util
import os.path as osp
from types import SimpleNamespace
from unittest import mock

import cv2
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config

from mmaction.registry import HOOKS, MODELS
from mmaction.structures import ActionDataSample
from mmhcml.apis import read_video_clip
from mmhcml.analysis.flow_vis import (check_flow_levels, flow_to_color,
                                      flow_heads_by_level, flow_video_frames,
                                      make_color_wheel,
                                      predict_level_flows)
from mmhcml.engine.hooks import flow_visualization_hook  # noqa: F401
from tests.conftest import tiny_model_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def flow_model_cfg(levels=(1, )):
    """A tiny HCMLRecognizer with a flow head at each of ``levels``."""
    cfg = tiny_model_cfg(num_classes=14, heads=('rec', ) if 1 in levels
                         else ())
    for level in levels:
        if level != 1:
            cfg['motion_heads'].append(
                dict(type='FlowReconstructionHead', level=level,
                     dense_channels=(8, ) * 5))
    if not cfg['motion_heads']:
        cfg['motion_heads'] = [dict(type='ContrastiveMotionHead', level=2,
                                    num_steps=1, num_locations=4)]
    return cfg


def write_model(tmp_path, cfg, name='model', drop_prefix=None):
    """Write ``cfg`` as a config file and a random-init checkpoint."""
    Config(dict(model=cfg, default_scope='mmaction')).dump(
        str(tmp_path / f'{name}.py'))
    state = MODELS.build(cfg).state_dict()
    if drop_prefix:
        state = {k: v for k, v in state.items()
                 if not k.startswith(drop_prefix)}
    torch.save({'state_dict': state, 'meta': {}}, tmp_path / f'{name}.pth')
    return str(tmp_path / f'{name}.py'), str(tmp_path / f'{name}.pth')


def load_tool(name):
    path = osp.join(ROOT, 'tools', 'analysis', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'_tool_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def constant_flow(u, v):
    return np.array([u, v], dtype=np.float64).reshape(2, 1, 1)


def test_color_wheel_is_middlebury():
    wheel = make_color_wheel()
    assert wheel.shape == (55, 3)
    # segment starts: red, yellow, green, cyan, blue, magenta
    starts = {0: (255, 0, 0), 15: (255, 255, 0), 21: (0, 255, 0),
              25: (0, 255, 255), 36: (0, 0, 255), 49: (255, 0, 255)}
    for index, rgb in starts.items():
        assert tuple(wheel[index]) == rgb, index
    assert tuple(wheel[13]) == (255, 221, 0)  # RY ramp: floor(255 * 13/15)
    assert tuple(wheel[54]) == (255, 0, 43)  # MR ramp: 255 - floor(255*5/6)


@pytest.mark.parametrize('flow, expected', [
    ((1.0, 0.0), (255, 0, 0)),  # right: angle 0 -> wheel[0], red
    ((1.0, -0.0), (255, 0, 0)),  # the sign of a zero v does not matter
    ((0.0, 1.0), (255, 229, 0)),  # down: between wheel[13] and wheel[14]
    ((-1.0, 0.0), (0, 209, 255)),  # left: wheel[27]
    ((0.0, -1.0), (88, 0, 255)),  # up: between wheel[40] and wheel[41]
])
def test_unit_flow_renders_the_wheel_colour_of_its_angle(flow, expected):
    assert tuple(flow_to_color(constant_flow(*flow))[0, 0]) == expected
    # scaling the flow and max_flow together changes nothing
    scaled = constant_flow(3 * flow[0], 3 * flow[1])
    assert tuple(flow_to_color(scaled, max_flow=3.0)[0, 0]) == expected


def test_magnitude_sets_saturation():
    assert tuple(flow_to_color(np.zeros((2, 4, 5)))[0, 0]) == (255, 255, 255)
    half = flow_to_color(constant_flow(0.5, 0.0), max_flow=1.0)
    assert tuple(half[0, 0]) == (255, 127, 127)
    beyond = flow_to_color(constant_flow(2.0, 0.0), max_flow=1.0)
    assert tuple(beyond[0, 0]) == (191, 0, 0)  # darkened to 75 %
    unknown = flow_to_color(constant_flow(np.nan, 0.0))
    assert tuple(unknown[0, 0]) == (0, 0, 0)
    # one scale for a whole batch: the larger flow saturates, the other not
    batch = np.stack([constant_flow(1.0, 0), constant_flow(2.0, 0)])
    colors = flow_to_color(torch.from_numpy(batch))
    assert colors.shape == (2, 1, 1, 3)
    assert tuple(colors[1, 0, 0]) == (255, 0, 0)
    assert tuple(colors[0, 0, 0]) == (255, 127, 127)
    with pytest.raises(ValueError, match='max_flow'):
        flow_to_color(constant_flow(1, 0), max_flow=0)


def test_level_flows_are_upsampled_and_scaled_to_frame_pixels():
    model = MODELS.build(flow_model_cfg(levels=(1, 2, 3))).eval()
    for head in flow_heads_by_level(model).values():
        nn.init.zeros_(head.predict_flow.weight)
        head.predict_flow.bias.data = torch.tensor([1.0, -0.5])
    flows = predict_level_flows(model, torch.randn(2, 3, 8, 64, 64))
    assert sorted(flows) == [1, 2, 3]
    # feature grids 16, 8, 4 px for a 64 px frame: one grid pixel = 4, 8, 16
    for level, pairs, scale in ((1, 7, 4), (2, 3, 8), (3, 1, 16)):
        flow = flows[level].flow
        assert flow.shape == (2, pairs, 2, 64, 64)
        assert torch.allclose(flow[:, :, 0], torch.full_like(
            flow[:, :, 0], scale))
        assert torch.allclose(flow[:, :, 1], torch.full_like(
            flow[:, :, 1], -scale / 2))
    stride = {1: 1, 2: 2, 3: 4}
    for level, level_flow in flows.items():
        s = stride[level]
        assert level_flow.pairs == tuple((s * i, s * (i + 1))
                                         for i in range(8 // s - 1))


def test_video_frames_show_each_level_pair_covering_the_frame():
    frames = np.zeros((8, 4, 4, 3), dtype=np.uint8)
    directions = [(1, 0), (0, 1), (-1, 0), (0, -1)]

    def level(num_pairs, stride):
        flow = np.stack([np.broadcast_to(constant_flow(
            *directions[i % 4]), (2, 4, 4)) for i in range(num_pairs)])
        return flow, tuple((stride * i, stride * (i + 1))
                           for i in range(num_pairs))

    flows = {1: level(7, 1), 2: level(3, 2)}
    video = flow_video_frames(frames, flows)
    assert video.shape == (7, 4, 12, 3)
    wheel = {d: tuple(flow_to_color(constant_flow(*d))[0, 0])
             for d in directions}
    for t in range(7):
        assert tuple(video[t, 0, 4]) == wheel[directions[t % 4]]
        # level 2 pairs (0, 2), (2, 4), (4, 6); frame 6 keeps the last
        pair = min(t // 2, 2)
        assert tuple(video[t, 0, 8]) == wheel[directions[pair]], t


def test_levels_without_a_flow_head_are_named():
    model = MODELS.build(flow_model_cfg(levels=(1, 2)))
    assert check_flow_levels(model) == (1, 2)
    with pytest.raises(ValueError, match=r'level 3 has no flow head.*\[1, 2\]'):
        check_flow_levels(model, [1, 3])
    bare = MODELS.build(flow_model_cfg(levels=()))
    with pytest.raises(ValueError, match='no FlowReconstructionHead'):
        check_flow_levels(bare)


def test_visualize_flow_tool_writes_grids_and_video(tmp_path,
                                                    rendered_benchmark):
    import decord
    config, ckpt = write_model(tmp_path, flow_model_cfg(levels=(1, 2)))
    video = osp.join(rendered_benchmark['data_prefix'],
                     'val/move_left_0000.mp4')
    out = tmp_path / 'out'
    result = load_tool('visualize_flow').main(
        [config, ckpt, video, '--out-dir', str(out), '--levels', '1', '2',
         '--clip-len', '8', '--size', '64'])
    frames = read_video_clip(video, 8, 64)
    for level, rows in ((1, 7), (2, 3)):
        grid = cv2.imread(str(out / f'flow_l{level}.png'))[..., ::-1]
        assert grid.shape == (rows * 64, 3 * 64, 3)
        assert result['pngs'][level] == str(out / f'flow_l{level}.png')
        # row 0 shows the pair's two frames, then the flow colour
        step = 1 if level == 1 else 2
        assert np.array_equal(grid[:64, :64], frames[0])
        assert np.array_equal(grid[:64, 64:128], frames[step])
    reader = decord.VideoReader(str(out / 'flow.mp4'))
    assert len(reader) == 7
    assert reader[0].shape == (64, 3 * 64, 3)


def test_flow_tool_errors(tmp_path, rendered_benchmark):
    tool = load_tool('visualize_flow')
    config, ckpt = write_model(tmp_path, flow_model_cfg(levels=(1, 2)))
    video = osp.join(rendered_benchmark['data_prefix'],
                     'val/move_up_0000.mp4')
    missing = str(tmp_path / 'missing.pth')
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        tool.main([config, missing, video, '--out-dir', str(tmp_path)])
    with pytest.raises(ValueError, match=r'level 3 .*\[1, 2\]'):
        tool.main([config, ckpt, video, '--out-dir', str(tmp_path),
                   '--levels', '3'])
    with pytest.raises(FileNotFoundError, match='nope.mp4'):
        tool.main([config, ckpt, str(tmp_path / 'nope.mp4'), '--out-dir',
                   str(tmp_path)])
    # a deploy checkpoint (no side branch) would show random flow
    config, deploy = write_model(tmp_path, flow_model_cfg(), 'deploy',
                                 drop_prefix='motion_heads.')
    with pytest.raises(ValueError, match='holds no weights'):
        tool.main([config, deploy, video, '--out-dir', str(tmp_path)])


def make_runner(model, iteration):
    return SimpleNamespace(model=model, iter=iteration,
                           visualizer=mock.MagicMock(),
                           logger=mock.MagicMock())


def random_batch():
    clip = torch.randint(0, 256, (1, 3, 8, 64, 64), dtype=torch.uint8)
    return dict(inputs=[clip], data_samples=[ActionDataSample()])


def test_hook_logs_a_grid_every_interval_and_leaves_the_model_as_it_was():
    model = MODELS.build(flow_model_cfg(levels=(1, 2))).train()
    frozen = model.backbone.backbone.conv1
    frozen.eval()  # as a freeze hook leaves a frozen stage
    stats = {k: v.clone() for k, v in model.state_dict().items()}
    hook = HOOKS.build(dict(type='FlowVisualizationHook', interval=2))
    assert hook.priority == 'LOW'
    runner = make_runner(nn.DataParallel(model), 0)
    hook.before_train(runner)
    batch = random_batch()
    hook.after_train_iter(runner, 0, batch)
    runner.visualizer.add_image.assert_not_called()
    runner.iter = 1
    hook.after_train_iter(runner, 1, batch)
    calls = runner.visualizer.add_image.call_args_list
    assert [c.args[0] for c in calls] == ['flow_l1', 'flow_l2']
    assert all(c.kwargs['step'] == 1 for c in calls)
    grid = calls[0].args[1]
    assert grid.dtype == np.uint8 and grid.shape == (7 * 64, 3 * 64, 3)
    assert calls[1].args[1].shape == (3 * 64, 3 * 64, 3)
    frame0 = batch['inputs'][0][0].permute(1, 2, 3, 0)[0].numpy()
    assert np.abs(grid[:64, :64].astype(int) - frame0).max() <= 1
    # no BN statistics updated, every module back in its own mode
    for key, value in model.state_dict().items():
        assert torch.equal(value, stats[key]), key
    assert model.training and not frozen.training
    assert model.backbone.backbone.layer1.training


def test_hook_without_flow_head_is_a_noop_logged_once():
    model = MODELS.build(flow_model_cfg(levels=()))
    hook = HOOKS.build(dict(type='FlowVisualizationHook', interval=1))
    runner = make_runner(model, 0)
    hook.before_train(runner)
    for i in range(3):
        runner.iter = i
        hook.after_train_iter(runner, i, random_batch())
    runner.visualizer.add_image.assert_not_called()
    assert runner.logger.info.call_count == 1
    assert 'no FlowReconstructionHead' in runner.logger.info.call_args[0][0]


def test_hook_checks_its_arguments():
    with pytest.raises(ValueError, match='interval'):
        HOOKS.build(dict(type='FlowVisualizationHook', interval=0))
    hook = HOOKS.build(dict(type='FlowVisualizationHook', levels=[2]))
    model = MODELS.build(flow_model_cfg(levels=(1, )))
    with pytest.raises(ValueError, match=r'level 2 .*\[1\]'):
        hook.before_train(make_runner(model, 0))


def test_clips_are_read_from_the_middle_short_side_resized_and_cropped(
        tmp_path):
    from mmhcml.datasets.synthetic_motion import write_video
    frames = np.zeros((12, 32, 64, 3), dtype=np.uint8)
    frames[:, :, 16:48, 0] = 250  # red: the centre half of a 2:1 video
    frames[..., 1] = (20 + 15 * np.arange(12)).reshape(12, 1, 1)  # green: t
    write_video(tmp_path / 'wide.mp4', frames)
    clip = read_video_clip(str(tmp_path / 'wide.mp4'), 4, 32,
                           frame_interval=2)
    assert clip.shape == (4, 32, 32, 3)
    assert clip[..., 0].min() > 200  # the crop is the centre
    # 7 frames span 4 frames at interval 2: from (12 - 7) // 2 = 2 on
    np.testing.assert_allclose(clip[..., 1].mean(axis=(1, 2)),
                               20 + 15 * np.array([2, 4, 6, 8]), atol=5)
    raw = read_video_clip(str(tmp_path / 'wide.mp4'), 12, 64)
    assert raw.shape == (12, 64, 64, 3)
    with pytest.raises(ValueError, match='has 12 frames.*needs 13'):
        read_video_clip(str(tmp_path / 'wide.mp4'), 7, 32, frame_interval=2)
