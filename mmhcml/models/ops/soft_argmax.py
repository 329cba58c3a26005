"""Soft-argmax of a cost volume: the expected displacement of each pixel.

Not in the paper: an opt-in of :class:`~mmhcml.models.PrimeMotionBlock`
(``soft_argmax=True``). For the cosine costs ``cv(x, y, dx, dy)`` of Eq. 1
over the displacement grid of :func:`.cost_volume_displacements`,

    p_k(x, y) = softmax_k(cv_k(x, y) / tau)
    d(x, y)   = sum_k p_k(x, y) * (dx_k, dy_k)

is the displacement each pixel's costs point at, in feature pixels, as a
flow field ``(dx, dy)`` (the order of :func:`.backward_warp`'s flow). It
reads the costs as matching does (as GC-Net's and DICL's soft-argmin read a
cost volume), so it covers every displacement of the grid however rarely
training shows it, where a convolution that regresses a displacement from
the costs learns only the displacements it is trained on.
"""
import torch
from torch import Tensor

from .cost_volume import cost_volume_displacements, num_displacements

__all__ = ['soft_argmax_displacement']


def soft_argmax_displacement(costs: Tensor, max_displacement: int,
                             stride: int, temperature: Tensor) -> Tensor:
    """Expected displacement under a softmax of the costs (see module doc).

    Args:
        costs (Tensor): Cost volume, channel ``k`` the ``k``-th displacement
            of :func:`.cost_volume_displacements` (row-major over
            ``(dy, dx)``).
        max_displacement (int): ``d`` of the cost volume.
        stride (int): ``s`` of the cost volume.
        temperature (Tensor | float): ``tau > 0``; a scalar. Low values give
            the argmax, high values the mean of the grid (zero).

    Shape:
        - costs: ``(N, M, *)`` with ``M = (2 * floor(d / s) + 1) ** 2``
        - output: ``(N, 2, *)`` float32, channel 0 ``dx``, channel 1 ``dy``,
          in feature pixels
    """
    count = num_displacements(max_displacement, stride)
    if costs.dim() < 2 or costs.shape[1] != count:
        raise ValueError(
            f'soft_argmax_displacement expects (N, {count}, ...) costs for '
            f'max_displacement={max_displacement}, stride={stride}, got '
            f'{tuple(costs.shape)}')
    temperature = torch.as_tensor(temperature, dtype=torch.float32,
                                  device=costs.device)
    if temperature.numel() != 1 or not bool(temperature > 0):
        raise ValueError('temperature must be one value > 0, got '
                         f'{temperature.tolist()!r}')
    grid = torch.tensor(
        [(dx, dy) for dy, dx in cost_volume_displacements(
            max_displacement, stride)],
        dtype=torch.float32, device=costs.device)  # (M, 2)
    weights = torch.softmax(costs.float() / temperature, dim=1)
    flat = weights.reshape(weights.shape[0], count, -1)
    out = torch.einsum('nmp,mc->ncp', flat, grid)
    return out.reshape(weights.shape[0], 2, *weights.shape[2:])
