"""Colour-coded optical flow and the image grids of paper Fig. 3.

Colours follow the Middlebury flow colour wheel (Baker et al., "A Database
and Evaluation Methodology for Optical Flow", IJCV 2011): hue from the
direction, saturation from the magnitude (white = no motion).

::

    flow (P, 2, H, W) -> flow_to_color -> (P, H, W, 3) uint8
      -> flow_grid:         [frame s*i | frame s*(i+1) | flow colour] per pair
      -> flow_video_frames: [frame t | flow l1 | flow l2 | ...] per frame

Used by :class:`~mmhcml.engine.hooks.FlowVisualizationHook` (training) and
the analysis tools (:mod:`mmhcml.analysis.flow_vis`). Imports only numpy and
torch (for tensor inputs).
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from torch import Tensor

__all__ = [
    'WHEEL_SEGMENTS', 'make_color_wheel', 'flow_to_color', 'flow_grid',
    'flow_video_frames'
]

#: Middlebury wheel: (name, length, saturated channel, ramped channel,
#: ramp rising). R=0, G=1, B=2; 15 + 6 + 4 + 11 + 13 + 6 = 55 colours.
WHEEL_SEGMENTS: Tuple[Tuple[str, int, int, int, bool], ...] = (
    ('RY', 15, 0, 1, True), ('YG', 6, 1, 0, False), ('GC', 4, 1, 2, True),
    ('CB', 11, 2, 1, False), ('BM', 13, 2, 0, True), ('MR', 6, 0, 2, False))


def make_color_wheel() -> np.ndarray:
    """The 55 colours of the Middlebury flow wheel, red -> yellow -> ... .

    Returns:
        np.ndarray: ``(55, 3)`` float64 RGB values in ``[0, 255]``.
    """
    blocks = []
    for _, length, full, ramp, rising in WHEEL_SEGMENTS:
        block = np.zeros((length, 3))
        block[:, full] = 255
        steps = np.floor(255 * np.arange(length) / length)
        block[:, ramp] = steps if rising else 255 - steps
        blocks.append(block)
    return np.concatenate(blocks)


def flow_to_color(flow: Union[np.ndarray, Tensor],
                  max_flow: Optional[float] = None) -> np.ndarray:
    """Colour-code optical flow with the Middlebury wheel.

    The angle of ``(-u, -v)`` picks a colour on the wheel (flow to the right
    is red, down yellow, left cyan-blue, up violet); the magnitude divided by
    ``max_flow`` (by default the largest magnitude in ``flow``, so one call
    shares one scale) blends it with white. Magnitudes above ``max_flow`` are
    darkened to 75 %; non-finite vectors are black, the wheel's "unknown".

    Args:
        flow (np.ndarray | Tensor): ``(..., 2, H, W)``, ``(u, v)`` in pixels,
            ``v`` pointing down.
        max_flow (float, optional): Magnitude shown fully saturated.
            Defaults to ``None`` (the maximum magnitude of ``flow``).

    Returns:
        np.ndarray: ``(..., H, W, 3)`` uint8 RGB.
    """
    if isinstance(flow, Tensor):
        flow = flow.detach().cpu().numpy()
    flow = np.asarray(flow, dtype=np.float64)
    if flow.ndim < 3 or flow.shape[-3] != 2:
        raise ValueError(f'flow must have shape (..., 2, H, W), got '
                         f'{flow.shape!r}')
    if max_flow is not None and not max_flow > 0:
        raise ValueError(f'max_flow must be > 0, got {max_flow!r}')
    u, v = flow[..., 0, :, :], flow[..., 1, :, :]
    unknown = ~(np.isfinite(u) & np.isfinite(v))
    u, v = np.where(unknown, 0.0, u), np.where(unknown, 0.0, v)
    magnitude = np.hypot(u, v)
    scale = max_flow if max_flow is not None else magnitude.max(initial=0.0)
    radius = magnitude / max(scale, 1e-5)
    wheel = make_color_wheel()
    angle = np.arctan2(-v, -u) / np.pi  # in [-1, 1]; +-1 is flow to the right
    angle = np.where(angle >= 1.0, -1.0, angle)  # one colour for +-0 in v
    position = (angle + 1) / 2 * (len(wheel) - 1)
    k0 = np.floor(position).astype(np.int64)
    k1 = (k0 + 1) % len(wheel)
    frac = (position - k0)[..., None]
    color = ((1 - frac) * wheel[k0] + frac * wheel[k1]) / 255
    inside = (radius <= 1)[..., None]
    color = np.where(inside, 1 - radius[..., None] * (1 - color),
                     color * 0.75)
    color = np.where(unknown[..., None], 0.0, color)
    return np.floor(255 * color).astype(np.uint8)


def flow_grid(frames: np.ndarray,
              level_flow: np.ndarray,
              pairs: Sequence[Tuple[int, int]],
              max_flow: Optional[float] = None) -> np.ndarray:
    """One row per frame pair: ``[frame i | frame j | flow colour]``.

    Args:
        frames (np.ndarray): ``(T, H, W, 3)`` uint8 RGB frames.
        level_flow (np.ndarray): ``(P, 2, H, W)`` flow of one video.
        pairs (Sequence[tuple]): The ``P`` frame-index pairs.
        max_flow (float, optional): See :func:`flow_to_color`; by default
            one scale, the largest magnitude of the level, for all rows.

    Returns:
        np.ndarray: ``(P * H, 3 * W, 3)`` uint8 RGB.
    """
    colors = flow_to_color(level_flow, max_flow)
    if len(pairs) != len(colors) or colors.shape[1:3] != frames.shape[1:3]:
        raise ValueError(f'{len(pairs)} pairs and frames {frames.shape} do '
                         f'not match flow {tuple(level_flow.shape)}')
    rows = [
        np.concatenate([frames[i], frames[j], color], axis=1)
        for (i, j), color in zip(pairs, colors)
    ]
    return np.concatenate(rows, axis=0)


def flow_video_frames(frames: np.ndarray,
                      flows: Dict[int, Tuple[np.ndarray, Sequence[Tuple[
                          int, int]]]],
                      max_flow: Optional[float] = None) -> np.ndarray:
    """Video frames ``[frame t | flow of level 1 | level 2 | ...]``.

    Frame ``t`` (``t < T - 1``) is shown with, for each level, the flow of
    the pair of that level that starts at or before ``t``.

    Args:
        frames (np.ndarray): ``(T, H, W, 3)`` uint8 RGB.
        flows (dict): ``{level: (flow (P, 2, H, W), pairs)}``.
        max_flow (float, optional): See :func:`flow_to_color`; by default
            one scale per level.

    Returns:
        np.ndarray: ``(T - 1, H, (1 + L) * W, 3)`` uint8 RGB.
    """
    colors = {lv: flow_to_color(f, max_flow) for lv, (f, _) in flows.items()}
    out = []
    for t in range(len(frames) - 1):
        tiles = [frames[t]]
        for level in sorted(flows):
            pairs = flows[level][1]
            stride = pairs[0][1] - pairs[0][0]
            tiles.append(colors[level][min(t // stride, len(pairs) - 1)])
        out.append(np.concatenate(tiles, axis=1))
    return np.stack(out)
