"""ReconstructionLoss switches (census, SSIM, edge-aware / second-order
smoothness) against hand computations; the defaults stay Eq. 2-3."""
import math

import pytest
import torch

from mmaction.registry import MODELS
from mmhcml.models.losses import (census_loss, census_transform,
                                  edge_aware_smoothness, photometric_loss,
                                  smoothness_loss, ssim_loss)
from mmhcml.models.ops import backward_warp

RHO0 = (1e-3**2)**0.45  # Charbonnier of a zero difference, eps^(2 alpha)


def test_census_transform_of_one_grey_level():
    """A neighbour 1 grey level above the centre: 1 / sqrt(0.81 + 1)."""
    image = torch.zeros(1, 1, 3, 3)
    image[0, 0, 0, 0] = 1 / 255
    census = census_transform(image, patch=3)
    assert census.shape == (1, 9, 3, 3)
    # channel 0 is the top-left neighbour; at the centre it is pixel (0, 0)
    assert census[0, 0, 1, 1].item() == pytest.approx(1 / math.sqrt(1.81))
    assert census[0, 4].abs().max().item() == 0  # the centre itself


def test_census_loss_of_one_bright_pixel():
    """Target black, warped black but for pixel (2, 2) one level brighter.

    At (2, 2) 8 of 9 census channels differ by 1/sqrt(1.81); at each of its
    8 neighbours 1 channel does. With q = s / (0.1 + s), s = 1 / 1.81:
    loss = ((8q/9 + 0.01)^0.4 + 8 (q/9 + 0.01)^0.4) / 9 over the inner 3x3
    (a 3x3 patch leaves out the 1-pixel border)."""
    target = torch.zeros(1, 1, 5, 5)
    warped = target.clone()
    warped[0, 0, 2, 2] = 1 / 255
    mask = torch.ones(1, 1, 5, 5)
    s = 1 / 1.81
    q = s / (0.1 + s)
    expected = ((8 * q / 9 + 0.01)**0.4 + 8 * (q / 9 + 0.01)**0.4) / 9
    assert census_loss(target, warped, mask, patch=3).item() == \
        pytest.approx(expected, rel=1e-5)
    # identical images: the floor 0.01^0.4 everywhere
    assert census_loss(target, target, mask, patch=3).item() == \
        pytest.approx(0.01**0.4, rel=1e-5)
    # masked-out pixels do not count
    mask[0, 0, 2, 2] = 0
    expected = (8 * (q / 9 + 0.01)**0.4) / 8
    assert census_loss(target, warped, mask, patch=3).item() == \
        pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match='patch'):
        census_loss(target, warped, mask, patch=4)


def test_ssim_loss_of_two_constant_images():
    """No variance: SSIM = (2ab + c1) / (a^2 + b^2 + c1) (float32 window
    variances are ~1e-8, not 0: rel 1e-4)."""
    a, b, c1 = 0.5, 0.3, 1e-4
    target = torch.full((1, 3, 4, 4), a)
    warped = torch.full((1, 3, 4, 4), b)
    ssim = (2 * a * b + c1) / (a * a + b * b + c1)
    mask = torch.ones(1, 1, 4, 4)
    assert ssim_loss(target, warped, mask).item() == pytest.approx(
        (1 - ssim) / 2, rel=1e-4)
    assert ssim_loss(target, target, mask).item() == pytest.approx(0,
                                                                   abs=1e-6)


def test_edge_aware_smoothness_relaxes_a_flow_step_on_an_image_edge():
    """u steps by 1 between columns 1 and 2, where the image steps by 0.5.

    Per field: u_x = (2 rho(0) + rho(1) w) / 3 with w = exp(-10 * 0.5),
    v_x = (2 rho(0) + rho(0) w) / 3 (the weight is per position, for both
    components), u_y = v_y = rho(0); w = 1 without edge weights (Eq. 3)."""
    flow = torch.zeros(1, 2, 4, 4)
    flow[0, 0, :, 2:] = 1.0
    image = torch.zeros(1, 3, 4, 4)
    image[..., 2:] = 0.5
    rho1 = (1 + 1e-6)**0.45
    w = math.exp(-5.0)
    expected = ((2 * RHO0 + rho1 * w) / 3 + (2 * RHO0 + RHO0 * w) / 3 +
                2 * RHO0)
    assert edge_aware_smoothness(flow, image, 1, 10.0).item() == \
        pytest.approx(expected, rel=1e-5)
    plain = (2 * RHO0 + rho1) / 3 + 3 * RHO0
    assert edge_aware_smoothness(flow, image, 1, 0.0).item() == \
        pytest.approx(plain, rel=1e-5)
    assert smoothness_loss(flow).item() == pytest.approx(plain, rel=1e-5)


