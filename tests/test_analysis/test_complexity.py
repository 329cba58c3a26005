import subprocess
import sys

from mmaction.registry import MODELS
from mmhcml.analysis import model_complexity
from tests.conftest import tiny_model_cfg


def test_cost_volume_is_counted_analytically():
    model = MODELS.build(tiny_model_cfg())
    c = model_complexity(model, (1, 1, 3, 8, 64, 64))
    # reduced widths 4, 8, 16 (beta=2) on 16x16x8, 8x8x4, 4x4x2; M = 25
    expected = sum(t * h * h * ch * (25 + 2)
                   for ch, t, h in ((4, 8, 16), (8, 4, 8), (16, 2, 4)))
    assert c['cost_volume_flops'] == expected
    plain = MODELS.build(tiny_model_cfg(heads=(), levels=(1, )))
    assert c['flops'] > model_complexity(plain, (1, 1, 3, 8, 64, 64))['flops']
    side = sum(p.numel() for p in model.motion_heads.parameters())
    assert c['params'] - c['inference_params'] == side > 0


def test_get_flops_tool_prints_ratio():
    out = subprocess.run(
        [sys.executable, 'tools/analysis/get_flops.py',
         'configs/hcml/synthetic/hcml_tiny_joint_synthetic.py', '--shape', '8',
         '64', '64'], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'GFLOPs' in out.stdout and 'cost volume' in out.stdout


def test_folded_fusion_counts_the_conv_multiply_adds(monkeypatch):
    """g^l runs as one baddbmm: its product counts like the 1x1x1 conv."""
    import mmhcml.models.backbones.hcml_backbone as hb
    model = MODELS.build(tiny_model_cfg(heads=()))
    folded = model_complexity(model, (1, 1, 3, 8, 64, 64))['flops']
    monkeypatch.setattr(hb, 'conv_bn_residual',
                        lambda res, x, conv, bn: res + bn(conv(x)))
    modules = model_complexity(model, (1, 1, 3, 8, 64, 64))['flops']
    # the module path also counts BN's element-wise work (MMEngine: 2 per
    # output); without the baddbmm handle the conv's multiply-adds would be
    # missing, which is more
    shapes = ((8, 8, 16), (16, 4, 8), (32, 2, 4))  # (C, T, H = W) per level
    bn_elems = sum(c * t * h * h for c, t, h in shapes)
    conv_macs = sum(c // 2 * c * t * h * h for c, t, h in shapes)
    assert modules - folded == 2 * bn_elems < conv_macs
