"""The upsampling switches of FlowReconstructionHead against hand-computed
values: ``'convex'`` (RAFT), ``'guided'`` (a residual from the frames at
frame size), ``'bilinear'`` (the paper) beside them."""
import pytest
import torch

from mmhcml.models.heads.flow_reconstruction_head import (
    FlowReconstructionHead, convex_upsample_flow)


def _logits(favour, factor=2, h=3, w=3, only=None, value=50.0):
    """Logits that pick neighbour ``favour`` (0..8) for every sub-pixel, or
    for the sub-pixels in ``only`` (a list of (a, b)) and the centre for
    the others."""
    mask = torch.zeros(1, 9, factor, factor, h, w)
    for a in range(factor):
        for b in range(factor):
            k = favour if only is None or (a, b) in only else 4
            mask[0, k, a, b] = value
    return mask.view(1, 9 * factor * factor, h, w)


def test_uniform_logits_give_the_scaled_3x3_mean():
    flow = torch.zeros(1, 2, 3, 3)
    flow[:, 0] = 1.0  # u = 1 coarse pixel everywhere, v = 0
    up = convex_upsample_flow(flow, torch.zeros(1, 36, 3, 3), 2)
    assert up.shape == (1, 2, 6, 6)
    # factor 2 x (in-grid neighbours / 9): corner 4/9, edge 6/9, centre 9/9
    expected_cells = torch.tensor([[8 / 9, 12 / 9, 8 / 9],
                                   [12 / 9, 2.0, 12 / 9],
                                   [8 / 9, 12 / 9, 8 / 9]])
    expected = expected_cells.repeat_interleave(2, 0).repeat_interleave(2, 1)
    torch.testing.assert_close(up[0, 0], expected)
    torch.testing.assert_close(up[0, 1], torch.zeros(6, 6))


def test_centre_logit_gives_nearest_neighbour_times_factor():
    flow = torch.arange(18.0).view(1, 2, 3, 3)
    up = convex_upsample_flow(flow, _logits(4), 2)
    expected = 2 * flow.repeat_interleave(2, 2).repeat_interleave(2, 3)
    torch.testing.assert_close(up, expected)


def test_right_neighbour_logit_shifts_by_one_cell():
    flow = torch.zeros(1, 2, 3, 3)
    flow[0, 0] = torch.tensor([[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]])
    # k = 5 is (di, dj) = (0, +1): each cell takes its right neighbour's flow
    up = convex_upsample_flow(flow, _logits(5), 2)
    expected_cells = torch.tensor([[4., 6., 0.], [10., 12., 0.],
                                   [16., 18., 0.]])
    expected = expected_cells.repeat_interleave(2, 0).repeat_interleave(2, 1)
    torch.testing.assert_close(up[0, 0], expected)


def test_logits_are_per_sub_pixel():
    flow = torch.zeros(1, 2, 3, 3)
    flow[0, 1] = torch.tensor([[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]])
    # sub-pixel (a, b) = (0, 1) of each cell takes its upper-left neighbour
    # (k = 0), the other three sub-pixels the cell itself
    up = convex_upsample_flow(flow, _logits(0, only=[(0, 1)]), 2)
    v = up[0, 1]
    assert v[2, 3] == pytest.approx(2 * 1.0)   # cell (1, 1), sub (0, 1)
    assert v[3, 2] == pytest.approx(2 * 5.0)   # cell (1, 1), sub (1, 0)
    assert v[2, 2] == pytest.approx(2 * 5.0)   # cell (1, 1), sub (0, 0)
    assert v[4, 5] == pytest.approx(2 * 5.0)   # cell (2, 2), sub (0, 1) <- (1, 1)
    assert v[5, 5] == pytest.approx(2 * 9.0)   # cell (2, 2), sub (1, 1)
    assert v[0, 1] == pytest.approx(0.0)       # cell (0, 0) <- outside
    assert v[0, 0] == pytest.approx(2 * 1.0)   # cell (0, 0), sub (0, 0)
    torch.testing.assert_close(up[0, 0], torch.zeros(6, 6))


