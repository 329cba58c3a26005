"""The ``upsample='convex'`` switch of FlowReconstructionHead (RAFT's convex
upsampling) against hand-computed values; ``'bilinear'`` (the paper) beside it."""
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