def test_second_order_smoothness_is_blind_to_affine_flow():
    ys, xs = torch.meshgrid(torch.arange(6.), torch.arange(6.),
                            indexing='ij')
    flow = torch.stack([0.5 * xs + 0.25 * ys, -xs])[None]
    image = torch.rand(1, 3, 6, 6)
    assert edge_aware_smoothness(flow, image, 2, 0.0).item() == \
        pytest.approx(4 * RHO0, rel=1e-5)
    # first order sees the slope: rho(0.5) along x for u, etc.
    assert edge_aware_smoothness(flow, image, 1, 0.0).item() > 10 * RHO0
    # a kink in u along x: second difference 1 at column 3 of 4 centres
    kink = torch.zeros(1, 2, 6, 6)
    kink[0, 0, :, 3:] = torch.arange(1., 4.)
    rho1 = (1 + 1e-6)**0.45
    expected = (3 * RHO0 + rho1) / 4 + 3 * RHO0
    assert edge_aware_smoothness(kink, image, 2, 0.0).item() == \
        pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match='order'):
        edge_aware_smoothness(kink, image, 3)


def test_reconstruction_loss_defaults_are_eq_2_3_and_switches_add_terms():
    torch.manual_seed(0)
    target, source = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)
    flow = torch.randn(2, 2, 8, 8) * 0.5
    warped, mask = backward_warp(source, flow)
    eq2 = photometric_loss(target, warped, mask)
    out = MODELS.build(dict(type='ReconstructionLoss'))(target, source, flow)
    torch.testing.assert_close(out['photometric'], eq2)
    torch.testing.assert_close(out['loss'],
                               eq2 + 0.01 * smoothness_loss(flow))
    loss = MODELS.build(
        dict(type='ReconstructionLoss', charbonnier_weight=0.0,
             census_weight=2.0, census_patch=3, ssim_weight=0.5,
             smooth_order=2, smooth_edge_weight=150.0, smooth_weight=0.1))
    out = loss(target, source, flow)
    torch.testing.assert_close(
        out['photometric'],
        2.0 * census_loss(target, warped, mask, 3) +
        0.5 * ssim_loss(target, warped, mask))
    torch.testing.assert_close(
        out['smoothness'], edge_aware_smoothness(flow, target, 2, 150.0))
    torch.testing.assert_close(out['loss'],
                               out['photometric'] + 0.1 * out['smoothness'])


@pytest.mark.parametrize('bad, match', [
    (dict(census_weight=-1), 'census_weight'),
    (dict(charbonnier_weight=0), 'needs a term'),
    (dict(smooth_order=3), 'smooth_order'),
    (dict(census_patch=6), 'census_patch'),
    (dict(smooth_edge_weight=-0.5), 'smooth_edge_weight'),
])
def test_reconstruction_loss_rejects_bad_switches(bad, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='ReconstructionLoss', **bad))


def test_flow_weight_adds_the_charbonnier_of_the_flow_itself():
    """u = 0.1 px everywhere, v = 0: rho(0.1) + rho(0) per field."""
    target = source = torch.rand(2, 3, 6, 6)
    flow = torch.zeros(2, 2, 6, 6)
    flow[:, 0] = 0.1
    plain = MODELS.build(dict(type='ReconstructionLoss'))(target, source,
                                                          flow)
    out = MODELS.build(dict(type='ReconstructionLoss',
                            flow_weight=0.5))(target, source, flow)
    magnitude = (0.1**2 + 1e-6)**0.45 + RHO0
    assert out['flow_magnitude'].item() == pytest.approx(magnitude,
                                                         rel=1e-5)
    assert out['loss'].item() == pytest.approx(
        plain['loss'].item() + 0.5 * magnitude, rel=1e-5)
    assert 'flow_magnitude' not in plain
    with pytest.raises(ValueError, match='flow_weight'):
        MODELS.build(dict(type='ReconstructionLoss', flow_weight=-1.0))
