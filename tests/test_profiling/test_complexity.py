import subprocess
import sys

from mmaction.registry import MODELS
from mmhcml.profiling import model_complexity
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
        [sys.executable, 'tools/profiling/get_flops.py',
         'configs/hcml/tiny/hcml_tiny_joint_synthetic.py', '--shape', '8',
         '64', '64'], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'GFLOPs' in out.stdout and 'cost volume' in out.stdout


def test_fusion_counts_as_its_conv_and_bn(monkeypatch):
    """g^l runs folded in training and inference, but is counted as the
    conv + BN it computes (the analyzer's hooks make it run the modules)."""
    import mmhcml.models.backbones.hcml_backbone as hb
    from mmhcml.models.ops import conv_bn_residual
    model = MODELS.build(tiny_model_cfg(heads=()))
    calls = []

    def spy(*args):
        calls.append(bool(args[2]._forward_hooks))
        return conv_bn_residual(*args)

    monkeypatch.setattr(hb, 'conv_bn_residual', spy)
    counted = model_complexity(model, (1, 1, 3, 8, 64, 64))['flops']
    assert calls and all(calls)  # hooked while counting: modules ran
    monkeypatch.setattr(hb, 'conv_bn_residual',
                        lambda res, x, conv, bn: res + bn(conv(x)))
    assert model_complexity(model, (1, 1, 3, 8, 64, 64))['flops'] == counted
