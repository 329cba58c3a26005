"""The compiled CPU cost volume ('native'): equal to Eq. 1, in place, grads."""
import importlib

import pytest
import torch

from mmhcml.models.ops import cost_volume, temporal_cost_volume
from mmhcml.models.ops import cost_volume_native as cvn

cv_module = importlib.import_module('mmhcml.models.ops.cost_volume')

needs_native = pytest.mark.skipif(not cvn.native_available(),
                                  reason='no C compiler for the kernel')


def temporal_reference(feats, d, s):
    """Pairs (F_t, F_min(t+1, T-1)) stacked by hand, then the reference."""
    n, c, t, h, w = feats.shape
    nxt = torch.cat([feats[:, :, 1:], feats[:, :, -1:]], dim=2)
    f1 = feats.transpose(1, 2).reshape(n * t, c, h, w)
    f2 = nxt.transpose(1, 2).reshape(n * t, c, h, w)
    out = cost_volume(f1, f2, d, s, impl='reference')
    return out.reshape(n, t, -1, h, w).transpose(1, 2)


@needs_native
@pytest.mark.parametrize('threads', [1, 3])
@pytest.mark.parametrize('band', [1, 7, 256])
@pytest.mark.parametrize('d,s', [(6, 2), (2, 1), (3, 2), (0, 1), (9, 2)])
def test_native_temporal_equals_reference(monkeypatch, threads, band, d, s):
    # bands of 1 and 7 pixels split rows unevenly (w = 9) over 3 threads;
    # d = 9 reaches past the 7 x 9 map
    monkeypatch.setattr(cvn, 'BAND_PIXELS', band)
    monkeypatch.setattr(torch, 'get_num_threads', lambda: threads)
    feats = torch.randn(2, 5, 3, 7, 9)
    feats[0, :, 1, 2, 3] = 0  # a zero vector: similarity 0, not NaN
    out = temporal_cost_volume(feats, d, s, impl='native')
    torch.testing.assert_close(out, temporal_reference(feats, d, s),
                               rtol=1e-5, atol=1e-6)


@needs_native
def test_native_reads_pairs_in_place_from_a_strided_view():
    # a channel slice of a wider tensor, as a PMB buffer would hand it
    big = torch.randn(2, 9, 4, 6, 8)
    feats = big[:, 2:7]
    assert not feats.is_contiguous()
    torch.testing.assert_close(
        temporal_cost_volume(feats, 6, 2, impl='native'),
        temporal_reference(feats.contiguous(), 6, 2), rtol=1e-5, atol=1e-6)


@needs_native
def test_native_two_maps_and_half_dtype():
    f1, f2 = torch.randn(3, 4, 5, 6), torch.randn(3, 4, 5, 6)
    torch.testing.assert_close(cost_volume(f1, f2, 2, 1, impl='native'),
                               cost_volume(f1, f2, 2, 1, impl='reference'),
                               rtol=1e-5, atol=1e-6)
    out = cost_volume(f1.bfloat16(), f2.bfloat16(), 2, 1, impl='native')
    assert out.dtype == torch.bfloat16


@needs_native
@pytest.mark.parametrize('temporal', [False, True])
@pytest.mark.parametrize('d,s', [(2, 1), (6, 2), (9, 2)])
def test_native_gradients_equal_reference(temporal, d, s):
    # the C kernels compute values and both gradients (gathers over the
    # displacements); d = 9 reaches past the 6 x 7 map
    torch.manual_seed(0)
    if temporal:
        inputs = (torch.randn(2, 4, 3, 6, 7), )
        fn = temporal_cost_volume
    else:
        inputs = (torch.randn(2, 4, 6, 7), torch.randn(2, 4, 6, 7))
        fn = cost_volume
    results = []
    for impl in ('native', 'reference'):
        xs = [x.clone().requires_grad_() for x in inputs]
        out = fn(*xs, d, s, impl=impl)
        weight = torch.linspace(-1, 1, out.numel()).reshape(out.shape)
        grads = torch.autograd.grad((out * weight).sum(), xs)
        results.append((out.detach(), *grads))
    for got, want in zip(*results):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


@needs_native
def test_native_gradient_of_one_input_and_a_zero_vector():
    # no gradient asked for F_t+1; a zero vector of F_t has no radial term
    # and its gradient is the partners over eps (as the reference's)
    f1, f2 = torch.randn(1, 3, 5, 5), torch.randn(1, 3, 5, 5)
    f1[0, :, 2, 2] = 0
    grads = []
    for impl in ('native', 'reference'):
        a = f1.clone().requires_grad_()
        out = cost_volume(a, f2, 2, 1, impl=impl)
        weight = torch.linspace(-1, 1, out.numel()).reshape(out.shape)
        grads.append(torch.autograd.grad((out * weight).sum(), a)[0])
    assert grads[1].abs().max() > 1e6  # 1 / eps at the zero vector
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-5, atol=1e-5)


def test_auto_falls_back_to_fast_without_the_kernel(monkeypatch):
    feats = torch.randn(1, 3, 2, 5, 5)
    monkeypatch.setattr(cv_module, 'native_available', lambda: False)
    assert cv_module._resolve('auto', feats) == 'fast'
    monkeypatch.setattr(cv_module, 'native_available', lambda: True)
    assert cv_module._resolve('auto', feats) == 'native'
    assert cv_module._resolve('auto', feats.double()) == 'fast'
    assert cv_module._resolve('native', feats.double()) == 'fast'


def test_native_switched_off_by_environment(monkeypatch):
    monkeypatch.setenv('MMHCML_NATIVE_KERNELS', '0')
    monkeypatch.setattr(cvn, '_tried', False)
    monkeypatch.setattr(cvn, '_lib', None)
    assert not cvn.native_available()
    with pytest.raises(RuntimeError, match='MMHCML_NATIVE_KERNELS'):
        cvn.native_temporal_cost_volume(torch.randn(1, 2, 2, 3, 3), 2, 1)
