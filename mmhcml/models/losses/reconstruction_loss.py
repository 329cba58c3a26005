"""Frame reconstruction loss, Eq. 2-3 (paper section 3.2).

``L_rec = L_photometric + zeta * L_smoothness`` with the generalised
Charbonnier penalty ``rho(z) = (z^2 + eps^2)^alpha``, ``alpha = 0.45``,
``eps = 1e-3``. Intensities are in ``[0, 1]``. Both terms are computed in
float32 whatever the autocast state.
"""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmaction.registry import MODELS
from ..ops import backward_warp
from .charbonnier import charbonnier
from .robust_terms import census_loss, edge_aware_smoothness, ssim_loss

__all__ = [
    'charbonnier', 'photometric_loss', 'smoothness_loss', 'PHOTOMETRIC_NORMS',
    'ReconstructionLoss'
]

#: Normalisers of Eq. 2 (see :func:`photometric_loss`).
PHOTOMETRIC_NORMS = ('valid', 'all')


def photometric_loss(target: Tensor,
                     warped: Tensor,
                     mask: Tensor,
                     alpha: float = 0.45,
                     eps: float = 1e-3,
                     normalise: str = 'valid',
                     intensity_scale: float = 1.0) -> Tensor:
    """Eq. 2: masked Charbonnier error, averaged (also over channels C).

    ``normalise='all'`` divides by every position, ``H * W * T``, as Eq. 2 is
    written: out-of-bound positions (``mask == 0``) add nothing but still
    count, so a flow that sends pixels out of the frame lowers the loss, and
    on small frames stage 1 diverges to flow that points everything out.
    ``'valid'`` divides by the in-bound
    positions only (``+ 1e-6``), which removes that reward.

    ``intensity_scale`` is the intensity range the Charbonnier penalty is
    evaluated in (the paper does not say): residuals are multiplied by it, so
    ``eps`` is in those units, and the result is divided by
    ``intensity_scale^(2 alpha)`` so that it stays in ``[0, 1]`` units and
    ``lambda`` and ``zeta`` keep their meaning. It equals the ``[0, 1]``
    penalty with ``eps / intensity_scale``: the quadratic zone of the
    penalty, ``|residual| < eps``, shrinks, and with it the sub-pixel flow
    that the loss leaves unpunished on still texture.

    Shape:
        - target, warped: ``(B, C, H, W)`` (B = clips x frame pairs)
        - mask: ``(B, 1, H, W)`` of 0/1
        - output: scalar
    """
    if normalise not in PHOTOMETRIC_NORMS:
        raise ValueError(f'normalise must be one of {PHOTOMETRIC_NORMS}, got '
                         f'{normalise!r}')
    if not intensity_scale > 0:
        raise ValueError(f'intensity_scale must be > 0, got '
                         f'{intensity_scale!r}')
    # ((s r)^2 + eps^2)^alpha / s^(2 alpha) = (r^2 + (eps / s)^2)^alpha
    error = charbonnier(target.float() - warped.float(), alpha,
                        eps / intensity_scale)
    masked = error * mask.float()
    if normalise == 'all':
        return masked.mean()
    valid = mask.float().sum() * error.shape[1]
    return masked.sum() / (valid + 1e-6)


def _flow_gradients(flow: Tensor) -> Tuple[Tensor, Tensor]:
    return flow[..., :, 1:] - flow[..., :, :-1], flow[..., 1:, :] - flow[..., :-1, :]


def smoothness_loss(flow: Tensor,
                    alpha: float = 0.45,
                    eps: float = 1e-3) -> Tensor:
    """Eq. 3: first-order smoothness of both flow components.

    ``rho(grad_x U) + rho(grad_y U) + rho(grad_x V) + rho(grad_y V)``, each
    term averaged over pixels, then averaged over the ``B`` flow fields.

    Shape:
        - flow: ``(B, 2, H, W)``
        - output: scalar
    """
    grad_x, grad_y = _flow_gradients(flow.float())
    per_field = (charbonnier(grad_x, alpha, eps).mean(dim=(2, 3)) +
                 charbonnier(grad_y, alpha, eps).mean(dim=(2, 3)))
    return per_field.sum(dim=1).mean()