def _head(upsample):
    head = FlowReconstructionHead(in_channels=4, dense_channels=(3, 3),
                                  upsample=upsample)
    head.init_weights()
    with torch.no_grad():  # coarse flow u = 1 everywhere: weights 0, bias 1
        head.predict_flow.bias.copy_(torch.tensor([1.0, 0.0]))
    return head


def test_head_convex_starts_as_the_3x3_mean_and_bilinear_is_the_paper():
    feats = torch.rand(2, 4, 3, 3, 3)  # N=2, T=3 -> 2 pairs each
    convex = _head('convex').pair_flow(feats, (12, 12))
    assert convex.shape == (4, 2, 12, 12)
    # factor 4: interior cell 4, top-edge cell 4 * 6/9, corner 4 * 4/9
    assert convex[0, 0, 5, 5].item() == pytest.approx(4.0)
    assert convex[0, 0, 0, 5].item() == pytest.approx(4 * 6 / 9)
    assert convex[3, 0, 11, 11].item() == pytest.approx(4 * 4 / 9)
    bilinear = _head('bilinear').pair_flow(feats, (12, 12))
    torch.testing.assert_close(bilinear, torch.full_like(bilinear, 4.0)
                               * torch.tensor([1., 0.]).view(1, 2, 1, 1))


def test_head_convex_mask_learns_from_the_loss():
    head = _head('convex')
    with torch.no_grad():  # non-uniform coarse flow, so the weights matter
        head.predict_flow.weight.normal_()
    feats = torch.rand(1, 4, 3, 3, 3)
    frames = torch.rand(1, 3, 3, 12, 12)
    loss = head.loss((feats, ), frames)['loss_rec_l1']
    loss.backward()
    assert head.upsample_mask[-1].weight.grad.abs().sum() > 0


def test_convex_refuses_bad_settings():
    with pytest.raises(ValueError, match='upsample'):
        FlowReconstructionHead(in_channels=4, upsample='bicubic')
    with pytest.raises(ValueError, match='upsample_factor'):
        FlowReconstructionHead(in_channels=4, upsample='convex',
                               upsample_factor=0)
    head = _head('convex')
    with pytest.raises(ValueError, match='12x12'):
        head.pair_flow(torch.rand(1, 4, 3, 3, 3), (10, 12))
    with pytest.raises(ValueError, match='mask must have shape'):
        convex_upsample_flow(torch.zeros(1, 2, 3, 3),
                             torch.zeros(1, 9, 3, 3), 2)


def test_head_convex_checkpointed_gives_the_same_gradients():
    torch.manual_seed(0)
    plain = _head('convex')
    with torch.no_grad():
        plain.predict_flow.weight.normal_()
        plain.upsample_mask[-1].weight.normal_()
    ckpt = FlowReconstructionHead(in_channels=4, dense_channels=(3, 3),
                                  upsample='convex', with_cp=True)
    ckpt.load_state_dict(plain.state_dict())
    feats = torch.rand(1, 4, 3, 3, 3)
    frames = torch.rand(1, 3, 3, 12, 12)
    for head in (plain, ckpt):
        head.train()
        head.loss((feats, ), frames)['loss_rec_l1'].backward()
    for (name, a), b in zip(plain.named_parameters(), ckpt.parameters()):
        torch.testing.assert_close(a.grad, b.grad, msg=name)


class _Recorder(torch.nn.Module):
    """Stands in for the guided refinement: records its input, adds 0."""

    def forward(self, x):
        self.seen = x
        return torch.zeros_like(x[:, :2])


def test_head_guided_starts_as_bilinear_and_adds_its_residual():
    feats = torch.rand(1, 4, 3, 3, 3)
    frames = torch.rand(1, 3, 3, 12, 12)
    head = _head('guided')
    guided = head.pair_flow(feats, (12, 12), frames)
    bilinear = _head('bilinear').pair_flow(feats, (12, 12))
    torch.testing.assert_close(guided, bilinear)  # zero-initialised residual
    with torch.no_grad():
        head.refine[-1].bias.copy_(torch.tensor([0.5, -0.25]))
    shifted = head.pair_flow(feats, (12, 12), frames)
    torch.testing.assert_close(shifted[:, 0], torch.full((2, 12, 12), 4.5))
    torch.testing.assert_close(shifted[:, 1], torch.full((2, 12, 12), -0.25))


