"""Triton kernels of :mod:`.cost_volume_triton` (Eq. 1, section 3.2).

Imported only when a Triton cost volume runs: importing this module needs
``triton``. See :mod:`.cost_volume_triton` for the maths.
"""
import os

import triton
import triton.language as tl

__all__ = ['INTERPRET', 'forward_kernel', 'backward_kernel']

#: Whether the kernels below were defined for the interpreter.
INTERPRET = os.environ.get('TRITON_INTERPRET', '0') == '1'


@triton.jit
def _geometry(p, k, H, W, R, S, M, K):
    # pixel p = y * W + x; displacement k = row-major over (dy, dx)
    y, x = p // W, p % W
    dy, dx = (k // M - R) * S, (k % M - R) * S
    return y, x, dy, dx, k < K


@triton.jit
def forward_kernel(f1, f2, inv1, inv2, out, C, H, W, R, S, M, K,
                   BLOCK_P: tl.constexpr, BLOCK_K: tl.constexpr):
    n, hw = tl.program_id(1), H * W
    p = tl.program_id(0) * BLOCK_P + tl.arange(0, BLOCK_P)
    k = tl.arange(0, BLOCK_K)
    y, x, dy, dx, valid_k = _geometry(p, k, H, W, R, S, M, K)
    valid_p = p < hw
    y2, x2 = y[:, None] + dy[None, :], x[:, None] + dx[None, :]
    inside = (valid_p[:, None] & valid_k[None, :] & (y2 >= 0) & (y2 < H)
              & (x2 >= 0) & (x2 < W))
    q = y2 * W + x2
    acc = tl.zeros((BLOCK_P, BLOCK_K), dtype=tl.float32)
    base = n.to(tl.int64) * C * hw
    for c in range(C):
        a = tl.load(f1 + base + c * hw + p, mask=valid_p, other=0.)
        b = tl.load(f2 + base + c * hw + q, mask=inside, other=0.)
        acc += a.to(tl.float32)[:, None] * b.to(tl.float32)
    i1 = tl.load(inv1 + n * hw + p, mask=valid_p, other=0.)
    i2 = tl.load(inv2 + n * hw + q, mask=inside, other=0.)
    acc = acc * i1[:, None] * i2
    dst = out + n.to(tl.int64) * K * hw + k[None, :] * hw + p[:, None]
    tl.store(dst, acc, mask=valid_p[:, None] & valid_k[None, :])


@triton.jit
def backward_kernel(f_this, f_other, inv_this, inv_other, live_this,
                    grad_out, out, grad_this, C, H, W, R, S, M, K,
                    SIGN: tl.constexpr, BLOCK_P: tl.constexpr,
                    BLOCK_K: tl.constexpr):
    # SIGN = +1: gradient of F_t (partners at p + o_k, entries (p, k));
    # SIGN = -1: gradient of F_t+1 (partners at p - o_k, entries there).
    n, hw = tl.program_id(1), H * W
    p = tl.program_id(0) * BLOCK_P + tl.arange(0, BLOCK_P)
    k = tl.arange(0, BLOCK_K)
    y, x, dy, dx, valid_k = _geometry(p, k, H, W, R, S, M, K)
    valid_p = p < hw
    y2 = y[:, None] + SIGN * dy[None, :]
    x2 = x[:, None] + SIGN * dx[None, :]
    inside = (valid_p[:, None] & valid_k[None, :] & (y2 >= 0) & (y2 < H)
              & (x2 >= 0) & (x2 < W))
    q = y2 * W + x2
    if SIGN < 0:  # entries (q, k) of the output, q = p - o_k
        entry = q
    else:  # entries (p, k)
        entry = p[:, None] + 0 * q
    cv = n.to(tl.int64) * K * hw + k[None, :] * hw + entry
    g = tl.load(grad_out + cv, mask=inside, other=0.).to(tl.float32)
    o = tl.load(out + cv, mask=inside, other=0.).to(tl.float32)
    i_other = tl.load(inv_other + n * hw + q, mask=inside, other=0.)
    weight = g * i_other
    i_this = tl.load(inv_this + n * hw + p, mask=valid_p, other=0.)
    live = tl.load(live_this + n * hw + p, mask=valid_p, other=0.)
    coef = live * i_this * i_this * tl.sum(g * o, axis=1)
    base = n.to(tl.int64) * C * hw
    for c in range(C):
        partner = tl.load(f_other + base + c * hw + q, mask=inside,
                          other=0.).to(tl.float32)
        mine = tl.load(f_this + base + c * hw + p, mask=valid_p,
                       other=0.).to(tl.float32)
        grad = i_this * tl.sum(weight * partner, axis=1) - coef * mine
        tl.store(grad_this + base + c * hw + p,
                 grad.to(grad_this.dtype.element_ty), mask=valid_p)
