"""Photometric and smoothness terms of unsupervised-flow practice, as switches
of :class:`~mmhcml.models.losses.ReconstructionLoss` beside Eq. 2-3.

The paper's stage 1 (section 3.2) uses the Charbonnier photometric term of
Eq. 2 and the first-order smoothness of Eq. 3; these are the alternatives
measured beside them (docs/research/stage1_flow_generalisation/):

- :func:`census_loss`: the soft census distance of UnFlow / UFlow (a
  ``patch x patch`` ternary census of the grey image, Hamming-like distance,
  ``(d + 0.01)^0.4``), invariant to additive and most multiplicative
  brightness changes.
- :func:`ssim_loss`: ``(1 - SSIM) / 2`` over 3x3 windows (Monodepth).
- :func:`edge_aware_smoothness`: Eq. 3's Charbonnier of the flow's first or
  second differences, each weighted by ``exp(-edge_weight * |dI|)`` of the
  image ``I_t`` (UFlow), so that the flow may change where the image does.

All are computed in float32 and averaged over the in-bound pixels of the
warp (``mask``), like Eq. 2 with ``normalise='valid'``.
"""
import torch
import torch.nn.functional as F
from torch import Tensor

from .charbonnier import charbonnier

__all__ = ['census_transform', 'census_loss', 'ssim_loss',
           'edge_aware_smoothness']


def _gray(image: Tensor) -> Tensor:
    """``(B, 3, H, W)`` RGB in ``[0, 1]`` -> ``(B, 1, H, W)`` in 0..255."""
    if image.shape[1] == 1:
        return image * 255.0
    weights = image.new_tensor([0.2989, 0.5870, 0.1140]).view(1, 3, 1, 1)
    return (image * weights).sum(dim=1, keepdim=True) * 255.0


def census_transform(image: Tensor, patch: int = 7) -> Tensor:
    """Soft ternary census: ``d / sqrt(0.81 + d^2)`` of every neighbour.

    ``d`` is a neighbour's grey level (0..255) minus the centre's, for the
    ``patch x patch`` neighbours in raster order (zero padding outside).

    Shape:
        - image: ``(B, C, H, W)`` with C = 3 (RGB) or 1, in ``[0, 1]``
        - output: ``(B, patch * patch, H, W)``
    """
    gray = _gray(image.float())
    b, _, h, w = gray.shape
    neighbours = F.unfold(gray, patch, padding=patch // 2).view(
        b, patch * patch, h, w)
    diff = neighbours - gray
    return diff / torch.sqrt(0.81 + diff * diff)


def census_loss(target: Tensor, warped: Tensor, mask: Tensor,
                patch: int = 7) -> Tensor:
    """Soft census distance of ``target`` and ``warped`` (UFlow).

    Per pixel: ``dist = mean_k (c_t - c_w)^2 / (0.1 + (c_t - c_w)^2)`` over
    the ``patch^2`` census channels, penalised as ``(dist + 0.01)^0.4``;
    averaged over the pixels that are in-bound (``mask``) and at least
    ``patch // 2`` from the border.

    Shape:
        - target, warped: ``(B, C, H, W)``; mask ``(B, 1, H, W)``
        - output: scalar
    """
    if not (isinstance(patch, int) and patch >= 3 and patch % 2 == 1):
        raise ValueError(f'patch must be an odd int >= 3, got {patch!r}')
    sq = (census_transform(target, patch) -
          census_transform(warped, patch)).pow(2)
    dist = (sq / (0.1 + sq)).mean(dim=1, keepdim=True)
    error = (dist + 0.01).pow(0.4)
    r = patch // 2
    inner = torch.zeros_like(mask, dtype=torch.float32)
    inner[..., r:inner.shape[-2] - r, r:inner.shape[-1] - r] = 1.0
    weight = mask.float() * inner
    return (error * weight).sum() / (weight.sum() + 1e-6)


