"""Soft-argmax of the cost volume (opt-in ``PrimeMotionBlock(soft_argmax=True)``):
expected displacements computed by hand, the (dx, dy) order of the flow,
the direction of the cost volume, the extra channels of ``P``, config checks."""
import math

import pytest
import torch
from mmengine import Config

from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmhcml.models.ops import backward_warp, soft_argmax_displacement


def one_hot_costs(index, count=9, value=1.0, size=(1, 1)):
    costs = torch.zeros(1, count, *size)
    costs[0, index] = value
    return costs


def test_a_sharp_peak_gives_its_displacement_as_dx_dy():
    # d=1, s=1: channel k is dy = k // 3 - 1, dx = k % 3 - 1; k = 5 is
    # (dy, dx) = (0, +1), k = 1 is (-1, 0)
    out = soft_argmax_displacement(one_hot_costs(5), 1, 1, 1e-3)
    torch.testing.assert_close(out[0, :, 0, 0], torch.tensor([1.0, 0.0]))
    out = soft_argmax_displacement(one_hot_costs(1), 1, 1, 1e-3)
    torch.testing.assert_close(out[0, :, 0, 0], torch.tensor([0.0, -1.0]))


def test_expected_displacement_by_hand():
    # costs 1 at (dy, dx) = (+1, +1) (k = 8), 0 elsewhere, tau = 1:
    # p_8 = e / (e + 8), the other eight 1 / (e + 8); their dx (and dy) sum
    # to -1 (the grid's sum, 0, less k = 8's +1), so
    # d = ((e - 1) / (e + 8)) * (1, 1)
    out = soft_argmax_displacement(one_hot_costs(8), 1, 1, 1.0)
    expected = (math.e - 1) / (math.e + 8)
    torch.testing.assert_close(out[0, :, 0, 0],
                               torch.tensor([expected, expected]))


def test_stride_scales_the_grid_and_high_temperature_gives_zero():
    # d=4, s=2: 25 displacements in steps of 2; k = 24 is (+4, +4)
    out = soft_argmax_displacement(one_hot_costs(24, 25), 4, 2, 1e-3)
    torch.testing.assert_close(out[0, :, 0, 0], torch.tensor([4.0, 4.0]))
    out = soft_argmax_displacement(one_hot_costs(24, 25), 4, 2, 1e6)
    torch.testing.assert_close(out[0, :, 0, 0], torch.zeros(2),
                               atol=1e-5, rtol=0)


def test_any_trailing_dims_and_float32_output():
    costs = torch.randn(2, 9, 3, 4, 5, dtype=torch.float64)
    out = soft_argmax_displacement(costs, 1, 1, 0.5)
    assert out.shape == (2, 2, 3, 4, 5) and out.dtype == torch.float32
    torch.testing.assert_close(
        out[1, :, 2, 3, 4],
        soft_argmax_displacement(costs[1:2, :, 2, 3, 4], 1, 1, 0.5)[0])


@pytest.mark.parametrize('costs,temperature,match', [
    (torch.zeros(1, 8, 2, 2), 0.1, r'expects \(N, 9, ...\) costs'),
    (torch.zeros(1, 9, 2, 2), 0.0, 'temperature must be one value > 0'),
    (torch.zeros(1, 9, 2, 2), -1.0, 'temperature must be one value > 0'),
])
def test_bad_inputs_are_named(costs, temperature, match):
    with pytest.raises(ValueError, match=match):
        soft_argmax_displacement(costs, 1, 1, temperature)


