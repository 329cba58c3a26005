"""Grad-CAM of a baseline and an HCML model (paper appendix B, Fig. 5)."""
import copy
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmaction.registry import MODELS
from mmhcml.analysis._panels import panel_figure_size
from mmhcml.analysis.gradcam import default_target_layer, gradcam_clip
from tests.conftest import TINY_PREPROCESSOR, TINY_R2D, tiny_model_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def baseline_cfg(depth=18):
    backbone = copy.deepcopy(TINY_R2D)
    backbone['depth'] = depth
    width = 64 if depth < 50 else 256
    return dict(type='Recognizer3D', backbone=backbone,
                cls_head=dict(type='I3DHead', num_classes=14,
                              in_channels=width),
                data_preprocessor=TINY_PREPROCESSOR)


def write_model(tmp_path, cfg, name):
    Config(dict(model=cfg, default_scope='mmaction')).dump(
        str(tmp_path / f'{name}.py'))
    torch.save({'state_dict': MODELS.build(cfg).state_dict(), 'meta': {}},
               tmp_path / f'{name}.pth')
    return str(tmp_path / f'{name}.py'), str(tmp_path / f'{name}.pth')


def random_frames(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (8, 64, 64, 3), dtype=np.uint8)


@pytest.mark.parametrize('cfg, expected', [
    (baseline_cfg(), 'backbone/layer4/1/relu'),
    (baseline_cfg(depth=50), 'backbone/layer4/2/relu'),
    (tiny_model_cfg(), 'backbone/backbone/layer4/1/relu'),
])
def test_default_target_layer_is_the_last_residual_block(cfg, expected):
    assert default_target_layer(MODELS.build(cfg)) == expected


def test_gradcam_clip_blends_a_heat_map_over_the_frames():
    model = MODELS.build(tiny_model_cfg(num_classes=14))
    frames = random_frames()
    result = gradcam_clip(model, frames)
    assert result.blended.shape == (8, 64, 64, 3)
    assert result.blended.dtype == np.uint8
    assert result.scores.shape == (14, )
    assert result.pred_label == int(result.scores.argmax())
    assert not np.array_equal(result.blended, frames)
    # alpha = 0 shows the frames alone, unchanged
    clear = gradcam_clip(MODELS.build(tiny_model_cfg(num_classes=14)),
                         frames, alpha=0.0)
    assert np.array_equal(clear.blended, frames)


def test_gradcam_errors_name_the_problem():
    model = MODELS.build(baseline_cfg())
    with pytest.raises(ValueError,
                       match="no submodule 'layer9'.*'backbone/layer4/1/relu'"):
        gradcam_clip(model, random_frames(), 'backbone/layer9/0/relu')
    headless = MODELS.build(tiny_model_cfg(with_cls_head=False))
    with pytest.raises(ValueError, match='no cls_head'):
        gradcam_clip(headless, random_frames())


def load_tool():
    path = osp.join(ROOT, 'tools', 'analysis', 'gradcam_compare.py')
    spec = importlib.util.spec_from_file_location('_tool_gradcam', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gradcam_tool_writes_the_comparison(tmp_path, rendered_benchmark):
    base_cfg, base_ckpt = write_model(tmp_path, baseline_cfg(), 'baseline')
    hcml_cfg, hcml_ckpt = write_model(
        tmp_path, tiny_model_cfg(num_classes=14), 'hcml')
    video = osp.join(rendered_benchmark['data_prefix'],
                     'val/rotate_clockwise_0000.mp4')
    out = str(tmp_path / 'figs' / 'gradcam.png')
    tool = load_tool()
    tool.main([base_cfg, base_ckpt, hcml_cfg, hcml_ckpt, video, '--out', out,
               '--label', 'rotate_clockwise', '--classes',
               rendered_benchmark['classes_file'], '--num-columns', '4',
               '--panel-size', '64'])
    image = cv2.imread(out)
    # 2 rows (baseline, HCML) x 4 frames of 64 px, row and frame titles
    assert image.shape == panel_figure_size(2, 4, 64, 16, 20) + (3, )
    assert image.shape == (2 * (20 + 16 + 64), 4 * 64, 3)
    # explicit layers, one per model
    tool.main([base_cfg, base_ckpt, hcml_cfg, hcml_ckpt, video, '--out', out,
               '--target-layer', 'backbone/layer4/0/relu',
               'backbone/backbone/layer3/1/relu', '--num-columns', '8'])
    assert cv2.imread(out).shape == (2 * (20 + 16 + 128), 8 * 128, 3)
    with pytest.raises(FileNotFoundError, match='gone.pth'):
        tool.main([base_cfg, str(tmp_path / 'gone.pth'), hcml_cfg, hcml_ckpt,
                   video, '--out', out])
    with pytest.raises(ValueError, match='--label'):
        tool.main([base_cfg, base_ckpt, hcml_cfg, hcml_ckpt, video, '--out',
                   out, '--label', 'no_such_class'])
