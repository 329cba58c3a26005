"""Triton kernels of :mod:`.cost_volume_triton` (Eq. 1, section 3.2).

Imported only when a Triton cost volume runs: importing this module needs
``triton``. See :mod:`.cost_volume_triton` for the maths and the tiling.

Every tensor in these kernels keeps the image row ``x`` as its last (fastest)
axis, so each load and store of a warp walks along ``W`` and is coalesced;
loop bounds are compile-time constants, never Python values taken from
tensors, so the interpreter runs the kernels too. Loops over the ``M``
displacements are not unrolled: unrolled, the compiler hoists their loads and
pointers until the registers spill.
"""
import os

import triton
import triton.language as tl

__all__ = [
    'INTERPRET', 'norm_kernel', 'forward_kernel', 'tiled_forward_kernel',
    'radial_kernel', 'grad_kernel'
]

#: Whether the kernels below were defined for the interpreter.
INTERPRET = os.environ.get('TRITON_INTERPRET', '0') == '1'


@triton.jit
def _pair_bases(p, T, SN, ST, ON, OT, SHIFT: tl.constexpr):
    """Offsets of frame pair ``p`` (``T`` pairs per clip): of ``F_t``, of
    ``F_t+1`` (frame ``min(t + SHIFT, T - 1)`` of the same tensor when
    ``SHIFT = 1``, the same frame of the second tensor when ``SHIFT = 0``)
    and of the pair's output. Input offsets are ``clip * SN + t * ST``,
    output offsets ``clip * ON + t * OT``."""
    clip = (p // T).to(tl.int64)
    t = p % T
    t2 = tl.minimum(t + SHIFT, T - 1)
    return (clip * SN + t * ST, clip * SN + t2 * ST, clip * ON + t * OT)


@triton.jit
def norm_kernel(f1, f2, nrm, H, W, T, SN, ST, CS, C: tl.constexpr,
                BLOCK: tl.constexpr, SHIFT: tl.constexpr):
    """``nrm[p, 0] = |F_t|`` and ``nrm[p, 1] = |F_t+1|`` of pair ``p`` for a
    block of ``BLOCK`` pixels (the ``PRENORM`` variant of the forward pass
    reads them instead of accumulating them)."""
    block, n = tl.program_id(0), tl.program_id(1)
    hw = H * W
    pix = block * BLOCK + tl.arange(0, BLOCK)
    valid = pix < hw
    base1, base2, _ = _pair_bases(n, T, SN, ST, 0, 0, SHIFT)
    sq1 = tl.zeros((BLOCK, ), dtype=tl.float32)
    sq2 = tl.zeros((BLOCK, ), dtype=tl.float32)
    for c in range(C):
        a = tl.load(f1 + base1 + c * CS + pix, mask=valid,
                    other=0.).to(tl.float32)
        b = tl.load(f2 + base2 + c * CS + pix, mask=valid,
                    other=0.).to(tl.float32)
        sq1 += a * a
        sq2 += b * b
    norms = nrm + n.to(tl.int64) * 2 * hw + pix
    tl.store(norms, tl.sqrt(sq1), mask=valid)
    tl.store(norms + hw, tl.sqrt(sq2), mask=valid)


@triton.jit
def forward_kernel(f1, f2, out, nrm, H, W, EPS, T, SN, ST, CS, ON, OT, OK,
                   C: tl.constexpr, C_MAIN: tl.constexpr, STEPS: tl.constexpr,
                   S: tl.constexpr, MX: tl.constexpr, BH: tl.constexpr,
                   BW: tl.constexpr, CU: tl.constexpr, SHIFT: tl.constexpr,
                   PRENORM: tl.constexpr):
    """One displacement row ``dy`` x a ``BH x BW`` pixel tile x one pair.

    Accumulates the ``m`` dot products of the row (``MX >= m`` lanes) and
    the squared norms of ``F_t`` and of the shifted ``F_t+1`` over all
    channels, so each ``F_t`` value is read once per row and the norms need
    no pass of their own. Programs of the centre row (``dy = 0``) also store
    the two norm maps for the backward pass. With ``PRENORM`` the norms come
    from :func:`norm_kernel` instead (one multiply-add per loaded value
    instead of two). The channel loops have compile-time bounds (``C``,
    ``C_MAIN = C - C % CU``): no loop bound is ever taken from a tensor,
    which older interpreters cannot convert.
    """
    M: tl.constexpr = 2 * STEPS + 1
    row, tile, n = tl.program_id(0), tl.program_id(1), tl.program_id(2)
    tiles_w = tl.cdiv(W, BW)
    hw = H * W
    j = tl.arange(0, MX)[:, None, None]  # dx lane
    y = (tile // tiles_w) * BH + tl.arange(0, BH)[None, :, None]
    x = (tile % tiles_w) * BW + tl.arange(0, BW)[None, None, :]
    dy = (row - STEPS) * S
    y2, x2 = y + dy, x + (j - STEPS) * S
    valid = (y < H) & (x < W)  # (1, BH, BW)
    live = valid & (j < M)  # (MX, BH, BW): entries of the output
    inside = live & (y2 >= 0) & (y2 < H) & (x2 >= 0) & (x2 < W)
    pix, pix2 = y * W + x, y2 * W + x2
    base1, base2, obase = _pair_bases(n, T, SN, ST, ON, OT, SHIFT)
    src1, src2 = f1 + base1 + pix, f2 + base2 + pix2
    acc = tl.zeros((MX, BH, BW), dtype=tl.float32)
    sq2 = tl.zeros((MX, BH, BW), dtype=tl.float32)
    sq1 = tl.zeros((1, BH, BW), dtype=tl.float32)
    for c0 in range(0, C_MAIN, CU):  # CU channels per step: more in flight
        for u in tl.static_range(CU):
            a = tl.load(src1 + (c0 + u) * CS, mask=valid,
                        other=0.).to(tl.float32)
            b = tl.load(src2 + (c0 + u) * CS, mask=inside,
                        other=0.).to(tl.float32)
            acc += a * b
            if not PRENORM:
                sq2 += b * b
                sq1 += a * a
    for c in range(C_MAIN, C):
        a = tl.load(src1 + c * CS, mask=valid, other=0.).to(tl.float32)
        b = tl.load(src2 + c * CS, mask=inside, other=0.).to(tl.float32)
        acc += a * b
        if not PRENORM:
            sq2 += b * b
            sq1 += a * a
    norms = nrm + n.to(tl.int64) * 2 * hw
    if PRENORM:
        n1 = tl.load(norms + pix, mask=valid, other=1.)
        n2 = tl.load(norms + hw + pix2, mask=inside, other=1.)
    else:
        n1, n2 = tl.sqrt(sq1), tl.sqrt(sq2)
    cos = acc / (tl.maximum(n1, EPS) * tl.maximum(n2, EPS))
    cos = tl.where(inside, cos, 0.)
    k = row * M + j
    dst = out + obase + k * OK + pix
    tl.store(dst, cos.to(out.dtype.element_ty), mask=live)
    if not PRENORM:
        # dy = 0: lane j = STEPS sits at dx = 0 (a tensor mask, not a branch)
        centre = (y2 - y) == 0
        tl.store(norms + pix, n1, mask=valid & centre)
        tl.store(norms + hw + pix2, n2, mask=live & (j == STEPS) & centre)


@triton.jit
def _tiled_channel(a_src, b_src, a_mask, b_mask, idx, acc, sq1, sqh,
                   K: tl.constexpr, P: tl.constexpr, GATHER: tl.constexpr):
    """One channel of :func:`tiled_forward_kernel`: the ``F_t`` tile
    ``(1, P)`` is loaded once and multiplies the ``K`` partner values of
    each of its pixels. With ``GATHER`` one load of the ``F_t+1`` halo,
    whose lanes pick their partners with ``tl.gather`` (through shared
    memory on a GPU), and the squared norms of the tile and of the halo;
    without, one masked load of the ``(K, P)`` shifted partners."""
    a = tl.load(a_src, mask=a_mask, other=0.).to(tl.float32)
    if GATHER:
        halo = tl.load(b_src, mask=b_mask, other=0.).to(tl.float32)
        b = tl.reshape(tl.gather(halo, idx, 0), (K, P))
        sq1 += a * a
        sqh += halo * halo
    else:
        b = tl.load(b_src, mask=b_mask, other=0.).to(tl.float32)
    return acc + a * b, sq1, sqh


@triton.jit
def tiled_forward_kernel(f1, f2, out, nrm, H, W, EPS, T, SN, ST, CS, ON, OT,
                         OK, C: tl.constexpr, C_MAIN: tl.constexpr,
                         STEPS: tl.constexpr, S: tl.constexpr,
                         K: tl.constexpr, BH: tl.constexpr,
                         BW: tl.constexpr, HALO: tl.constexpr,
                         CU: tl.constexpr, SHIFT: tl.constexpr,
                         GATHER: tl.constexpr):
    """All ``M`` displacements x a ``BH x BW`` pixel tile x one pair.

    Lanes ``k < M`` (``K >= M``) of the ``(K, BH * BW)`` accumulator are the
    output channels, so each ``F_t`` value is read once per call, not once
    per displacement row, and the tile stays in registers for all ``M``
    products. ``GATHER = 1``: per channel, the ``(BH + 2r) x (BW + 2r)``
    halo of ``F_t+1`` (``r = STEPS * S``, ``HALO`` lanes, a power of two) is
    loaded once and every displacement takes its values from it with
    ``tl.gather``, so each ``F_t+1`` value is read once per tile; the norms
    are summed from the same registers and stored, each tile the norms of
    its own pixels. ``GATHER = 0``: the ``K`` shifted partners are loaded
    straight from memory (the halo's repeats are cache hits) and the norms
    come from :func:`norm_kernel`.
    """
    M: tl.constexpr = 2 * STEPS + 1
    R: tl.constexpr = STEPS * S
    HW_ROW: tl.constexpr = BW + 2 * R  # halo row length
    P: tl.constexpr = BH * BW
    tile, n = tl.program_id(0), tl.program_id(1)
    tiles_w = tl.cdiv(W, BW)
    hw = H * W
    y0 = (tile // tiles_w) * BH
    x0 = (tile % tiles_w) * BW
    k = tl.arange(0, K)[:, None]  # displacement lane
    q = tl.arange(0, P)[None, :]  # pixel of the tile
    ly, lx = q // BW, q % BW
    y, x = y0 + ly, x0 + lx
    dy = (k // M - STEPS) * S
    dx = (k % M - STEPS) * S
    y2, x2 = y + dy, x + dx
    valid = (y < H) & (x < W)  # (1, P)
    live = valid & (k < M * M)  # (K, P): entries of the output
    inside = live & (y2 >= 0) & (y2 < H) & (x2 >= 0) & (x2 < W)
    pix = y * W + x
    base1, base2, obase = _pair_bases(n, T, SN, ST, ON, OT, SHIFT)
    src1 = f1 + base1 + pix
    # the halo: entry h at (y0 - R + h // HW_ROW, x0 - R + h % HW_ROW)
    h = tl.arange(0, HALO)
    hy, hx = h // HW_ROW, h % HW_ROW
    yh, xh = y0 - R + hy, x0 - R + hx
    in_halo = (h < (BH + 2 * R) * HW_ROW) & (yh >= 0) & (yh < H) & \
        (xh >= 0) & (xh < W)
    if GATHER:
        src2 = f2 + base2 + yh * W + xh
        mask2 = in_halo
        # lane k of pixel q is halo entry (ly + R + dy, lx + R + dx)
        idx = tl.reshape(
            tl.where(live, (ly + R + dy) * HW_ROW + lx + R + dx, 0),
            (K * P, ))
    else:
        src2 = f2 + base2 + y2 * W + x2
        mask2 = inside
        idx = tl.zeros((K * P, ), dtype=tl.int32)
    acc = tl.zeros((K, P), dtype=tl.float32)
    sq1 = tl.zeros((1, P), dtype=tl.float32)
    sqh = tl.zeros((HALO, ), dtype=tl.float32)
    for c0 in range(0, C_MAIN, CU):  # CU channels per step: more in flight
        for u in tl.static_range(CU):
            acc, sq1, sqh = _tiled_channel(
                src1 + (c0 + u) * CS, src2 + (c0 + u) * CS, valid, mask2,
                idx, acc, sq1, sqh, K, P, GATHER)
    for c in range(C_MAIN, C):
        acc, sq1, sqh = _tiled_channel(src1 + c * CS, src2 + c * CS, valid,
                                       mask2, idx, acc, sq1, sqh, K, P,
                                       GATHER)
    norms = nrm + n.to(tl.int64) * 2 * hw
    if GATHER:
        n1 = tl.sqrt(sq1)
        nh = tl.sqrt(sqh)
        n2 = tl.reshape(tl.gather(nh, idx, 0), (K, P))
    else:
        n1 = tl.load(norms + pix, mask=valid, other=1.)
        n2 = tl.load(norms + hw + y2 * W + x2, mask=inside, other=1.)
    cos = acc / (tl.maximum(n1, EPS) * tl.maximum(n2, EPS))
    cos = tl.where(inside, cos, 0.)
    tl.store(out + obase + k * OK + pix, cos.to(out.dtype.element_ty),
             mask=live)
    if GATHER:
        tl.store(norms + pix, n1, mask=valid)
        own = in_halo & (hy >= R) & (hy < R + BH) & (hx >= R) & \
            (hx < R + BW)
        tl.store(norms + hw + yh * W + xh, nh, mask=own)


@triton.jit
def radial_kernel(grad_out, out, radial, H, W, T, ON, OT, OK,
                  STEPS: tl.constexpr, S: tl.constexpr, BH: tl.constexpr,
                  BW: tl.constexpr, NEED1: tl.constexpr,
                  NEED2: tl.constexpr):
    """``radial[n, 0, p] = sum_k g[k, p] cv[k, p]`` (for ``F_t``) and
    ``radial[n, 1, q] = sum_k g[k, q - o_k] cv[k, q - o_k]`` (``F_t+1``)."""
    M: tl.constexpr = 2 * STEPS + 1
    tile, n = tl.program_id(0), tl.program_id(1)
    tiles_w = tl.cdiv(W, BW)
    hw = H * W
    y = (tile // tiles_w) * BH + tl.arange(0, BH)[:, None]
    x = (tile % tiles_w) * BW + tl.arange(0, BW)[None, :]
    valid = (y < H) & (x < W)
    pix = y * W + x
    # output offsets only: SN, ST unused (0)
    _, _, obase = _pair_bases(n, T, 0, 0, ON, OT, 0)
    cv = obase + pix
    r1 = tl.zeros((BH, BW), dtype=tl.float32)
    r2 = tl.zeros((BH, BW), dtype=tl.float32)
    for k in range(M * M):  # compile-time bound, not unrolled
        dy = (k // M - STEPS) * S
        dx = (k % M - STEPS) * S
        if NEED1:
            g = tl.load(grad_out + cv + k * OK, mask=valid, other=0.)
            o = tl.load(out + cv + k * OK, mask=valid, other=0.)
            r1 += g.to(tl.float32) * o.to(tl.float32)
        if NEED2:
            ys, xs = y - dy, x - dx
            src = valid & (ys >= 0) & (ys < H) & (xs >= 0) & (xs < W)
            shift = k * OK - dy * W - dx
            g = tl.load(grad_out + cv + shift, mask=src, other=0.)
            o = tl.load(out + cv + shift, mask=src, other=0.)
            r2 += g.to(tl.float32) * o.to(tl.float32)
    dst = radial + n.to(tl.int64) * 2 * hw + pix
    if NEED1:
        tl.store(dst, r1, mask=valid)
    if NEED2:
        tl.store(dst + hw, r2, mask=valid)


@triton.jit
def grad_kernel(f_this, f_other, nrm, grad_out, radial, grad, C, H, W, EPS,
                T, SN, ST, CS, ON, OT, OK, THIS: tl.constexpr,
                STEPS: tl.constexpr, S: tl.constexpr, CB: tl.constexpr,
                BH: tl.constexpr, BW: tl.constexpr, SHIFT: tl.constexpr):
    """Gradient of ``F_t`` (``THIS = 0``) or ``F_t+1`` (``THIS = 1``) for
    ``CB`` channels x a ``BH x BW`` pixel tile x one pair, as a gather over
    all displacements (partners at ``p + o_k`` or ``p - o_k``): no atomics.
    Both are written at the offsets of the pair's ``F_t`` in ``grad``.
    """
    M: tl.constexpr = 2 * STEPS + 1
    SIGN: tl.constexpr = 1 - 2 * THIS
    chunk, tile, n = tl.program_id(0), tl.program_id(1), tl.program_id(2)
    tiles_w = tl.cdiv(W, BW)
    hw = H * W
    ch = chunk * CB + tl.arange(0, CB)[:, None, None]
    y = (tile // tiles_w) * BH + tl.arange(0, BH)[None, :, None]
    x = (tile % tiles_w) * BW + tl.arange(0, BW)[None, None, :]
    valid = (y < H) & (x < W)  # (1, BH, BW)
    has_c = ch < C  # (CB, 1, 1)
    pix = y * W + x
    base1, base2, obase = _pair_bases(n, T, SN, ST, ON, OT, SHIFT)
    mine_base = base1 if THIS == 0 else base2
    src = f_other + (base2 if THIS == 0 else base1) + ch * CS + pix
    cv = grad_out + obase + pix
    norms = nrm + n.to(tl.int64) * 2 * hw + pix
    acc = tl.zeros((CB, BH, BW), dtype=tl.float32)
    # a loop over the displacements, not unrolled: unrolled steps hoist
    # their loads and pointers until the registers spill
    for k in range(M * M):
        dy = SIGN * (k // M - STEPS) * S
        dx = SIGN * (k % M - STEPS) * S
        yq, xq = y + dy, x + dx
        inside = valid & (yq >= 0) & (yq < H) & (xq >= 0) & (xq < W)
        shift = dy * W + dx
        if THIS == 0:  # entry (p, k), partner F_t+1[p + o_k]
            g = tl.load(cv + k * OK, mask=inside, other=0.)
        else:  # entry (q - o_k, k), partner F_t[q - o_k]
            g = tl.load(cv + k * OK + shift, mask=inside, other=0.)
        partner_norm = tl.load(norms + (1 - THIS) * hw + shift, mask=inside,
                               other=1.)
        weight = g.to(tl.float32) / tl.maximum(partner_norm, EPS)
        partner = tl.load(src + shift, mask=inside & has_c, other=0.)
        acc += weight * partner.to(tl.float32)
    mine_norm = tl.load(norms + THIS * hw, mask=valid, other=1.)
    inv = 1. / tl.maximum(mine_norm, EPS)
    r = tl.load(radial + n.to(tl.int64) * 2 * hw + THIS * hw + pix,
                mask=valid, other=0.)
    r = tl.where(mine_norm > EPS, r * inv, 0.)
    mine = tl.load(f_this + mine_base + ch * CS + pix, mask=valid & has_c,
                   other=0.)
    res = inv * (acc - r * mine.to(tl.float32))
    tl.store(grad + base1 + ch * CS + pix, res.to(grad.dtype.element_ty),
             mask=valid & has_c)
