"""Frame reconstruction loss, Eq. 2-3 (paper section 3.2).

``L_rec = L_photometric + zeta * L_smoothness`` with the generalised
Charbonnier penalty ``rho(z) = (z^2 + eps^2)^alpha``, ``alpha = 0.45``,
``eps = 1e-3``. Intensities are in ``[0, 1]``. Both terms are computed in
float32 whatever the autocast state.
"""
from typing import Tuple

import torch
from torch import Tensor

__all__ = [
    'charbonnier', 'photometric_loss', 'smoothness_loss', 'PHOTOMETRIC_NORMS'
]

#: Normalisers of Eq. 2 (see :func:`photometric_loss`).
PHOTOMETRIC_NORMS = ('valid', 'all')


def charbonnier(z: Tensor, alpha: float = 0.45, eps: float = 1e-3) -> Tensor:
    """Generalised Charbonnier penalty ``(z^2 + eps^2)^alpha``, elementwise.

    Finite for every finite ``z``; ``rho(0) = eps^(2 alpha)``.
    """
    z = z.float()
    return (z * z + eps * eps).pow(alpha)


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
    on small frames stage 1 diverges to flow that points everything out
    (README, "Does it learn motion?"). ``'valid'`` divides by the in-bound
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
