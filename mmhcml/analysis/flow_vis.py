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

The colours and grids live in :mod:`mmhcml.visualization.flow_colors`, the
flow prediction in :mod:`mmhcml.models.recognizers.flow_prediction`; this
module loads models and videos for the tools and re-exports both.
"""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from ..models.recognizers.flow_prediction import (LevelFlow,
                                                  check_flow_levels,
                                                  flow_heads_by_level,
                                                  predict_level_flows)
from ..visualization.flow_colors import (WHEEL_SEGMENTS, flow_grid,
                                         flow_to_color, flow_video_frames,
                                         make_color_wheel)
from ..apis import (build_model, check_frame_size, load_weights,
                    read_video_clip)

__all__ = [
    'WHEEL_SEGMENTS', 'make_color_wheel', 'flow_to_color',
    'flow_heads_by_level', 'check_flow_levels', 'load_flow_model', 'LevelFlow',
    'predict_level_flows', 'flow_grid', 'flow_video_frames',
    'visualize_video_flow'
]


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
