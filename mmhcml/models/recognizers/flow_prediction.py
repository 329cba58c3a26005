"""Flow of the flow reconstruction heads at frame size (section 3.2, Fig. 3).

A level with temporal stride ``s`` pairs frames ``(s*i, s*(i + 1))``; its
last, replicated pair carries no motion and is left out, as in the loss.

::

    clip (N, 3, T, H, W) -> backbone -> {l: P^l (N, C, T_l, h, w)}
      -> head_l.pair_flow(P^l) -> flow (N, T_l - 1, 2, H, W) in frame pixels

:meth:`HCMLRecognizer.predict_flow` is the entry point; the training hook
(:class:`~mmhcml.engine.hooks.FlowVisualizationHook`), the analysis tools and
the flow-quality tool call it.
"""
from typing import Dict, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from ..heads import FlowReconstructionHead
from ..heads._level_utils import frames_at_level

__all__ = [
    'flow_heads_by_level', 'check_flow_levels', 'LevelFlow',
    'predict_level_flows'
]


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

    The caller chooses the mode (use eval mode, see
    :func:`mmhcml.models.utils.eval_mode`).

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
        frames = None
        if getattr(heads[level], 'needs_frames', False):
            frames = frames_at_level(model.frames_in_unit_range(clips), steps,
                                     level)
        flow = heads[level].pair_flow(feats, (height, width),
                                      frames).reshape(
                                          n, pairs, 2, height, width)
        out[level] = LevelFlow(
            flow, tuple((i * stride, (i + 1) * stride) for i in range(pairs)))
    return out