@MODELS.register_module()
class ReconstructionLoss(nn.Module):
    """``L_rec = L_photometric + zeta * L_smoothness`` (Eq. 2-3).

    ::

        I_t+1 --backward warp by flow_t--> I^_t
        L_photometric = mean over scales s of  rho(pool_s(I_t) - I^_t at s)  (Eq. 2)
        L_smoothness  = rho(grad U) + rho(grad V)                             (Eq. 3)

    The weight ``lambda`` of Eq. 5 is not here: it is the head's
    ``loss_weight``, as ``gamma^l`` is the contrastive head's.

    Args:
        smooth_weight (float): ``zeta`` (the paper does not give it). With
            intensities in ``[0, 1]`` the photometric gradient per pixel is
            about ``|grad I| ~ 0.03`` while each smoothness term pushes with
            about ``zeta``: at ``zeta = 0.1`` the smoothness term wins and
            the flow collapses to zero. Defaults to ``0.01``.
        alpha (float): Charbonnier exponent. Defaults to ``0.45``.
        eps (float): Charbonnier epsilon. Defaults to ``1e-3``.
        photometric_norm (str): Normaliser of Eq. 2, one of
            :data:`PHOTOMETRIC_NORMS`: ``'valid'`` (in-bound pixels) or
            ``'all'`` (``H * W * T`` as written, which rewards sending pixels
            out of the frame; see :func:`photometric_loss`). Defaults to
            ``'valid'``.
        intensity_scale (float): Intensity range in which the photometric
            Charbonnier is evaluated (see :func:`photometric_loss`).
            Defaults to ``1.0``.
        photometric_scales (Sequence[int]): Scales at which Eq. 2 is
            evaluated and averaged: at scale ``s`` frames and flow are
            average-pooled by ``s`` (the flow's values divided by ``s``)
            before warping. ``(1,)`` is Eq. 2 as written. Defaults to
            ``(1, )``.
        charbonnier_weight (float): Weight of Eq. 2's Charbonnier term in
            the photometric loss. Defaults to ``1.0`` (Eq. 2).
        census_weight (float): Weight of the soft census term
            (:func:`~mmhcml.models.losses.robust_terms.census_loss`, full
            resolution). Defaults to ``0.0`` (off, Eq. 2).
        census_patch (int): Census window. Defaults to ``7`` (UFlow).
        ssim_weight (float): Weight of ``(1 - SSIM) / 2``
            (:func:`~mmhcml.models.losses.robust_terms.ssim_loss`).
            Defaults to ``0.0`` (off, Eq. 2).
        smooth_order (int): ``1``: first differences (Eq. 3); ``2``: second
            differences, zero for any affine flow. Defaults to ``1``.
        smooth_edge_weight (float): Edge-aware smoothness: each difference
            weighted by ``exp(-smooth_edge_weight * |grad I_t|)``
            (:func:`~mmhcml.models.losses.robust_terms.
            edge_aware_smoothness`). Defaults to ``0.0`` (Eq. 3).
        flow_weight (float): Weight of a zeroth-order term, the mean
            Charbonnier of the flow itself, ``rho(U) + rho(V)``: flow costs
            where the photometric term does not ask for it. On still pixels
            Eq. 2's penalty (``alpha = 0.45``, ``eps = 1e-3``) is steep near
            a zero residual, so a flow of a few hundredths of a pixel there
            already raises the error above zero flow's (on still videos,
            docs/research/stage1_flow_generalisation/). Defaults to ``0.0``
            (off, Eq. 2-3).

    With the defaults the loss is Eq. 2-3 exactly; the other settings are the
    unsupervised-flow alternatives measured beside it
    (docs/research/stage1_flow_generalisation/).

    Shape:
        - target, source: ``(B, C, H, W)`` in ``[0, 1]``
        - flow: ``(B, 2, H, W)`` in pixels, warping ``source`` to ``target``
        - output: dict of scalars ``photometric``, ``smoothness``, ``loss``
    """

    def __init__(self,
                 smooth_weight: float = 0.01,
                 alpha: float = 0.45,
                 eps: float = 1e-3,
                 photometric_norm: str = 'valid',
                 intensity_scale: float = 1.0,
                 photometric_scales: Sequence[int] = (1, ),
                 charbonnier_weight: float = 1.0,
                 census_weight: float = 0.0,
                 census_patch: int = 7,
                 ssim_weight: float = 0.0,
                 smooth_order: int = 1,
                 smooth_edge_weight: float = 0.0,
                 flow_weight: float = 0.0) -> None:
        super().__init__()
        for name, value in (('charbonnier_weight', charbonnier_weight),
                            ('census_weight', census_weight),
                            ('ssim_weight', ssim_weight),
                            ('smooth_edge_weight', smooth_edge_weight),
                            ('flow_weight', flow_weight)):
            if not (isinstance(value, (int, float))
                    and not isinstance(value, bool) and value >= 0):
                raise ValueError(f'{name} must be a number >= 0, got '
                                 f'{value!r}')
        if charbonnier_weight + census_weight + ssim_weight <= 0:
            raise ValueError(
                'the photometric loss needs a term: charbonnier_weight, '
                'census_weight and ssim_weight are all 0')
        if smooth_order not in (1, 2) or isinstance(smooth_order, bool):
            raise ValueError(
                f'smooth_order must be 1 or 2, got {smooth_order!r}')
        if not (isinstance(census_patch, int) and census_patch >= 3
                and census_patch % 2 == 1):
            raise ValueError(
                f'census_patch must be an odd int >= 3, got {census_patch!r}')
        if not (isinstance(smooth_weight, (int, float))
                and smooth_weight >= 0):
            raise ValueError(
                f'smooth_weight must be a number >= 0, got {smooth_weight!r}')
        if not (isinstance(alpha, (int, float)) and alpha > 0
                and isinstance(eps, (int, float)) and eps > 0):
            raise ValueError('alpha and eps must be > 0, got '
                             f'alpha={alpha!r}, eps={eps!r}')
        if photometric_norm not in PHOTOMETRIC_NORMS:
            raise ValueError(f'photometric_norm must be one of '
                             f'{PHOTOMETRIC_NORMS}, got {photometric_norm!r}')
        if not (isinstance(intensity_scale, (int, float))
                and intensity_scale > 0):
            raise ValueError('intensity_scale must be a number > 0, got '
                             f'{intensity_scale!r}')
        scales = tuple(photometric_scales) if isinstance(
            photometric_scales, (list, tuple)) else ()
        if not scales or len(set(scales)) != len(scales) or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 1
                for v in scales):
            raise ValueError('photometric_scales must be a non-empty '
                             'sequence of distinct ints >= 1, got '
                             f'{photometric_scales!r}')
        self.smooth_weight = float(smooth_weight)
        self.alpha = float(alpha)
        self.eps = float(eps)
        self.photometric_norm = photometric_norm
        self.intensity_scale = float(intensity_scale)
        self.photometric_scales = scales
        self.charbonnier_weight = float(charbonnier_weight)
        self.census_weight = float(census_weight)
        self.census_patch = census_patch
        self.ssim_weight = float(ssim_weight)
        self.smooth_order = smooth_order
        self.smooth_edge_weight = float(smooth_edge_weight)
        self.flow_weight = float(flow_weight)

    def photometric(self, target: Tensor, source: Tensor,
                    flow: Tensor) -> Tensor:
        """Eq. 2 averaged over ``photometric_scales`` (times
        ``charbonnier_weight``), plus the census and SSIM terms."""
        height, width = target.shape[-2:]
        extra = 0.0
        if self.census_weight or self.ssim_weight:
            warped, mask = backward_warp(source, flow)
            if self.census_weight:
                extra = extra + self.census_weight * census_loss(
                    target, warped, mask, self.census_patch)
            if self.ssim_weight:
                extra = extra + self.ssim_weight * ssim_loss(
                    target, warped, mask)
        if not self.charbonnier_weight:
            return extra
        total = 0.0
        for scale in self.photometric_scales:
            if scale > min(height, width) // 2:
                raise ValueError(
                    f'photometric_scales={self.photometric_scales} has scale '
                    f'{scale}, too coarse for {height}x{width} frames (at '
                    'most half the shorter side)')
            if scale == 1:
                tgt, src, fl = target, source, flow
            else:
                tgt = F.avg_pool2d(target, scale)
                src = F.avg_pool2d(source, scale)
                fl = F.avg_pool2d(flow, scale) / scale
            warped, mask = backward_warp(src, fl)
            total = total + photometric_loss(tgt, warped, mask, self.alpha,
                                             self.eps, self.photometric_norm,
                                             self.intensity_scale)
        return (self.charbonnier_weight * total /
                len(self.photometric_scales) + extra)

    def forward(self, target: Tensor, source: Tensor,
                flow: Tensor) -> Dict[str, Tensor]:
        """``{'loss': L_rec, 'photometric': ..., 'smoothness': ...}``."""
        photometric = self.photometric(target.float(), source.float(),
                                       flow.float())
        if self.smooth_order == 1 and not self.smooth_edge_weight:
            smoothness = smoothness_loss(flow, self.alpha, self.eps)
        else:
            smoothness = edge_aware_smoothness(
                flow, target, self.smooth_order, self.smooth_edge_weight,
                self.alpha, self.eps)
        loss = photometric + self.smooth_weight * smoothness
        out = dict(photometric=photometric, smoothness=smoothness)
        if self.flow_weight:
            magnitude = charbonnier(flow.float(), self.alpha,
                                    self.eps).mean(dim=(2, 3)).sum(dim=1)
            out['flow_magnitude'] = magnitude.mean()
            loss = loss + self.flow_weight * out['flow_magnitude']
        return dict(loss=loss, **out)
