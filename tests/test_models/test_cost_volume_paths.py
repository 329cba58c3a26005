"""The 'fast', 'triton' and 'auto' cost volume paths: equality, memory."""
import importlib
import os
import re
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from mmhcml.models.ops import (cost_volume, cost_volume_displacements,
                               temporal_cost_volume)
from mmhcml.models.ops import cost_volume_triton as cvt
from mmhcml.models.ops.cost_volume_native import native_available

#: the compiled CPU path, where a C compiler built it
NATIVE = ('native', ) if native_available() else ()

# the package exports the function under the module's name
cv_module = importlib.import_module('mmhcml.models.ops.cost_volume')

needs_triton = pytest.mark.skipif(not cvt.triton_available(),
                                  reason='triton is not installed')
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason='no CUDA device')
# triton.language must be imported in interpreter mode, so these run in a
# subprocess started with TRITON_INTERPRET=1 (see the driver test below)
INTERPRETING = os.environ.get('TRITON_INTERPRET', '0') == '1'
interpreted = pytest.mark.skipif(
    not (cvt.triton_available() and INTERPRETING),
    reason='runs in the TRITON_INTERPRET=1 subprocess of '
    'test_triton_kernels_in_the_interpreter')


def values_and_grads(impl, f1, f2, d, s, weight):
    a, b = (f.detach().clone().requires_grad_() for f in (f1, f2))
    out = cost_volume(a, b, d, s, impl=impl)
    return (out.detach(), ) + torch.autograd.grad((out * weight).sum(),
                                                  (a, b))


