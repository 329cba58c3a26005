"""tools/test.py --show-dir / --interval draw the predictions of HCML's
multi-view test pipeline (ClipVisualizationHook)."""
import os
import os.path as osp
import subprocess
import sys
from argparse import Namespace

import pytest
import torch
from mmengine import Config

from mmaction.registry import MODELS
from mmhcml.cli.test import enable_visualization
from tests.conftest import data_overrides

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs/hcml/tiny/hcml_tiny_joint_synthetic.py')


def args(**kw):
    base = dict(show=False, show_dir=None, interval=1, wait_time=2.)
    return Namespace(**{**base, **kw})


def test_visualization_hook_settings_from_the_arguments():
    cfg = Config(dict(default_hooks=dict(
        visualization=dict(type='VisualizationHook', enable=False,
                           draw_score=False))))
    enable_visualization(cfg, args(show_dir='vis', interval=7, wait_time=0.5))
    assert cfg.default_hooks.visualization == dict(
        type='ClipVisualizationHook', enable=True, show=False,
        wait_time=0.5, interval=7, out_dir='vis', draw_score=False)
    untouched = Config(dict(default_hooks=dict()))
    enable_visualization(untouched, args())
    assert 'visualization' not in untouched.default_hooks
    with pytest.raises(ValueError, match='--interval must be >= 1, got 0'):
        enable_visualization(untouched, args(show=True, interval=0))


def test_show_dir_draws_every_interval_th_clip(rendered_benchmark, tmp_path):
    cfg = Config.fromfile(CONFIG)
    checkpoint = tmp_path / 'tiny.pth'
    torch.save({'state_dict': MODELS.build(cfg.model).state_dict(),
                'meta': {}}, checkpoint)
    out = tmp_path / 'vis'
    result = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools/test.py'), CONFIG,
         str(checkpoint), '--work-dir', str(tmp_path / 'work'),
         '--show-dir', str(out), '--interval', '5', '--cfg-options',
         *data_overrides(rendered_benchmark)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # 14 validation clips (30 views each), every 5th: clips 0, 5 and 10
    drawn = sorted(os.listdir(out))
    assert len(drawn) == 3, drawn
    frames = [f for _, _, files in os.walk(out / drawn[0]) for f in files]
    # the first view's 8 frames
    assert len(frames) == 8 and all(f.endswith('.png') for f in frames)
