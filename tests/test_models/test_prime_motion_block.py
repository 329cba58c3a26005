"""PrimeMotionBlock (appendix C.2): shapes, the parameter-free cost volume,
the replicated last frame pair, argument checks."""
import pytest
import torch

from mmaction.registry import MODELS
from mmhcml.models.ops import cost_volume


def test_prime_motion_block_shape_and_channels():
    pmb = MODELS.build(dict(type='PrimeMotionBlock', in_channels=16))
    assert pmb.num_costs == 49 and pmb.reduced_channels == 4
    out = pmb(torch.randn(2, 16, 4, 10, 10))
    assert out.shape == (2, 4, 4, 10, 10)
    assert sum(p.numel() for p in pmb.parameters()) > 0
    # the cost volume itself is parameter free: only reduce, norms and fuse
    assert {n.split('.')[0] for n, _ in pmb.named_parameters()} == {
        'reduce', 'cost_norm', 'fuse'}


def test_last_frame_is_paired_with_itself():
    pmb = MODELS.build(dict(type='PrimeMotionBlock', in_channels=4,
                            reduction=1, max_displacement=2, stride=1))
    feats = torch.randn(1, 4, 3, 6, 6)
    costs = pmb.temporal_cost_volume(feats)
    centre = costs[0, 12]  # displacement (0, 0)
    torch.testing.assert_close(centre[-1], torch.ones(6, 6))
    assert not torch.allclose(centre[0], torch.ones(6, 6))


def test_pmb_rejects_one_frame_and_bad_reduction():
    pmb = MODELS.build(dict(type='PrimeMotionBlock', in_channels=8))
    with pytest.raises(ValueError, match='at least 2 frames'):
        pmb(torch.randn(1, 8, 1, 4, 4))
    with pytest.raises(ValueError, match='reduction'):
        MODELS.build(dict(type='PrimeMotionBlock', in_channels=8, reduction=3))


@pytest.mark.parametrize('kwargs,match', [
    (dict(max_displacement=-1), 'max_displacement must be an int >= 0, got -1'),
    (dict(max_displacement=2.0), 'max_displacement must be an int >= 0, got 2.0'),
    (dict(stride=0), 'stride must be an int >= 1, got 0'),
])
def test_pmb_rejects_bad_displacements_as_the_cost_volume_does(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='PrimeMotionBlock', in_channels=8, **kwargs))
    f = torch.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match=match):
        cost_volume(f, f, **dict(dict(max_displacement=2, stride=1), **kwargs))