def inputs(shape, d, s, device='cpu', dtype=torch.float32):
    f1, f2 = (torch.randn(shape, dtype=dtype, device=device)
              for _ in range(2))
    m = (2 * (d // s) + 1)**2
    weight = torch.randn(shape[0], m, *shape[2:], dtype=dtype, device=device)
    return f1, f2, weight


def assert_same(impl, ref_impl, f1, f2, d, s, weight, tol):
    for got, want in zip(values_and_grads(impl, f1, f2, d, s, weight),
                         values_and_grads(ref_impl, f1, f2, d, s, weight)):
        torch.testing.assert_close(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize('chunk_bytes,pairs', [(1, 1), (1100, 2)])
def test_fast_chunks_give_the_same_result(monkeypatch, chunk_bytes, pairs):
    # 9 frame pairs of 504 bytes: chunks of 1, or uneven chunks 2+2+2+2+1
    monkeypatch.setitem(cv_module.FAST_CHUNK_BYTES, 'cpu', chunk_bytes)
    f1, f2, weight = inputs((9, 3, 6, 7), 2, 1)
    assert cv_module._chunk_size(f1) == pairs
    assert_same('fast', 'reference', f1, f2, 2, 1, weight, 1e-5)


def test_fast_chunk_buffers_stay_below_a_quarter_of_the_input(monkeypatch):
    monkeypatch.setitem(cv_module.FAST_CHUNK_BYTES, 'cpu', 1 << 30)
    f = torch.randn(16, 8, 10, 10)
    assert cv_module._chunk_size(f) == 4
    assert cv_module._chunk_size(f[:2]) == 1


def autograd_unit_correlation(f1, f2, d, s, eps=1e-8):
    """u = F / max(||F||, eps) by F.normalize, then Eq. 1's dot products."""
    u1, u2 = (F.normalize(f, dim=1, eps=eps) for f in (f1, f2))
    r, (h, w) = (d // s) * s, f1.shape[-2:]
    padded = F.pad(u2, (r, r, r, r))
    return torch.stack([(u1 * padded[:, :, r + dy:r + dy + h,
                                     r + dx:r + dx + w]).sum(1)
                        for dy, dx in cost_volume_displacements(d, s)], 1)


def tiny_norm_inputs():
    # a vector with 0 < ||F|| < eps: its norm is clamped, so no radial term
    f1, f2, weight = inputs((1, 3, 5, 6), 2, 1, dtype=torch.float64)
    f1[0, :, 1, 1] = 1e-10
    f2[0, :, 2, 3] = -3e-10
    return f1, f2, weight


def test_fast_clamped_norms_match_autograd():
    f1, f2, weight = tiny_norm_inputs()
    a, b = (f.clone().requires_grad_() for f in (f1, f2))
    want = autograd_unit_correlation(a, b, 2, 1)
    want = (want.detach(), ) + torch.autograd.grad((want * weight).sum(),
                                                   (a, b))
    for got, exp in zip(values_and_grads('fast', f1, f2, 2, 1, weight), want):
        torch.testing.assert_close(got, exp, rtol=1e-6, atol=1e-6)


def saved_beyond_inputs(out, *inputs):
    """Elements the backward of ``out`` saves besides ``inputs`` (which it
    must save themselves, not copies)."""
    saved = out.grad_fn.saved_tensors
    assert all(any(t is x for t in saved) for x in inputs)
    return sum(t.numel() for t in saved if all(t is not x for x in inputs))


def test_fast_saves_only_inputs_and_norm_maps():
    f1 = torch.randn(4, 16, 10, 10, requires_grad=True)
    f2 = torch.randn(4, 16, 10, 10, requires_grad=True)
    out = cost_volume(f1, f2, 6, 2, impl='fast')
    # 2 inverse norms + 2 masks
    assert saved_beyond_inputs(out, f1, f2) <= 4 * f1[:, 0].numel()


def test_fast_rejects_double_backward():
    f1 = torch.randn(1, 2, 4, 4, dtype=torch.float64, requires_grad=True)
    out = cost_volume(f1, f1.detach(), 2, 1, impl='fast')
    (g, ) = torch.autograd.grad(out.sum(), f1, create_graph=True)
    with pytest.raises(RuntimeError):
        g.sum().backward()


def test_auto_never_uses_triton_on_cpu(monkeypatch):
    # 'auto' on CPU: the native kernel (or 'fast' without a compiler),
    # differentiated by the chunked backward of _CosineCorrelation
    monkeypatch.setattr(cv_module, 'triton_available', lambda: True)
    monkeypatch.setattr(cv_module, 'triton_cost_volume',
                        lambda *a, **k: pytest.fail('triton on CPU'))
    f = torch.randn(1, 2, 5, 5, requires_grad=True)
    out = cost_volume(f, f, 2, 1, impl='auto')
    assert type(out.grad_fn).__name__.startswith('_CosineCorrelation')


def test_triton_without_the_package_says_so(monkeypatch):
    monkeypatch.setattr(cvt, 'triton_available', lambda: False)
    f = torch.randn(1, 2, 4, 4)
    with pytest.raises(ImportError, match='triton'):
        cost_volume(f, f, impl='triton')


@needs_triton
def test_triton_refuses_cpu_tensors(monkeypatch):
    monkeypatch.setenv('TRITON_INTERPRET', '0')
    f = torch.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match="CUDA tensors.*'cpu'"):
        cost_volume(f, f, impl='triton')


#: Tiny tiles: several tiles along H and W (BH > 1), several channel chunks
#: with a remainder, whatever the shape.
SMALL_TILES = dict(BLOCK_W=4, BLOCK_ELEMS=64, BLOCK_C=2, PROGRAMS_PER_SM=0)


@interpreted
@pytest.mark.parametrize('tiles', ['default', 'small'])
@pytest.mark.parametrize('shape,d,s', [((2, 5, 7, 9), 6, 2),
                                       ((2, 3, 6, 5), 2, 1),
                                       ((1, 4, 5, 11), 3, 2),
                                       ((1, 2, 4, 4), 0, 1),
                                       ((3, 5, 5, 7), 2, 1),
                                       ((1, 3, 70, 3), 1, 1)])
def test_triton_interpreted_equals_reference(monkeypatch, shape, d, s,
                                             tiles):
    # odd sizes, C not a multiple of the channel step (4) or block, N = 1/3,
    # d = 0, s = 1/2; 'default' picks tiles as on a GPU (70 rows: many tiles)
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    if tiles == 'small':
        for name, value in SMALL_TILES.items():
            monkeypatch.setattr(cvt, name, value)
    f1, f2, weight = inputs(shape, d, s, dtype=torch.float64)
    f2[0, :, 0, 0] = 0  # a zero vector: similarity 0, finite gradient
    assert_same('triton', 'reference', f1, f2, d, s, weight, 1e-5)


@interpreted
def test_triton_interpreted_wide_rows_and_one_gradient(monkeypatch):
    # 70 columns: two tiles of BLOCK_W = 64 along W; F_t+1 needs no gradient
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    f1, f2, weight = inputs((1, 3, 3, 70), 2, 2, dtype=torch.float64)
    grads = []
    for impl in ('triton', 'reference'):
        a = f1.clone().requires_grad_()
        out = cost_volume(a, f2, 2, 2, impl=impl)
        grads.append((out.detach(), ) +
                     torch.autograd.grad((out * weight).sum(), a))
    for got, want in zip(*grads):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


@interpreted
def test_triton_interpreted_non_contiguous_inputs(monkeypatch):
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    f1, f2, weight = inputs((2, 3, 6, 5), 2, 2, dtype=torch.float64)
    f1, f2 = (f.transpose(2, 3).contiguous().transpose(2, 3)
              for f in (f1, f2))
    assert not f1.is_contiguous()
    assert_same('triton', 'reference', f1, f2, 2, 2, weight, 1e-5)


@interpreted
def test_triton_interpreted_clamped_norms_equal_fast(monkeypatch):
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    f1, f2, weight = tiny_norm_inputs()
    assert_same('triton', 'fast', f1, f2, 2, 1, weight, 1e-5)


@interpreted
@pytest.mark.parametrize('dtype,tiled', [(torch.bfloat16, 0),
                                         (torch.float16, 0),
                                         (torch.bfloat16, 1)])
def test_triton_interpreted_keeps_half_dtype(monkeypatch, dtype, tiled):
    # computed in float32 and stored in the input dtype: equal up to the
    # rounding of that dtype (the interpreter rounds float32 -> bfloat16
    # its own way); gradients likewise; bfloat16 also with the tiled forward
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    monkeypatch.setattr(cvt, 'FORWARD_TILED', tiled)
    f1, f2, weight = inputs((1, 4, 6, 6), 2, 1, dtype=dtype)
    got = values_and_grads('triton', f1, f2, 2, 1, weight)
    assert all(t.dtype == dtype for t in got)
    tol = 2**-7 if dtype == torch.bfloat16 else 2**-10
    for g, want in zip(got, values_and_grads('fast', f1, f2, 2, 1, weight)):
        # gradients sum 25 terms: a few roundings of their largest value
        scale = 1 if g is got[0] else 4 * want.float().abs().max().item()
        torch.testing.assert_close(g.float(), want.float(), rtol=tol,
                                   atol=tol * scale)


@interpreted
def test_triton_interpreted_saves_inputs_norms_and_output(monkeypatch):
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    f1 = torch.randn(2, 6, 5, 5, requires_grad=True)
    f2 = torch.randn(2, 6, 5, 5, requires_grad=True)
    out = cost_volume(f1, f2, 2, 2, impl='triton')
    # output + 2 norms
    assert saved_beyond_inputs(out, f1, f2) == out.numel() + 2 * f1[:, 0].numel()


def temporal_values_and_grads(impl, feats, d, s, weight):
    x = feats.detach().clone().requires_grad_()
    out = temporal_cost_volume(x, d, s, impl=impl)
    return out.detach(), torch.autograd.grad((out * weight).sum(), x)[0]


def assert_temporal_same(impl, ref_impl, feats, d, s, weight, tol):
    for got, want in zip(temporal_values_and_grads(impl, feats, d, s, weight),
                         temporal_values_and_grads(ref_impl, feats, d, s,
                                                   weight)):
        torch.testing.assert_close(got, want, rtol=tol, atol=tol)


def temporal_inputs(shape, d, s, dtype=torch.float64):
    n, c, t, h, w = shape
    m = (2 * (d // s) + 1)**2
    return (torch.randn(shape, dtype=dtype),
            torch.randn(n, m, t, h, w, dtype=dtype))


@pytest.mark.parametrize('impl', ['fast', *NATIVE, 'auto'])
def test_temporal_cost_volume_pairs_each_frame_with_the_next(impl):
    feats, weight = temporal_inputs((2, 3, 4, 5, 6), 2, 1)
    got = temporal_values_and_grads(impl, feats, 2, 1, weight)
    want = temporal_values_and_grads('reference', feats, 2, 1, weight)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=1e-6, atol=1e-6)
    # frame t against frame t + 1, the last frame against itself
    pairs = cost_volume(feats[:, :, 1], feats[:, :, 2], 2, 1,
                        impl='reference')
    torch.testing.assert_close(got[0][:, :, 1], pairs)
    torch.testing.assert_close(got[0][:, :, -1, ...][:, 12],
                               torch.ones(2, 5, 6, dtype=torch.float64))


def test_temporal_cost_volume_checks_its_input():
    with pytest.raises(ValueError, match=r'\(N, C, T, H, W\)'):
        temporal_cost_volume(torch.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match='impl must be one of'):
        temporal_cost_volume(torch.randn(1, 2, 2, 4, 4), impl='fastest')


@interpreted
@pytest.mark.parametrize('tiles', ['default', 'small'])
@pytest.mark.parametrize('shape,d,s', [((2, 5, 3, 7, 9), 6, 2),
                                       ((1, 3, 2, 6, 5), 2, 1),
                                       ((3, 4, 1, 5, 7), 2, 1),
                                       ((1, 6, 4, 5, 70), 2, 2)])
def test_triton_interpreted_temporal_equals_reference(monkeypatch, shape, d,
                                                      s, tiles):
    # pairs read in place from (N, C, T, H, W): several clips, T = 1 (the
    # frame with itself), 2 and more; wide rows; channel remainders
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    if tiles == 'small':
        for name, value in SMALL_TILES.items():
            monkeypatch.setattr(cvt, name, value)
    feats, weight = temporal_inputs(shape, d, s)
    feats[0, :, -1, 0, 0] = 0  # a zero vector in the self-paired frame
    assert_temporal_same('triton', 'reference', feats, d, s, weight, 1e-5)


@interpreted
@pytest.mark.parametrize('temporal', [False, True])
def test_triton_interpreted_prenorm_variant_equals_reference(monkeypatch,
                                                             temporal):
    # FORWARD_PRENORM=1: norms from their own launch, same outputs, same
    # norm maps for the backward pass (so the same gradients)
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    monkeypatch.setattr(cvt, 'FORWARD_PRENORM', 1)
    monkeypatch.setattr(cvt, 'NORM_BLOCK', 16)  # several blocks per map
    if temporal:
        feats, weight = temporal_inputs((2, 5, 3, 6, 7), 2, 1)
        feats[1, :, 2, 3, 3] = 0
        assert_temporal_same('triton', 'reference', feats, 2, 1, weight, 1e-5)
    else:
        f1, f2, weight = inputs((2, 5, 6, 7), 6, 2, dtype=torch.float64)
        f1[0, :, 2, 2] = 0
        assert_same('triton', 'reference', f1, f2, 6, 2, weight, 1e-5)


#: FORWARD_TILED tiles of 2 x 2 pixels (64 lanes, M = 49) or 4 x 2 (32
#: lanes, M = 25): several tiles along H and W, halos past every edge, two
#: channels per unrolled step (C = 5: a remainder).
SMALL_TILED = dict(BLOCK_W=4, TILED_ELEMS=256, PROGRAMS_PER_SM=0,
                   CHANNEL_UNROLL=2)


@interpreted
@pytest.mark.parametrize('temporal', [False, True])
@pytest.mark.parametrize('tiles', ['default', 'small'])
@pytest.mark.parametrize('tiled', [1, 2])
def test_triton_interpreted_tiled_forward_equals_reference(
        monkeypatch, tiled, tiles, temporal):
    # all M displacements of a tile per program (1: F_t+1 halo gathered,
    # norms from the same loads; 2: shifted loads, norms launched first):
    # the reference output and the norm maps the (unchanged) backward pass
    # reads, |F_t| and |F_t+1| of every pair; zero vectors included
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    monkeypatch.setattr(cvt, 'FORWARD_TILED', tiled)
    if tiles == 'small':
        for name, value in SMALL_TILED.items():
            monkeypatch.setattr(cvt, name, value)
    if temporal:  # in-place frame pairs, the last frame with itself
        feats = torch.randn(2, 5, 3, 6, 7, dtype=torch.float64)
        feats[0, :, -1, 0, 0] = 0
        feats[1, :, 1, 3, 3] = 0
        out = temporal_cost_volume(feats.requires_grad_(), 2, 1,
                                   impl='triton')
        want = temporal_cost_volume(feats.detach(), 2, 1, impl='reference')
        norms = feats.detach().norm(dim=1)  # (N, T, H, W)
        want_nrm = torch.stack([norms, norms[:, [1, 2, 2]]], 2)
        want_nrm = want_nrm.flatten(0, 1)  # pair n * T + t
    else:  # r = 6: the halo is wider than the 7 x 9 map
        f1, f2 = (torch.randn(2, 5, 7, 9, dtype=torch.float64)
                  for _ in range(2))
        f1[1, :, 3, 4] = 0
        f2[0, :, 0, 0] = 0
        out = cost_volume(f1.requires_grad_(), f2.requires_grad_(), 6, 2,
                          impl='triton')
        want = cost_volume(f1.detach(), f2.detach(), 6, 2, impl='reference')
        want_nrm = torch.stack([f1.detach().norm(dim=1),
                                f2.detach().norm(dim=1)], 1)
    nrm = out.grad_fn.saved_tensors[-2]
    torch.testing.assert_close(out.detach(), want, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(nrm, want_nrm.float(), rtol=1e-5, atol=1e-6)


@interpreted
def test_triton_interpreted_tiled_forward_trains_like_reference(monkeypatch):
    # end to end through the PMB's path: gradients of the in-place pairs
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    monkeypatch.setattr(cvt, 'FORWARD_TILED', 1)
    for name, value in SMALL_TILED.items():
        monkeypatch.setattr(cvt, name, value)
    feats, weight = temporal_inputs((1, 3, 2, 5, 6), 2, 1)
    feats[0, :, 1, 2, 2] = 0
    assert_temporal_same('triton', 'reference', feats, 2, 1, weight, 1e-5)


class _LaunchRecorder:
    """Stands in for a jitted kernel: records its name, then launches."""

    def __init__(self, kernel, name, launched):
        self.kernel, self.name, self.launched = kernel, name, launched

    def __getitem__(self, grid):
        def launch(*args, **kwargs):
            self.launched.append(self.name)
            return self.kernel[grid](*args, **kwargs)
        return launch


@interpreted
@pytest.mark.parametrize('tiled,want', [
    (0, ['forward_kernel']), (1, ['tiled_forward_kernel']),
    (2, ['norm_kernel', 'tiled_forward_kernel'])])
def test_triton_interpreted_forward_formulation_picks_its_launches(
        monkeypatch, tiled, want):
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    monkeypatch.setattr(cvt, 'FORWARD_TILED', tiled)
    kernels, launched = cvt._kernels(), []
    for name in ('norm_kernel', 'forward_kernel', 'tiled_forward_kernel'):
        monkeypatch.setattr(kernels, name, _LaunchRecorder(
            getattr(kernels, name), name, launched))
    f1, f2, _ = inputs((1, 3, 4, 5), 2, 2, dtype=torch.float64)
    out = cost_volume(f1, f2, 2, 2, impl='triton')
    assert launched == want
    torch.testing.assert_close(
        out, cost_volume(f1, f2, 2, 2, impl='reference'), rtol=1e-5,
        atol=1e-5)


def test_triton_forward_formulation_is_checked(monkeypatch):
    monkeypatch.setattr(cvt, 'FORWARD_TILED', 3)
    f = torch.randn(1, 2, 4, 4)
    lay, pairs, shape = cvt._pair_layout(f, 9)
    with pytest.raises(ValueError,
                       match=r'FORWARD_TILED must be one of \(0, 1, 2\), '
                       'got 3'):
        cvt._forward(f, f, lay, pairs, shape, 1, 1, 1e-8)


@interpreted
def test_triton_interpreted_backward_uses_the_forward_constants(monkeypatch):
    # a tuning sweep changes the launch constants between calls: each
    # backward pass must run with those of its own forward pass
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    seen = []
    backward = cvt._backward
    monkeypatch.setattr(cvt, '_backward', lambda *a: seen.append(
        cvt.BLOCK_C) or backward(*a))
    f1, f2, weight = inputs((1, 5, 4, 6), 2, 2, dtype=torch.float64)
    f1.requires_grad_()
    monkeypatch.setattr(cvt, 'BLOCK_C', 2)
    out = cost_volume(f1, f2, 2, 2, impl='triton')
    monkeypatch.setattr(cvt, 'BLOCK_C', 16)
    grad, = torch.autograd.grad((out * weight).sum(), f1)
    assert seen == [2] and cvt.BLOCK_C == 16
    want = values_and_grads('reference', f1.detach(), f2, 2, 2, weight)[1]
    torch.testing.assert_close(grad, want, rtol=1e-5, atol=1e-5)


@interpreted
def test_triton_interpreted_temporal_saves_no_pair_copies(monkeypatch):
    monkeypatch.setenv('TRITON_INTERPRET', '1')
    feats = torch.randn(2, 6, 3, 5, 5, requires_grad=True)
    out = temporal_cost_volume(feats, 2, 2, impl='triton')
    assert out.shape == (2, 9, 3, 5, 5) and out.is_contiguous()
    # output + 2 norm maps
    assert saved_beyond_inputs(out, feats) == out.numel() + 2 * 2 * 3 * 5 * 5


@needs_triton
@pytest.mark.skipif(INTERPRETING, reason='already in the interpreter')
def test_triton_kernels_in_the_interpreter():
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    proc = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
         os.path.abspath(__file__), '-k', 'interpreted'],
        env=dict(os.environ, TRITON_INTERPRET='1'), cwd=root,
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert int(re.search(r'(\d+) passed', proc.stdout).group(1)) == 43


@needs_cuda
@needs_triton
@pytest.mark.parametrize('impl', ['fast', 'triton', 'auto'])
def test_cuda_paths_equal_reference(impl):
    f1, f2, weight = inputs((4, 32, 14, 14), 6, 2, device='cuda')
    assert_same(impl, 'reference', f1, f2, 6, 2, weight, 1e-4)


@needs_cuda
@needs_triton
@pytest.mark.parametrize('temporal', [False, True])
@pytest.mark.parametrize('tiled', [1, 2])
def test_cuda_tiled_forward_equals_reference(monkeypatch, tiled, temporal):
    # the FORWARD_TILED formulations compiled for the GPU (tl.gather's
    # lowering through shared memory is not what the interpreter runs)
    monkeypatch.setattr(cvt, 'FORWARD_TILED', tiled)
    if temporal:
        feats, weight = (t.cuda().float() for t in temporal_inputs(
            (2, 32, 4, 14, 14), 6, 2))
        assert_temporal_same('triton', 'reference', feats, 6, 2, weight, 1e-4)
    else:
        f1, f2, weight = inputs((4, 32, 14, 14), 6, 2, device='cuda')
        assert_same('triton', 'reference', f1, f2, 6, 2, weight, 1e-4)


@needs_cuda
@needs_triton
def test_cuda_temporal_triton_equals_reference():
    feats, weight = (t.cuda().float() for t in temporal_inputs(
        (2, 32, 4, 14, 14), 6, 2))
    assert_temporal_same('triton', 'reference', feats, 6, 2, weight, 1e-4)


@pytest.mark.parametrize('impl', ['fast', *NATIVE, 'auto'])
def test_prime_motion_block_accepts_every_cpu_path(impl):
    from mmaction.registry import MODELS
    cfg = dict(type='PrimeMotionBlock', in_channels=8, reduction=2,
               max_displacement=2, stride=1)
    ref = MODELS.build(dict(cfg, cost_volume_impl='reference')).eval()
    block = MODELS.build(dict(cfg, cost_volume_impl=impl)).eval()
    block.load_state_dict(ref.state_dict())
    x = torch.randn(2, 8, 3, 6, 6)
    with torch.no_grad():
        torch.testing.assert_close(block(x), ref(x), rtol=1e-5, atol=1e-5)
