"""Optical flow of the flow heads at each level, colour coded (paper Fig. 3).

The flow reconstruction head (section 3.2) predicts, from the motion features
``P^l``, the flow of every frame pair of its level; Fig. 3 shows it at levels
1, 2 and 3 beside the frames. A level with temporal stride ``s`` pairs frames
``(s*i, s*(i + 1))``; its last, replicated pair carries no motion and is left
out, as in the loss.

::

    clip (1, 3, T, H, W) -> backbone -> {l: P^l (1, C, T_l, h, w)}
      -> head_l(P^l[:, :, :-1]) -> flow (T_l - 1, 2, h, w)
      -> upsample to (H, W), values x (W/w, H/h) -> flow_to_color
      -> PNG grid per level:  [frame s*i | frame s*(i+1) | flow colour]
      -> mp4:                 [frame t | flow l1 | flow l2 | ...]

Colours follow the Middlebury flow colour wheel (Baker et al., "A Database
and Evaluation Methodology for Optical Flow", IJCV 2011): hue from the
direction, saturation from the magnitude (white = no motion).
"""
import os
import os.path as osp
from typing import Dict, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from ..models.heads import FlowReconstructionHead
from ._utils import (build_model, check_frame_size, load_weights,
                     read_video_clip)

__all__ = [
    'WHEEL_SEGMENTS', 'make_color_wheel', 'flow_to_color',
    'flow_heads_by_level', 'check_flow_levels', 'load_flow_model', 'LevelFlow',
    'predict_level_flows', 'flow_grid', 'flow_video_frames',
    'visualize_video_flow'
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


def flow_heads_by_level(model: nn.Module) -> Dict[int, nn.Module]:
    """``{level: FlowReconstructionHead}`` of a recognizer (may be empty)."""
    heads = getattr(model, 'motion_heads', None)
    if heads is None:
        return {}
    heads = heads.values() if isinstance(heads, nn.ModuleDict) else heads
    return {
        head.level: head
        for head in heads if isinstance(head, FlowReconstructionHead)
    }


def check_flow_levels(model: nn.Module,
                      levels: Optional[Sequence[int]] = None
                      ) -> Tuple[int, ...]:
    """Validate ``levels`` against the model's flow heads (all if ``None``).

    Raises:
        ValueError: If the model has no flow head, or a level has none (the
            message names it and the levels that have one).
    """
    heads = flow_heads_by_level(model)
    if not heads:
        raise ValueError(
            f'{type(model).__name__} has no FlowReconstructionHead in its '
            'motion_heads, so it predicts no flow; use a stage-1 or joint '
            'HCML config with its full (not deploy) checkpoint')
    if levels is None:
        return tuple(sorted(heads))
    levels = tuple(levels)
    if not levels:
        raise ValueError(f'levels must not be empty, got {levels!r}')
    for level in levels:
        if level not in heads:
            raise ValueError(
                f'level {level!r} has no flow head; the model has flow heads '
                f'at levels {sorted(heads)} (add a FlowReconstructionHead '
                f'with level={level!r} to motion_heads and train it)')
    return tuple(sorted(set(levels)))


def load_flow_model(config: str,
                    checkpoint: str,
                    levels: Optional[Sequence[int]] = None,
                    *,
                    device: str = 'cpu',
                    cfg_options: Optional[dict] = None
                    ) -> Tuple[nn.Module, Tuple[int, ...]]:
    """Build ``config``, check ``levels``, load ``checkpoint`` (eval mode).

    The checkpoint must hold the weights of the chosen flow heads (a deploy
    checkpoint without the side branch would give random flow).

    Returns:
        tuple: the model and the validated levels.

    Raises:
        FileNotFoundError: If ``checkpoint`` does not exist.
        ValueError: For a level without a flow head, or missing weights.
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
    model = build_model(config, cfg_options)
    levels = check_flow_levels(model, levels)
    heads = flow_heads_by_level(model)
    names = {id(module): name for name, module in model.named_modules()}
    load_weights(model, checkpoint,
                 [f'{names[id(heads[lv])]}.' for lv in levels])
    return model.to(device).eval(), levels


class LevelFlow(NamedTuple):
    """Flow of one level: ``flow`` ``(N, P, 2, H, W)`` in frame pixels for
    the ``P`` frame pairs ``pairs`` (input frame indices)."""
    flow: Tensor
    pairs: Tuple[Tuple[int, int], ...]


@torch.no_grad()
def predict_level_flows(model: nn.Module,
                        clips: Tensor,
                        levels: Optional[Sequence[int]] = None
                        ) -> Dict[int, LevelFlow]:
    """Run the flow heads on a batch of clips; flow at frame size.

    The caller chooses the mode (use eval mode, see ``_utils.eval_mode``).

    Args:
        model (nn.Module): An unwrapped :class:`HCMLRecognizer`.
        clips (Tensor): ``(N, 3, T, H, W)``, normalised as by the model's
            data preprocessor.
        levels (Sequence[int], optional): Levels to run. Defaults to every
            level with a flow head.

    Returns:
        dict[int, LevelFlow]: per level, the flow of each frame pair.
    """
    levels = check_flow_levels(model, levels)
    if clips.dim() != 5 or clips.shape[1] != 3:
        raise ValueError(f'clips must be (N, 3, T, H, W), got '
                         f'{tuple(clips.shape)}')
    heads = flow_heads_by_level(model)
    _, motion = model.backbone(clips, return_motion=True,
                               max_level=max(levels))
    num_frames, height, width = clips.shape[2:]
    out = {}
    for level in levels:
        feats = motion[level]
        steps = feats.shape[2]
        if steps < 2 or num_frames % steps:
            raise ValueError(
                f'level {level} has {steps} time steps for {num_frames} '
                'frames; it needs >= 2 steps dividing the clip length (use a '
                'clip length divisible by the temporal strides)')
        stride = num_frames // steps
        n, pairs = feats.shape[0], steps - 1
        flow = heads[level].pair_flow(feats, (height, width)).reshape(
            n, pairs, 2, height, width)
        out[level] = LevelFlow(
            flow, tuple((i * stride, (i + 1) * stride) for i in range(pairs)))
    return out


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


def visualize_video_flow(model: nn.Module,
                         video: str,
                         out_dir: str,
                         *,
                         levels: Optional[Sequence[int]] = None,
                         clip_len: int = 8,
                         size: int = 64,
                         frame_interval: int = 1,
                         max_flow: Optional[float] = None,
                         fps: int = 4) -> Dict[str, object]:
    """Write the flow of each level of one clip as PNG grids and an mp4.

    Outputs in ``out_dir``: ``flow_l{level}.png`` (:func:`flow_grid`) per
    level and ``flow.mp4`` (:func:`flow_video_frames`, ``clip_len - 1``
    frames).

    Args:
        model (nn.Module): An :class:`HCMLRecognizer` in eval mode.
        video (str): Video file read with decord (middle clip).
        out_dir (str): Output directory (created).
        levels (Sequence[int], optional): Levels; defaults to all levels
            with a flow head.
        clip_len (int): Frames fed to the model. Defaults to ``8``.
        size (int): Short side, then centre crop ``size x size``. Defaults to
            ``64``.
        frame_interval (int): Temporal sampling step. Defaults to ``1``.
        max_flow (float, optional): See :func:`flow_to_color`.
        fps (int): Frame rate of the mp4. Defaults to ``4``.

    Returns:
        dict: ``pngs`` (``{level: path}``) and ``video`` (the mp4 path).
    """
    from mmaction.structures import ActionDataSample
    from ..datasets.synthetic_motion import write_video
    import cv2

    levels = check_flow_levels(model, levels)
    check_frame_size(size)
    frames = read_video_clip(video, clip_len, size, frame_interval)
    clip = torch.from_numpy(frames).permute(3, 0, 1, 2)[None]  # 1,3,T,H,W
    data = model.data_preprocessor(
        dict(inputs=[clip], data_samples=[ActionDataSample()]), False)
    clips = data['inputs'].reshape((-1, ) + data['inputs'].shape[-4:])
    flows = predict_level_flows(model, clips, levels)
    os.makedirs(out_dir, exist_ok=True)
    result: Dict[str, object] = dict(pngs={})
    per_level = {}
    for level, level_flow in flows.items():
        flow = level_flow.flow[0].cpu().numpy()
        per_level[level] = (flow, level_flow.pairs)
        path = osp.join(out_dir, f'flow_l{level}.png')
        grid = flow_grid(frames, flow, level_flow.pairs, max_flow)
        if not cv2.imwrite(path, grid[..., ::-1]):
            raise RuntimeError(f'could not write {path!r}')
        result['pngs'][level] = path
    result['video'] = osp.join(out_dir, 'flow.mp4')
    write_video(result['video'], flow_video_frames(frames, per_level,
                                                   max_flow), fps=fps)
    return result
