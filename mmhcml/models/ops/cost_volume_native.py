"""A compiled CPU kernel for the forward pass of the cost volume (Eq. 1).

The pure-PyTorch ``'fast'`` path runs 49 shifted multiply-sums per chunk of
frame pairs: each writes a ``C x H x W`` product and reads it back, so the
cost volume moves about ``3 * 49`` times its inputs through memory and is
bound by that and by the Python loop, not by its multiply-adds. This kernel
reads each frame pair once per displacement row and keeps the row's ``m``
partial sums in L1::

    for each pair, output row y, displacement row dy:
        acc[j][x] = 0                                  (m x W floats)
        for c in channels:                             F_t row, F_t+1 row y+dy
            acc[j][x] += F_t[c, y, x] * F_t+1[c, y + dy, x + dx_j]
        cv[(dy, dx_j), y, x] = acc[j][x] / (|F_t(y, x)| |F_t+1(y+dy, x+dx_j)|)

The innermost loop runs along the image row, so the compiler vectorises it
without reordering any sum (no ``-ffast-math``): the result equals the
reference to float32 rounding. The inverse norms come from one pass of a second C function.
The frame pairs ``(F_t, F_t+1)`` of the Prime Motion Block are read in place
from the ``(N, C, T, H, W)`` features and the output is written in
``(N, M, T, H, W)`` layout: no copies of the pairs, no transposes.

The kernel is plain C (no PyTorch headers), compiled on first use with the
system C compiler into ``$MMHCML_CACHE`` (default ``~/.cache/mmhcml``; one
file per source, flags and CPU model; about a second) and called through
:mod:`ctypes`, which releases the GIL, so ``torch.get_num_threads()`` Python
threads each run a block of output rows. Without a compiler, or with
``MMHCML_NATIVE_KERNELS=0``, :func:`native_available` is false and
``impl='auto'`` falls back to ``'fast'``.
"""
import ctypes
import hashlib
import os
import os.path as osp
import platform
import shutil
import subprocess
import tempfile
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

import torch
from torch import Tensor

__all__ = ['native_available', 'native_cost_volume',
           'native_cost_volume_grad', 'native_temporal_cost_volume']

