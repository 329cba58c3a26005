import pytest
import torch

from mmaction.registry import MODELS
from mmhcml.models.losses import charbonnier, photometric_loss, smoothness_loss
from mmhcml.models.ops import backward_warp, upsample_flow


def constant_flow(u, v, b=1, h=12, w=16):
    flow = torch.zeros(b, 2, h, w)
    flow[:, 0], flow[:, 1] = u, v
    return flow


@pytest.mark.parametrize('dx,dy', [(3, 0), (0, -2), (2, 1)])
def test_warp_by_known_translation_reconstructs_frame(dx, dy):
    frame_t = torch.rand(2, 3, 12, 16)
    # Content moves by (dx, dy) from t to t+1.
    frame_t1 = torch.roll(frame_t, shifts=(dy, dx), dims=(2, 3))
    warped, mask = backward_warp(frame_t1, constant_flow(dx, dy, b=2))
    valid = mask.bool().expand_as(warped)
    torch.testing.assert_close(warped[valid], frame_t[valid])
    assert valid.float().mean() > 0.5


def test_zero_flow_is_identity():
    frame = torch.rand(2, 3, 9, 7)
    warped, mask = backward_warp(frame, torch.zeros(2, 2, 9, 7))
    torch.testing.assert_close(warped, frame)
    assert (mask == 1).all()


def test_out_of_bound_mask_is_exact():
    h, w, u, v = 12, 16, 2.5, -1.25
    _, mask = backward_warp(torch.rand(1, 1, h, w), constant_flow(u, v, h=h, w=w))
    ys, xs = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(),
                            indexing='ij')
    expected = ((xs + u <= w - 1) & (xs + u >= 0) & (ys + v >= 0) &
                (ys + v <= h - 1)).float()
    torch.testing.assert_close(mask[0, 0], expected)
    # columns 0..12 (x + 2.5 <= 15) and rows 2..11 (y - 1.25 >= 0) are valid
    assert int(mask.sum()) == 13 * 10


def test_upsample_flow_scales_values():
    flow = constant_flow(1.0, -0.5, h=4, w=8)
    up = upsample_flow(flow, (16, 24))
    assert up.shape == (1, 2, 16, 24)
    torch.testing.assert_close(up[:, 0], torch.full((1, 16, 24), 3.0))
    torch.testing.assert_close(up[:, 1], torch.full((1, 16, 24), -2.0))


def test_charbonnier_floor_and_finiteness():
    floor = 1e-3**(2 * 0.45)
    frame = torch.rand(2, 3, 8, 8)
    warped, mask = backward_warp(frame, torch.zeros(2, 2, 8, 8))
    assert photometric_loss(frame, warped, mask).item() == pytest.approx(floor)
    assert smoothness_loss(torch.zeros(2, 2, 8, 8)).item() == pytest.approx(
        4 * floor)
    z = torch.zeros(5, requires_grad=True)
    charbonnier(z).sum().backward()
    assert torch.isfinite(z.grad).all()


def test_photometric_normalisers_on_masked_pixels():
    target, warped = torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)
    mask = torch.tensor([[[[1., 0.], [0., 0.]]]])
    rho1 = (1.0 + 1e-3**2)**0.45
    # Eq. 2 as written: masked pixels add nothing but count in 1/(HWT)
    assert photometric_loss(target, warped, mask, normalise='all').item() \
        == pytest.approx(rho1 / 4)
    # the default: the mean over the one valid pixel
    assert photometric_loss(target, warped, mask).item() == pytest.approx(
        rho1, rel=1e-5)
    with pytest.raises(ValueError, match='normalise'):
        photometric_loss(target, warped, mask, normalise='none')


def test_flow_head_loss_on_constant_frames_is_finite():
    head = MODELS.build(
        dict(type='FlowReconstructionHead', in_channels=6,
             dense_channels=(4, 4, 4, 4, 4)))
    feats = (torch.randn(2, 6, 4, 8, 8), )
    frames = torch.full((2, 3, 4, 32, 32), 0.5)
    losses = head.loss(feats, frames)
    assert set(losses) == {'loss_rec_l1', 'photometric_err_l1',
                           'smoothness_err_l1'}
    assert all(torch.isfinite(v) for v in losses.values())
    losses['loss_rec_l1'].backward()
    assert all(p.grad is not None for p in head.parameters())


def test_flow_head_excludes_replicated_last_pair(monkeypatch):
    head = MODELS.build(
        dict(type='FlowReconstructionHead', in_channels=2,
             dense_channels=(2, 2, 2, 2, 2)))
    seen = []
    original = head.forward
    monkeypatch.setattr(head, 'forward', lambda x: seen.append(x.shape) or original(x))
    head.loss((torch.randn(1, 2, 4, 4, 4), ), torch.rand(1, 3, 4, 16, 16))
    assert seen == [torch.Size([1, 2, 3, 4, 4])]


def test_flow_head_validates_config():
    with pytest.raises(ValueError, match='loss_weight'):
        MODELS.build(dict(type='FlowReconstructionHead', in_channels=2,
                          loss_weight=-1.0))
    with pytest.raises(ValueError, match='level'):
        MODELS.build(dict(type='FlowReconstructionHead', in_channels=2,
                          level=0))


def _pool(x, s):
    # average over s x s blocks, written out (the oracle of F.avg_pool2d)
    b, c, h, w = x.shape
    return x.reshape(b, c, h // s, s, w // s, s).mean(dim=(3, 5))


def _charbonnier_mean(r, alpha=0.45, eps=1e-3):
    return ((r * r + eps * eps) ** alpha).mean()


def test_multiscale_photometric_averages_pooled_scales():
    torch.manual_seed(0)
    target, source = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    zero = torch.zeros(2, 2, 16, 16)
    for scales in ((1, ), (1, 2, 4), (2, )):
        loss = MODELS.build(dict(type='ReconstructionLoss',
                                 photometric_scales=scales))
        got = loss.photometric(target, source, zero)
        want = sum(_charbonnier_mean(_pool(target, s) - _pool(source, s))
                   for s in scales) / len(scales)
        assert got.item() == pytest.approx(want.item(), rel=1e-5)
    # a shift of 4 px is 2 px at scale 2: the pooled flow is halved, and
    # then the coarse frames are reconstructed exactly in the interior
    frames = torch.rand(1, 3, 16, 24)
    target, source = frames[..., :, 4:20], frames[..., :, :16]
    shift = torch.zeros(1, 2, 16, 16)
    shift[:, 0] = 4.0
    loss = MODELS.build(dict(type='ReconstructionLoss',
                             photometric_scales=(2, )))
    floor = (1e-3 ** 2) ** 0.45
    assert loss.photometric(target, source, shift).item() == \
        pytest.approx(floor, rel=1e-3)
    assert loss.photometric(target, source, 0 * shift).item() > \
        10 * floor


def test_photometric_scales_are_validated():
    for bad in ((), (0, ), (1, 1), (1.5, ), 2, (True, )):
        with pytest.raises(ValueError, match='photometric_scales'):
            MODELS.build(dict(type='ReconstructionLoss',
                              photometric_scales=bad))
    loss = MODELS.build(dict(type='ReconstructionLoss',
                             photometric_scales=(1, 16)))
    frames = torch.rand(1, 3, 16, 16)
    with pytest.raises(ValueError, match='too coarse for 16x16'):
        loss.photometric(frames, frames,
                                    torch.zeros(1, 2, 16, 16))
