"""The flow tool (tools/analysis/visualize_flow.py, Fig. 3) and the tiny
flow models the flow tests share. The colours, the flow prediction and the
hook are tested beside their modules (test_visualization/, test_models/,
test_engine/)."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmaction.registry import MODELS
from mmhcml.apis import read_video_clip
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