_SOURCE = r'''
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Tasks [task_begin, task_end) of the (pair, band of `band` rows) grid.
   Pair p: clip p / T, frame t = p % T of f1, frame t2 = min(t + shift,
   T - 1) of f2. f1/f2 element (clip, c, t, y, x) at clip*sn + c*sc + t*st
   + y*w + x; inv1/inv2 (clip, t, y, x) at (clip*T + t)*h*w + y*w + x; out
   (clip, k, t, y, x) at clip*on + k*ok + t*ot + y*w + x.
   A band of rows is one flat vector of n = rows * w pixels: the partner of
   pixel q at displacement (dy, dx) is q + dy*w + dx in the flat frame, so
   the inner loop runs over the whole band; positions whose x + dx left the
   row (wrapped to the next one) are set to zero when the band is stored. */
int hcml_cost_volume_bands(const float *f1, const float *f2,
                           const float *inv1, const float *inv2, float *out,
                           int64_t task_begin, int64_t task_end,
                           int64_t band, int64_t T, int64_t C, int64_t h,
                           int64_t w, int64_t sn, int64_t sc, int64_t st,
                           int64_t on, int64_t ok, int64_t ot, int64_t steps,
                           int64_t s, int64_t shift) {
  const int64_t m = 2 * steps + 1, R = steps * s, hw = h * w;
  const int64_t bands = (h + band - 1) / band;
  float *acc = (float *)malloc(sizeof(float) * m * band * w);
  if (!acc) return 1;
  for (int64_t task = task_begin; task < task_end; ++task) {
    const int64_t p = task / bands, clip = p / T, t = p % T;
    const int64_t y0 = (task % bands) * band;
    const int64_t y1 = y0 + band < h ? y0 + band : h;
    int64_t t2 = t + shift;
    if (t2 > T - 1) t2 = T - 1;
    const float *a0 = f1 + clip * sn + t * st;
    const float *b0 = f2 + clip * sn + t2 * st;
    const float *i1 = inv1 + (clip * T + t) * hw;
    const float *i2 = inv2 + (clip * T + t2) * hw;
    float *o0 = out + clip * on + t * ot;
    for (int64_t i = 0; i < m; ++i) {
      const int64_t dy = i * s - R;
      /* rows of the band whose partner row y + dy is inside */
      int64_t ylo = y0 > -dy ? y0 : -dy, yhi = y1 < h - dy ? y1 : h - dy;
      if (yhi < ylo) yhi = ylo;
      const int64_t qlo = ylo * w, qhi = yhi * w;
      memset(acc, 0, sizeof(float) * m * band * w);
      /* two channels per pass over the partial sums: half the loads and
         stores of acc; the sum of a pair is added as one term, the same
         order for every output */
      int64_t c = 0;
      for (; c + 3 < C; c += 4) {
        const float *a = a0 + c * sc, *a1 = a + sc, *a2 = a1 + sc,
                    *a3 = a2 + sc;
        const float *b = b0 + c * sc, *b1 = b + sc, *b2 = b1 + sc,
                    *b3 = b2 + sc;
        for (int64_t j = 0; j < m; ++j) {
          const int64_t off = dy * w + j * s - R;
          int64_t lo = qlo, hi = qhi;
          if (lo + off < 0) lo = -off;
          if (hi + off > hw) hi = hw - off;
          float *restrict r = acc + j * band * w - y0 * w;
          const float *restrict aa = a, *restrict aa1 = a1,
                                *restrict aa2 = a2, *restrict aa3 = a3;
          const float *restrict bb = b + off, *restrict bb1 = b1 + off,
                                *restrict bb2 = b2 + off,
                                *restrict bb3 = b3 + off;
          for (int64_t q = lo; q < hi; ++q)
            r[q] += (aa[q] * bb[q] + aa1[q] * bb1[q]) +
                    (aa2[q] * bb2[q] + aa3[q] * bb3[q]);
        }
      }
      for (; c + 1 < C; c += 2) {
        const float *a = a0 + c * sc, *a1 = a + sc;
        const float *b = b0 + c * sc, *b1 = b + sc;
        for (int64_t j = 0; j < m; ++j) {
          const int64_t off = dy * w + j * s - R;
          /* keep q + off inside the frame [0, hw) */
          int64_t lo = qlo, hi = qhi;
          if (lo + off < 0) lo = -off;
          if (hi + off > hw) hi = hw - off;
          float *restrict r = acc + j * band * w - y0 * w;
          const float *restrict aa = a, *restrict aa1 = a1;
          const float *restrict bb = b + off, *restrict bb1 = b1 + off;
          for (int64_t q = lo; q < hi; ++q)
            r[q] += aa[q] * bb[q] + aa1[q] * bb1[q];
        }
      }
      for (; c < C; ++c) {
        const float *a = a0 + c * sc;
        const float *b = b0 + c * sc;
        for (int64_t j = 0; j < m; ++j) {
          const int64_t off = dy * w + j * s - R;
          int64_t lo = qlo, hi = qhi;
          if (lo + off < 0) lo = -off;
          if (hi + off > hw) hi = hw - off;
          float *restrict r = acc + j * band * w - y0 * w;
          const float *restrict aa = a;
          const float *restrict bb = b + off;
          for (int64_t q = lo; q < hi; ++q) r[q] += aa[q] * bb[q];
        }
      }
      for (int64_t j = 0; j < m; ++j) {
        const int64_t dx = j * s - R;
        const int64_t xlo = dx < 0 ? -dx : 0, xhi = dx > 0 ? w - dx : w;
        float *o = o0 + (i * m + j) * ok;
        const float *r = acc + j * band * w - y0 * w;
        for (int64_t y = y0; y < y1; ++y) {
          float *orow = o + y * w;
          if (y < ylo || y >= yhi) {
            memset(orow, 0, sizeof(float) * w);
            continue;
          }
          const float *rr = r + y * w, *n1 = i1 + y * w,
                      *n2 = i2 + (y + dy) * w + dx;
          int64_t x = 0;
          for (; x < xlo && x < w; ++x) orow[x] = 0.f;
          for (; x < xhi; ++x) orow[x] = rr[x] * n1[x] * n2[x];
          for (; x < w; ++x) orow[x] = 0.f;
        }
      }
    }
  }
  free(acc);
  return 0;
}

/* Backward pass for tasks [task_begin, task_end) of the (pair, band)
   grid of contiguous (P, C, h, w) stacks: the gradient of `mine` (F_t when
   sign = 1, F_t+1 when sign = -1) given g = dL/dcv (P, m*m, h, w):
     gu[c, q] = sum_k g[k, src_k(q)] inv_other[q + sign o_k]
                      other[c, q + sign o_k]
   with src_k(q) = q (sign 1) or q - o_k (sign -1), terms whose partner or
   source leaves the map dropped; then, u = mine * inv_mine,
     r[q] = live[q] sum_c gu[c, q] u[c, q]
     grad[c, q] = inv_mine[q] (gu[c, q] - u[c, q] r[q])
   A gather for both inputs (no atomics): bands are independent. */
int hcml_cost_volume_grad(const float *mine, const float *other,
                          const float *inv_mine, const float *inv_other,
                          const float *live, const float *g, float *grad,
                          int64_t task_begin, int64_t task_end,
                          int64_t band, int64_t C, int64_t h, int64_t w,
                          int64_t steps, int64_t s, int64_t sign) {
  const int64_t m = 2 * steps + 1, mm = m * m, R = steps * s, hw = h * w;
  const int64_t bands = (h + band - 1) / band;
  float *gs = (float *)malloc(sizeof(float) * mm * band * w);
  float *r = (float *)malloc(sizeof(float) * band * w);
  if (!gs || !r) { free(gs); free(r); return 1; }
  for (int64_t task = task_begin; task < task_end; ++task) {
    const int64_t p = task / bands;
    const int64_t y0 = (task % bands) * band;
    const int64_t y1 = y0 + band < h ? y0 + band : h;
    const int64_t n = (y1 - y0) * w;
    const float *me = mine + p * C * hw, *ot = other + p * C * hw;
    const float *im = inv_mine + p * hw, *io = inv_other + p * hw;
    const float *lv = live + p * hw, *gp = g + p * mm * hw;
    float *gr = grad + p * C * hw;
    /* gs[k][q - y0 w]: the weight of partner q + sign o_k */
    for (int64_t k = 0; k < mm; ++k) {
      const int64_t dy = (k / m) * s - R, dx = (k % m) * s - R;
      float *gk = gs + k * band * w;
      for (int64_t y = y0; y < y1; ++y) {
        const int64_t y2 = y + sign * dy;
        for (int64_t x = 0; x < w; ++x) {
          const int64_t x2 = x + sign * dx;
          float v = 0.f;
          if (y2 >= 0 && y2 < h && x2 >= 0 && x2 < w) {
            /* entry (k, source) of g: source q (sign 1) or q - o_k */
            const int64_t src = sign > 0 ? y * w + x : y2 * w + x2;
            v = gp[k * hw + src] * io[y2 * w + x2];
          }
          gk[(y - y0) * w + x] = v;
        }
      }
    }
    for (int64_t c = 0; c < C; ++c) {
      float *restrict out = gr + c * hw + y0 * w;
      const float *oc = ot + c * hw;
      memset(out, 0, sizeof(float) * n);
      for (int64_t k = 0; k < mm; ++k) {
        const int64_t dy = (k / m) * s - R, dx = (k % m) * s - R;
        const int64_t off = sign * (dy * w + dx);
        int64_t lo = y0 * w, hi = y1 * w;
        if (lo + off < 0) lo = -off;
        if (hi + off > hw) hi = hw - off;
        const float *restrict wk = gs + k * band * w - y0 * w;
        const float *restrict b = oc + off;
        float *restrict o = gr + c * hw;
        for (int64_t q = lo; q < hi; ++q) o[q] += wk[q] * b[q];
      }
    }
    memset(r, 0, sizeof(float) * n);
    for (int64_t c = 0; c < C; ++c) {
      const float *restrict gc = gr + c * hw + y0 * w;
      const float *restrict mc = me + c * hw + y0 * w;
      for (int64_t q = 0; q < n; ++q) r[q] += gc[q] * mc[q];
    }
    for (int64_t q = 0; q < n; ++q) {
      const float i = im[y0 * w + q];
      r[q] *= lv[y0 * w + q] * i * i; /* u r / inv: one multiply below */
    }
    for (int64_t c = 0; c < C; ++c) {
      float *restrict gc = gr + c * hw + y0 * w;
      const float *restrict mc = me + c * hw + y0 * w;
      const float *restrict ic = im + y0 * w;
      for (int64_t q = 0; q < n; ++q)
        gc[q] = ic[q] * (gc[q] - mc[q] * r[q]);
    }
  }
  free(gs);
  free(r);
  return 0;
}

/* inv[f, p] = 1 / max(|F[f, :, p]|, eps) for frames [frame_begin,
   frame_end) of clip-major order (clip = f / T, t = f % T); element (clip,
   c, t, p) of F at clip*sn + c*sc + t*st + p, inv dense (frames, hw). */
int hcml_inverse_norms(const float *f, float *inv, int64_t frame_begin,
                       int64_t frame_end, int64_t T, int64_t C, int64_t hw,
                       int64_t sn, int64_t sc, int64_t st, double eps) {
  const float e = (float)eps;
  for (int64_t fr = frame_begin; fr < frame_end; ++fr) {
    const float *f0 = f + (fr / T) * sn + (fr % T) * st;
    float *restrict out = inv + fr * hw;
    memset(out, 0, sizeof(float) * hw);
    for (int64_t c = 0; c < C; ++c) {
      const float *restrict v = f0 + c * sc;
      for (int64_t p = 0; p < hw; ++p) out[p] += v[p] * v[p];
    }
    for (int64_t p = 0; p < hw; ++p) {
      const float n = sqrtf(out[p]);
      out[p] = 1.f / (n > e ? n : e);
    }
  }
  return 0;
}
'''

