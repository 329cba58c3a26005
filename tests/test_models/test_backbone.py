import copy

import pytest
import torch
from mmengine import Config

from mmaction.registry import MODELS
from mmhcml.models.backbones import level_features
from tests.conftest import TINY_R2D

BASES = 'configs/hcml/_base_/models/'


def build_wrapper(backbone=None, **kwargs):
    cfg = dict(type='HCMLBackbone', backbone=backbone or copy.deepcopy(TINY_R2D),
               motion_block=dict(type='PrimeMotionBlock', reduction=2,
                                 max_displacement=2, stride=1))
    cfg.update(kwargs)
    return MODELS.build(cfg)


@pytest.mark.parametrize('t', [2, 4, 8])
def test_shapes_for_clip_lengths(t):
    backbone = copy.deepcopy(TINY_R2D)
    backbone['temporal_strides'] = (1, 1, 1, 1)
    model = build_wrapper(backbone)
    out, motion = model(torch.randn(2, 3, t, 64, 64), return_motion=True)
    assert out.shape == (2, 64, t, 2, 2)
    assert motion[1].shape == (2, 4, t, 16, 16)
    assert motion[2].shape == (2, 8, t, 8, 8)
    assert motion[3].shape == (2, 16, t, 4, 4)


def test_r2d_layout_halves_time_at_res3_and_res4():
    model = build_wrapper()
    out, motion = model(torch.randn(1, 3, 8, 64, 64), return_motion=True)
    assert [motion[lv].shape[2] for lv in (1, 2, 3)] == [8, 4, 2]
    assert out.shape[2] == 2


def test_motion_fuses_into_the_next_stage():
    model = build_wrapper(levels=(1, ))
    x = torch.randn(1, 3, 4, 32, 32)
    model.eval()
    before = model(x)
    with torch.no_grad():
        model.motion_fuses.level1.bn.weight.zero_()
        model.motion_fuses.level1.bn.bias.zero_()
    plain = model.backbone(x)  # eval mode already (model.eval())
    torch.testing.assert_close(model(x), plain)
    assert not torch.allclose(before, plain)


@pytest.mark.parametrize('levels', [(0, ), (1, 5), (2, 2)])
def test_invalid_levels(levels):
    with pytest.raises(ValueError, match='levels'):
        build_wrapper(levels=levels)


def test_wraps_x3d_another_mmaction2_backbone():
    x3d = dict(type='X3D', gamma_w=0.5, gamma_b=1.0, gamma_d=0.5,
               pretrained=None)
    model = build_wrapper(x3d)
    x = torch.randn(1, 3, 4, 32, 32)
    out, motion = model(x, return_motion=True)
    assert out.shape[:2] == model.backbone(x).shape[:2]
    assert set(motion) == {1, 2, 3}
    assert motion[1].shape[2:] == (4, 8, 8)


def test_rejects_backbone_without_stages():
    with pytest.raises(TypeError, match='res_layers'):
        build_wrapper(dict(type='C3D', pretrained=None))


def test_paper_backbones_match_table8():
    r2d = Config.fromfile(BASES + 'backbones.py')
    for name, depth, temporal in (('r2d50', 50, 0), ('r2plus1d101', 101, 23 + 3)):
        model = build_wrapper(dict(r2d[name]))
        model.eval()
        blocks = [len(model.stage(lv)) for lv in range(1, model.num_levels + 1)]
        assert blocks == ([3, 4, 6, 3] if depth == 50 else [3, 4, 23, 3])
        kernels = [m.kernel_size for m in model.modules()
                   if isinstance(m, torch.nn.Conv3d)]
        assert sum(k == (3, 1, 1) for k in kernels) == temporal
        assert all(k[0] == 1 for k in kernels if k != (3, 1, 1))
        if depth == 50:
            with torch.no_grad():
                out, motion = model(torch.randn(1, 3, 8, 64, 64),
                                    return_motion=True)
            assert out.shape == (1, 2048, 2, 2, 2)
            assert [tuple(motion[lv].shape[1:3]) for lv in (1, 2, 3)] == [
                (128, 8), (256, 4), (512, 2)]  # C / beta, beta = 2 here


def test_zero_init_fuse_leaves_backbone_features_unchanged():
    """With g^l's BN at zero, Z^l = F^l: the wrapped backbone's own output."""
    x = torch.randn(2, 3, 8, 32, 32)
    model = build_wrapper(zero_init_fuse=True)
    model.init_weights()
    model.eval()
    torch.testing.assert_close(model(x), model.backbone(x), rtol=0, atol=0)
    for fuse in model.motion_fuses.values():
        assert fuse.bn.weight.abs().sum() == 0 and fuse.bn.bias.abs().sum() == 0
    random_g = build_wrapper(zero_init_fuse=False)
    random_g.init_weights()
    random_g.eval()
    assert not torch.allclose(random_g(x), random_g.backbone(x))


def test_zero_init_fuse_rejects_non_bool():
    with pytest.raises(ValueError, match='zero_init_fuse'):
        build_wrapper(zero_init_fuse=1)


def test_stage1_leaves_g1_as_initialised_and_fused():
    """Stage 1 trains on L_rec only: g^1 gets no gradient, so its weights
    stay as initialised (non-zero: the paper's form), and Z^1 = F^1 +
    g^1(P^1) differs from F^1, so the next stages see level-1 motion."""
    from tests.conftest import tiny_model_cfg
    model = MODELS.build(tiny_model_cfg(with_cls_head=False, heads=('rec', )))
    model.init_weights()
    g1 = model.backbone.motion_fuses.level1
    before = {k: v.clone() for k, v in g1.named_parameters()}
    assert before['bn.weight'].abs().min() > 0
    optim = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    clips = torch.rand(2, 1, 3, 8, 32, 32) * 255
    for _ in range(2):
        losses = model.loss(clips, None)
        optim.zero_grad()
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        optim.step()
    assert g1.bn.weight.grad is None or g1.bn.weight.grad.abs().sum() == 0
    for name, value in g1.named_parameters():
        torch.testing.assert_close(value, before[name], rtol=0, atol=0)
    model.eval()
    x = torch.randn(1, 3, 8, 32, 32)
    backbone = model.backbone
    plain = level_features(backbone.backbone, x, max_level=1)
    z1, _ = backbone(x, return_motion=True, max_level=1)
    assert (z1 - plain.features[1]).abs().max() > 1e-3
