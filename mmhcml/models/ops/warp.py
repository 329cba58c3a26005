"""Backward warping with bilinear sampling (paper section 3.2, Eq. 2)."""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['backward_warp', 'upsample_flow']


def backward_warp(image: Tensor, flow: Tensor) -> Tuple[Tensor, Tensor]:
    """Warp ``image`` (frame t+1) back to frame t along ``flow``.

    ``warped(x, y) = image(x + u(x, y), y + v(x, y))``, sampled bilinearly on
    pixel centres (``align_corners=True``).

    Args:
        image (Tensor): ``(B, C, H, W)``, the frame at ``t + 1``.
        flow (Tensor): ``(B, 2, H, W)``, ``(u, v)`` in pixels from frame t
            to frame t + 1.

    Returns:
        tuple[Tensor, Tensor]: the warped image ``(B, C, H, W)`` and the
        validity mask ``(B, 1, H, W)``: 1 where ``(x + u, y + v)`` lies inside
        ``[0, W - 1] x [0, H - 1]``, else 0 (the indicator of Eq. 2).
    """
    if image.dim() != 4 or flow.dim() != 4 or flow.shape[1] != 2 or \
            image.shape[0] != flow.shape[0] or \
            image.shape[-2:] != flow.shape[-2:]:
        raise ValueError('backward_warp expects image (B, C, H, W) and flow '
                         f'(B, 2, H, W), got {tuple(image.shape)} and '
                         f'{tuple(flow.shape)}')
    _, _, h, w = image.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, device=flow.device, dtype=flow.dtype),
        torch.arange(w, device=flow.device, dtype=flow.dtype),
        indexing='ij')
    x = xs + flow[:, 0]
    y = ys + flow[:, 1]
    mask = (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
    grid = torch.stack([2 * x / max(w - 1, 1) - 1, 2 * y / max(h - 1, 1) - 1],
                       dim=-1)
    warped = F.grid_sample(
        image.to(grid.dtype),
        grid,
        mode='bilinear',
        padding_mode='zeros',
        align_corners=True)
    return warped, mask.unsqueeze(1).to(warped.dtype)


def upsample_flow(flow: Tensor, size: Tuple[int, int]) -> Tensor:
    """Resize a flow field to ``size`` and rescale its values to match.

    Shape:
        - flow: ``(B, 2, h, w)`` in pixels of the ``h x w`` grid
        - output: ``(B, 2, H, W)`` in pixels of the ``H x W`` grid
    """
    h, w = flow.shape[-2:]
    out = F.interpolate(flow, size=size, mode='bilinear', align_corners=False)
    scale = flow.new_tensor([size[1] / w, size[0] / h]).view(1, 2, 1, 1)
    return out * scale
