import math

import numpy as np
import pytest
import torch

from mmhcml.models.ops.cost_volume_native import native_available
from mmhcml.models.ops import (cost_volume, cost_volume_displacements,
                               num_displacements)

# every path that runs on a CPU ('native' where a C compiler built it)
IMPLS = ('reference', 'fast') + (
    ('native', ) if native_available() else ()) + ('auto', )


def brute_force(f1, f2, d, s):
    """Eq. 1 as nested loops over positions and displacements (numpy)."""
    f1, f2 = f1.double().numpy(), f2.double().numpy()
    n, c, h, w = f1.shape
    offsets = cost_volume_displacements(d, s)
    out = np.zeros((n, len(offsets), h, w))
    for b in range(n):
        for y in range(h):
            for x in range(w):
                u = f1[b, :, y, x]
                for k, (dy, dx) in enumerate(offsets):
                    y2, x2 = y + dy, x + dx
                    if 0 <= y2 < h and 0 <= x2 < w:
                        v = f2[b, :, y2, x2]
                        out[b, k, y, x] = u @ v / (np.linalg.norm(u) *
                                                   np.linalg.norm(v))
    return out


@pytest.mark.parametrize('impl', IMPLS)
@pytest.mark.parametrize('d,s', [(2, 1), (6, 2), (3, 2), (0, 1)])
def test_matches_brute_force(impl, d, s):
    f1, f2 = torch.randn(2, 5, 7, 9), torch.randn(2, 5, 7, 9)
    out = cost_volume(f1, f2, d, s, impl=impl)
    assert out.shape == (2, num_displacements(d, s), 7, 9)
    np.testing.assert_allclose(out.double().numpy(), brute_force(f1, f2, d, s),
                               atol=1e-5)


def test_channel_count_formula():
    assert num_displacements(6, 2) == 49
    assert len(cost_volume_displacements(6, 2)) == 49
    assert cost_volume_displacements(6, 2)[0] == (-6, -6)
    assert cost_volume_displacements(6, 2)[24] == (0, 0)


@pytest.mark.parametrize('impl', IMPLS)
@pytest.mark.parametrize('dx,dy', [(2, 0), (0, -4), (-2, 2), (6, 6)])
def test_shifted_map_peaks_at_displacement(impl, dx, dy):
    f1 = torch.randn(1, 8, 20, 20)
    # F_t+1(x + dx, y + dy) = F_t(x, y): the content moved by (dx, dy).
    f2 = torch.roll(f1, shifts=(dy, dx), dims=(2, 3))
    out = cost_volume(f1, f2, 6, 2, impl=impl)
    expected = cost_volume_displacements(6, 2).index((dy, dx))
    inner = out[0, :, 6:14, 6:14]
    assert (inner.argmax(dim=0) == expected).all()
    torch.testing.assert_close(inner[expected], torch.ones(8, 8))


def test_fast_equals_reference_in_value_and_gradient():
    f1 = torch.randn(2, 6, 9, 11, requires_grad=True)
    f2 = torch.randn(2, 6, 9, 11, requires_grad=True)
    weight = torch.randn(2, 49, 9, 11)
    grads = {}
    for impl in IMPLS:
        out = cost_volume(f1, f2, 6, 2, impl=impl)
        g1, g2 = torch.autograd.grad((out * weight).sum(), (f1, f2))
        grads[impl] = (out.detach(), g1, g2)
    for impl in IMPLS[1:]:
        for ref, fast in zip(grads['reference'], grads[impl]):
            torch.testing.assert_close(fast, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('impl', IMPLS)
def test_gradcheck_float64(impl):
    f1 = torch.randn(1, 3, 5, 6, dtype=torch.float64, requires_grad=True)
    f2 = torch.randn(1, 3, 5, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda a, b: cost_volume(a, b, 2, 1, impl=impl), (f1, f2))


@pytest.mark.parametrize('impl', IMPLS)
def test_zero_features_give_zero_similarity(impl):
    zeros = torch.zeros(1, 4, 6, 6, requires_grad=True)
    out = cost_volume(zeros, torch.randn(1, 4, 6, 6), 2, 1, impl=impl)
    assert torch.isfinite(out).all() and (out == 0).all()
    out.sum().backward()
    assert torch.isfinite(zeros.grad).all()


def test_half_inputs_keep_their_dtype():
    f1 = torch.randn(1, 4, 6, 6).to(torch.bfloat16)
    out = cost_volume(f1, f1, 2, 1)
    assert out.dtype == torch.bfloat16
    assert math.isclose(out[0, 12].float().mean().item(), 1.0, rel_tol=1e-2)


@pytest.mark.parametrize('kwargs,match', [
    (dict(impl='cuda'), 'impl'),
    (dict(impl='compile'), 'impl'),
    (dict(max_displacement=-1), 'max_displacement'),
    (dict(stride=0), 'stride'),
])
def test_invalid_arguments(kwargs, match):
    f = torch.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match=match):
        cost_volume(f, f, **kwargs)


def test_shape_mismatch_is_reported():
    with pytest.raises(ValueError, match=r'\(1, 2, 4, 4\)'):
        cost_volume(torch.randn(1, 2, 4, 4), torch.randn(1, 2, 4, 5))