#: Pixels per band of rows (one task): the band's ``m`` partial sums
#: (``m * BAND_PIXELS`` floats) stay in L1.
BAND_PIXELS = 256

_FLAGS = ('-O3', '-std=c99', '-fPIC', '-shared')
_ARCH_FLAGS = ('-march=native', )

_lib: Optional[ctypes.CDLL] = None
_tried = False
_lock = threading.Lock()
_pool: Optional[ThreadPoolExecutor] = None
_pool_size = 0


def _cpu_model() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _compile(cache_dir: str) -> Optional[str]:
    """Path of the compiled library, building it when missing."""
    compiler = os.environ.get('CC') or shutil.which('cc') or shutil.which(
        'gcc')
    if compiler is None:
        return None
    for flags in (_FLAGS + _ARCH_FLAGS, _FLAGS):
        key = hashlib.sha1('\0'.join(
            (_SOURCE, compiler, *flags, _cpu_model(),
             platform.machine())).encode()).hexdigest()[:16]
        path = osp.join(cache_dir, f'hcml_cost_volume_{key}.so')
        if osp.isfile(path):
            return path
        os.makedirs(cache_dir, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            src = osp.join(tmp, 'cost_volume.c')
            with open(src, 'w') as f:
                f.write(_SOURCE)
            built = osp.join(tmp, 'lib.so')
            try:
                subprocess.run([compiler, *flags, src, '-o', built, '-lm'],
                               check=True, capture_output=True, timeout=120)
            except (OSError, subprocess.SubprocessError):
                continue
            os.replace(built, path)  # atomic: concurrent builds are alike
        return path
    return None


def _load() -> Optional[ctypes.CDLL]:
    global _lib, _tried
    with _lock:
        if _tried:
            return _lib
        _tried = True
        if os.environ.get('MMHCML_NATIVE_KERNELS', '1') == '0':
            return None
        cache = os.environ.get('MMHCML_CACHE') or osp.join(
            osp.expanduser('~'), '.cache', 'mmhcml')
        try:
            path = _compile(cache)
            lib = ctypes.CDLL(path) if path else None
        except OSError as err:
            warnings.warn(f'native cost volume kernel unavailable ({err}); '
                          "using impl='fast'")
            lib = None
        if lib is not None:
            fn = lib.hcml_cost_volume_bands
            fn.restype = ctypes.c_int
            fn.argtypes = [ctypes.c_void_p] * 5 + [ctypes.c_int64] * 16
            fn = lib.hcml_cost_volume_grad
            fn.restype = ctypes.c_int
            fn.argtypes = [ctypes.c_void_p] * 7 + [ctypes.c_int64] * 9
            fn = lib.hcml_inverse_norms
            fn.restype = ctypes.c_int
            fn.argtypes = [ctypes.c_void_p] * 2 + [ctypes.c_int64] * 8 + [
                ctypes.c_double]
        _lib = lib
        return _lib


def native_available() -> bool:
    """Whether the compiled kernel can run (a C compiler was found or the
    library is cached, and ``MMHCML_NATIVE_KERNELS`` is not ``0``)."""
    return _load() is not None


def _executor(threads: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != threads:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(threads,
                                       thread_name_prefix='hcml_cv')
            _pool_size = threads
        return _pool


def _library() -> ctypes.CDLL:
    lib = _load()
    if lib is None:
        raise RuntimeError('the native cost volume kernel is unavailable '
                           '(no C compiler, or MMHCML_NATIVE_KERNELS=0)')
    return lib


def _parallel(fn, tasks: int, args: tuple, tail: tuple) -> None:
    """``fn(*args, lo, hi, *tail)`` over ``[0, tasks)`` split into
    ``torch.get_num_threads()`` blocks, one per pool thread (ctypes
    releases the GIL)."""
    threads = max(1, min(torch.get_num_threads(), tasks))
    if threads == 1:
        codes = [fn(*args, 0, tasks, *tail)]
    else:
        bounds = [tasks * i // threads for i in range(threads + 1)]
        futures = [
            _executor(threads).submit(fn, *args, lo, hi, *tail)
            for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo
        ]
        codes = [f.result() for f in futures]
    if any(codes):
        raise MemoryError('native cost volume kernel: out of memory')


def _inverse_norms(feats: Tensor, eps: float) -> Tensor:
    """``1 / max(||F||, eps)`` over dim 1 of float32 ``(N, C, [T,] H, W)``
    features with dense ``H x W`` planes, as ``(N, T, H, W)`` (one pass of
    the C kernel)."""
    n, c = feats.shape[:2]
    t = feats.shape[2] if feats.dim() == 5 else 1
    h, w = feats.shape[-2:]
    inv = feats.new_empty((n, t, h, w))
    st = feats.stride(2) if feats.dim() == 5 else 0
    _parallel(_library().hcml_inverse_norms, n * t,
              (feats.data_ptr(), inv.data_ptr()),
              (t, c, h * w, feats.stride(0), feats.stride(1), st, eps))
    return inv


def _run(f1: Tensor, f2: Tensor, inv1: Tensor, inv2: Tensor, out: Tensor,
         pairs: int, frames: int, steps: int, stride: int,
         shift: int) -> None:
    lib = _library()
    h, w = f1.shape[-2:]
    c = f1.shape[1]
    sn, sc = f1.stride(0), f1.stride(1)
    st = f1.stride(2) if f1.dim() == 5 else 0
    on, ok = out.stride(0), out.stride(1)
    ot = out.stride(2) if out.dim() == 5 else 0
    band = min(h, max(1, -(-BAND_PIXELS // w)))
    tasks = pairs * (-(-h // band))
    args = (f1.data_ptr(), f2.data_ptr(), inv1.data_ptr(), inv2.data_ptr(),
            out.data_ptr())
    tail = (band, frames, c, h, w, sn, sc, st, on, ok, ot, steps, stride,
            shift)
    _parallel(lib.hcml_cost_volume_bands, tasks, args, tail)


def _as_float(x: Tensor) -> Tensor:
    """float32, each ``H x W`` plane dense; other strides are the kernel's
    arguments, so channel or frame slices of a larger tensor are read in
    place."""
    x = x.float()
    if x.stride(-1) != 1 or x.stride(-2) != x.shape[-1]:
        x = x.contiguous()
    return x


@torch.no_grad()
def native_temporal_cost_volume(feats: Tensor,
                                max_displacement: int,
                                stride: int,
                                eps: float = 1e-8,
                                out: Optional[Tensor] = None) -> Tensor:
    """Cost volume of the pairs ``(F_t, F_min(t+1, T-1))`` read in place.

    Forward only (no autograd graph). Shape: ``(N, C, T, H, W)`` ->
    ``(N, M, T, H, W)``, float32 inputs computed as such, others in float32
    and returned in their dtype. ``out``, a float32 ``(N, M, T, H, W)``
    tensor whose ``H x W`` planes are dense (e.g. a channel slice of a
    larger buffer), receives the result in place.
    """
    dtype = feats.dtype
    x = _as_float(feats)
    n, _, t, h, w = x.shape
    steps = max_displacement // stride
    m = 2 * steps + 1
    if out is not None and (out.dtype != torch.float32 or out.shape !=
                            (n, m * m, t, h, w) or out.stride(-1) != 1
                            or out.stride(-2) != w):
        raise ValueError(f'out must be a float32 {(n, m * m, t, h, w)} '
                         'tensor with dense H x W planes, got '
                         f'{out.dtype} {tuple(out.shape)} with strides '
                         f'{out.stride()}')
    inv = _inverse_norms(x, eps)
    result = x.new_empty((n, m * m, t, h, w)) if out is None else out
    _run(x, x, inv, inv, result, n * t, t, steps, stride, 1)
    return result if out is not None else result.to(dtype)


@torch.no_grad()
def native_cost_volume(feat1: Tensor, feat2: Tensor, max_displacement: int,
                       stride: int, eps: float = 1e-8) -> Tensor:
    """Cost volume of two ``(N, C, H, W)`` maps; forward only."""
    dtype = feat1.dtype
    a, b = _as_float(feat1), _as_float(feat2)
    n, _, h, w = a.shape
    steps = max_displacement // stride
    m = 2 * steps + 1
    inv1, inv2 = _inverse_norms(a, eps), _inverse_norms(b, eps)
    out = a.new_empty((n, m * m, h, w))
    _run(a, b, inv1, inv2, out, n, 1, steps, stride, 0)
    return out.to(dtype)


@torch.no_grad()
def native_cost_volume_grad(mine: Tensor, other: Tensor, inv_mine: Tensor,
                            inv_other: Tensor, live: Tensor, grad_out: Tensor,
                            max_displacement: int, stride: int,
                            first: bool) -> Tensor:
    """Gradient of the cost volume of contiguous float32 ``(P, C, H, W)``
    pair stacks with respect to ``F_t`` (``first``, ``mine = F_t``) or
    ``F_t+1`` (``mine = F_t+1``), given ``grad_out`` ``(P, M, H, W)``; the
    inverse norms and the mask ``||F|| > eps`` of each stack as
    ``(P, 1, H, W)`` (the saved tensors of the ``'fast'`` path).
    """
    lib = _library()
    p, c, h, w = mine.shape
    args = [x.contiguous() for x in (mine, other, inv_mine, inv_other, live,
                                     grad_out)]
    grad = torch.empty_like(args[0])
    band = min(h, max(1, -(-BAND_PIXELS // w)))
    tasks = p * (-(-h // band))
    _parallel(lib.hcml_cost_volume_grad, tasks,
              tuple(x.data_ptr() for x in args) + (grad.data_ptr(), ),
              (band, c, h, w, max_displacement // stride, stride,
               1 if first else -1))
    return grad