def test_head_guided_refinement_sees_flow_frame_and_warped_frame():
    head = _head('guided')  # coarse u = 1 -> 4 frame pixels to the right
    head.refine = _Recorder()
    ramp = torch.arange(12.0).view(1, 12).expand(12, 12) / 20
    frames = torch.zeros(1, 3, 2, 12, 12)
    frames[0, :, 0] = 0.3
    frames[0, :, 1] = ramp
    flow = head.pair_flow(torch.rand(1, 4, 2, 3, 3), (12, 12), frames)
    assert flow.shape == (1, 2, 12, 12)
    seen = head.refine.seen[0]
    assert seen.shape == (11, 12, 12)
    torch.testing.assert_close(seen[0], torch.full((12, 12), 4.0))
    torch.testing.assert_close(seen[1], torch.zeros(12, 12))
    torch.testing.assert_close(seen[2:5], torch.full((3, 12, 12), 0.3))
    # I_t+1 sampled at x + 4: (x + 4) / 20 where x + 4 is inside the frame
    inside = (torch.arange(12.0) + 4) / 20
    torch.testing.assert_close(seen[5, 0, :8], inside[:8])
    torch.testing.assert_close(seen[8, 0, :8], 0.3 - inside[:8])


def test_head_guided_needs_the_frames():
    head = _head('guided')
    with pytest.raises(ValueError, match='guided'):
        head.pair_flow(torch.rand(1, 4, 3, 3, 3), (12, 12))
    assert head.needs_frames and not _head('convex').needs_frames


def test_predict_flow_hands_the_guided_head_its_frames():
    from mmaction.registry import MODELS
    from mmhcml.models.recognizers.flow_prediction import flow_heads_by_level
    from tests.test_analysis.test_flow_vis import flow_model_cfg
    cfg = flow_model_cfg(levels=(1, ))
    cfg['motion_heads'][0].update(upsample='guided', upsample_channels=4)
    model = MODELS.build(cfg).eval()
    model.init_weights()
    head = flow_heads_by_level(model)[1]
    head.refine = _Recorder()
    clips = torch.randn(1, 3, 8, 32, 32)
    flow = model.predict_flow(clips)[1].flow
    assert flow.shape == (1, 7, 2, 32, 32)
    # the refinement saw frame t (channels 2-4) in [0, 1], not normalised
    expected = model.frames_in_unit_range(clips)[:, :, :7].transpose(
        1, 2).reshape(7, 3, 32, 32)
    torch.testing.assert_close(head.refine.seen[:, 2:5], expected)


def test_estimator_equals_its_convs_on_contiguous_input():
    """The CPU path runs the dense estimator (section 3.2) in channels-last
    layout; its flow and input gradient must equal the DenseNet chain
    written out with ``F.conv2d`` on a contiguous input."""
    import torch.nn.functional as F
    torch.manual_seed(0)
    head = FlowReconstructionHead(in_channels=6, dense_channels=(4, 3))
    torch.nn.init.normal_(head.predict_flow.weight, std=0.1)
    x = torch.randn(3, 6, 9, 11)

    def oracle(inp):
        for layer in head.dense:
            conv = layer[0]
            out = F.leaky_relu(
                F.conv2d(inp, conv.weight, conv.bias, padding=1), 0.1)
            inp = torch.cat([inp, out], dim=1)
        return F.conv2d(inp, head.predict_flow.weight,
                        head.predict_flow.bias, padding=1)

    x1 = x.clone().requires_grad_()
    x2 = x.clone().requires_grad_()
    flow = head.estimate(x1)
    expected = oracle(x2)
    torch.testing.assert_close(flow, expected, rtol=1e-5, atol=1e-6)
    grad = torch.randn_like(expected)
    flow.backward(grad)
    expected.backward(grad)
    torch.testing.assert_close(x1.grad, x2.grad, rtol=1e-5, atol=1e-6)
    assert flow.shape == (3, 2, 9, 11)