def ssim_loss(target: Tensor, warped: Tensor, mask: Tensor) -> Tensor:
    """``(1 - SSIM) / 2`` over 3x3 windows, clamped to ``[0, 1]``.

    ``SSIM = (2 mu_x mu_y + c1)(2 s_xy + c2) / ((mu_x^2 + mu_y^2 + c1)
    (s_x + s_y + c2))`` with ``c1 = 0.01^2``, ``c2 = 0.03^2``, window means
    without padding at the border; averaged over channels and the in-bound
    pixels.

    Shape:
        - target, warped: ``(B, C, H, W)`` in ``[0, 1]``; mask
          ``(B, 1, H, W)``; output: scalar
    """
    x, y = target.float(), warped.float()

    def pool(z):
        return F.avg_pool2d(z, 3, 1, 1, count_include_pad=False)

    mu_x, mu_y = pool(x), pool(y)
    s_x = pool(x * x) - mu_x * mu_x
    s_y = pool(y * y) - mu_y * mu_y
    s_xy = pool(x * y) - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2
    ssim = ((2 * mu_x * mu_y + c1) * (2 * s_xy + c2)) / (
        (mu_x * mu_x + mu_y * mu_y + c1) * (s_x + s_y + c2))
    error = ((1.0 - ssim) / 2.0).clamp(0.0, 1.0).mean(dim=1, keepdim=True)
    mask = mask.float()
    return (error * mask).sum() / (mask.sum() + 1e-6)


def edge_aware_smoothness(flow: Tensor,
                          image: Tensor,
                          order: int = 1,
                          edge_weight: float = 0.0,
                          alpha: float = 0.45,
                          eps: float = 1e-3) -> Tensor:
    """Eq. 3 generalised: first or second differences, edge-aware weights.

    ``order=1``: ``rho(U(x+1) - U(x))``; ``order=2``:
    ``rho(U(x+1) - 2 U(x) + U(x-1))`` (zero for any affine flow), along x and
    y for both components. Each difference is weighted by
    ``exp(-edge_weight * mean_c |I(x+1) - I(x)|)`` of ``image`` (for
    ``order=2`` the difference between the centre and its next pixel);
    ``edge_weight=0`` gives weight 1. Each term is averaged over pixels and
    the terms are summed over directions and components, then averaged over
    the ``B`` fields, as :func:`smoothness_loss` (``order=1``,
    ``edge_weight=0`` equals it).

    Shape:
        - flow: ``(B, 2, H, W)``; image: ``(B, C, H, W)`` in ``[0, 1]``
        - output: scalar
    """
    if order not in (1, 2):
        raise ValueError(f'order must be 1 or 2, got {order!r}')
    if not edge_weight >= 0:
        raise ValueError(f'edge_weight must be >= 0, got {edge_weight!r}')
    flow, image = flow.float(), image.float()
    if order == 1:
        grad_x = flow[..., :, 1:] - flow[..., :, :-1]
        grad_y = flow[..., 1:, :] - flow[..., :-1, :]
    else:
        grad_x = flow[..., :, 2:] - 2 * flow[..., :, 1:-1] + flow[..., :, :-2]
        grad_y = flow[..., 2:, :] - 2 * flow[..., 1:-1, :] + flow[..., :-2, :]
    terms = []
    for axis, grad in ((-1, grad_x), (-2, grad_y)):
        penalty = charbonnier(grad, alpha, eps)
        if edge_weight > 0:
            size = image.shape[axis]
            step = (image.narrow(axis, 1, size - 1) -
                    image.narrow(axis, 0, size - 1)).abs().mean(
                        dim=1, keepdim=True)
            if order == 2:
                step = step.narrow(axis, 1, size - 2)
            penalty = penalty * torch.exp(-edge_weight * step)
        terms.append(penalty.mean(dim=(2, 3)))
    return (terms[0] + terms[1]).sum(dim=1).mean()