def test_block_appends_the_displacement_that_undoes_a_shift():
    """Frame t + 1 is frame t moved 2 px right and 1 px down; the flow of
    frame t (``I_t(p) = I_t+1(p + flow)``, backward_warp's convention) is
    then (+2, +1) in the interior, and the appended channels must say so."""
    torch.manual_seed(0)
    pmb = MODELS.build(
        dict(type='PrimeMotionBlock', in_channels=32, reduction=1,
             max_displacement=3, stride=1, soft_argmax=True,
             soft_argmax_temperature=0.01))
    pmb.eval()  # BN at its initial running statistics: the identity
    with torch.no_grad():  # reduce = identity, so ReLU(x) is matched
        pmb.reduce.conv.weight.copy_(torch.eye(32).view(32, 32, 1, 1, 1))
    first = torch.randn(1, 32, 20, 20)
    second = torch.roll(first, shifts=(1, 2), dims=(2, 3))
    x = torch.stack([first, second], dim=2)  # (1, 32, 2, 20, 20)
    with torch.no_grad():
        out = pmb(x)
    assert out.shape == (1, 34, 2, 20, 20) and pmb.out_channels == 34
    inner = out[0, -2:, 0, 4:-4, 4:-4]
    torch.testing.assert_close(inner[0], torch.full_like(inner[0], 2.0),
                               atol=1e-3, rtol=0)
    torch.testing.assert_close(inner[1], torch.full_like(inner[1], 1.0),
                               atol=1e-3, rtol=0)
    # that flow warps frame t + 1 back onto frame t (an independent check of
    # the direction)
    flow = out[:, -2:, 0]
    warped, _ = backward_warp(second, flow)
    torch.testing.assert_close(warped[..., 4:-4, 4:-4],
                               first[..., 4:-4, 4:-4], atol=1e-3, rtol=0)
    # the last frame is paired with itself: no motion
    torch.testing.assert_close(out[0, -2:, 1], torch.zeros(2, 20, 20),
                               atol=1e-3, rtol=0)


def test_block_without_soft_argmax_is_the_paper_block():
    paper = MODELS.build(dict(type='PrimeMotionBlock', in_channels=8))
    assert paper.out_channels == paper.fuse_channels == 2
    assert not hasattr(paper, 'log_temperature')
    extra = MODELS.build(dict(type='PrimeMotionBlock', in_channels=8,
                              soft_argmax=True))
    assert extra.fuse_channels == 2 and extra.out_channels == 4
    torch.testing.assert_close(extra.log_temperature.exp(),
                               torch.tensor(0.1))
    # the fused channels are the paper block's, given the same weights
    paper_state = {k: v for k, v in extra.state_dict().items()
                   if k != 'log_temperature'}
    paper.load_state_dict(paper_state)
    x = torch.randn(2, 8, 3, 6, 6)
    paper.train(), extra.train()
    torch.testing.assert_close(extra(x)[:, :2], paper(x))


def test_temperature_is_learned():
    pmb = MODELS.build(dict(type='PrimeMotionBlock', in_channels=4,
                            reduction=1, max_displacement=2, stride=1,
                            soft_argmax=True))
    out = pmb(torch.randn(1, 4, 3, 8, 8))
    out[:, -2:].pow(2).sum().backward()
    assert pmb.log_temperature.grad is not None
    assert pmb.log_temperature.grad.abs() > 0


def test_backbone_and_flow_head_take_the_extra_channels():
    """The tiny stage-1 model with the switch: ``P^1`` has 2 more channels,
    the flow head reads them, and one training step moves the
    temperature."""
    cfg = Config.fromfile('configs/hcml/tiny/stage1_synthetic.py')
    cfg.model.backbone.motion_block.soft_argmax = True
    model = MODELS.build(cfg.model)
    model.init_weights()
    plain = cfg.model.backbone.motion_block.copy()
    plain.soft_argmax = False
    assert model.backbone.motion_channels(1) == MODELS.build(
        dict(plain, in_channels=16)).out_channels + 2
    head = model.motion_heads['rec_l1']
    assert head.in_channels == model.backbone.motion_channels(1)
    # the flow head's zero-initialised output can first learn from P, so
    # train it one step before asking for the temperature's gradient
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    torch.manual_seed(0)
    frames = torch.randn(2, 1, 3, 8, 32, 32)
    for _ in range(2):
        losses = model(frames, [ActionDataSample(), ActionDataSample()],
                       mode='loss')
        optimizer.zero_grad()
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        optimizer.step()
    block = model.backbone.motion_blocks['level1']
    assert block.log_temperature.grad.abs() > 0


@pytest.mark.parametrize('kwargs,match', [
    (dict(soft_argmax=1), 'soft_argmax must be a bool, got 1'),
    (dict(soft_argmax_temperature=0), 'soft_argmax_temperature must be a '
     'number > 0, got 0'),
    (dict(soft_argmax_temperature='0.1'), 'soft_argmax_temperature must be '
     "a number > 0, got '0.1'"),
])
def test_block_rejects_bad_soft_argmax_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='PrimeMotionBlock', in_channels=8, **kwargs))
