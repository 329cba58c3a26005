"""Held-out accuracy of the contrastive levels against chance (Eq. 4).

For each level ``l`` with a :class:`ContrastiveMotionHead`, held-out clips go
through the backbone in eval mode and the head's InfoNCE reports how often
the positive ranks first: among all sampled targets of the batch
(``con_acc``, chance ``1 / (clips * locations * T_l)``) and among the
targets of the same clip and position only, i.e. against the temporal
negatives (``con_temporal_acc``, chance ``1 / T_l``).

::

    videos -> frames (every ``frame_stride``-th, H x W, from start_fraction)
           -> non-overlapping clips of clip_len -> batches of batch_size
           -> backbone (eval) -> {l: P^l} -> head_l.loss -> accuracies
"""
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from ..datasets.video_frames import read_video_frames
from ..models.heads import ContrastiveMotionHead
from ..models.recognizers.hcml_recognizer import motion_head_inputs
from ..models.utils import eval_mode

__all__ = ['clips_from_videos', 'contrastive_accuracy']


def clips_from_videos(videos: Sequence[str],
                      clip_len: int,
                      size: Tuple[int, int] = (96, 128),
                      frame_stride: int = 2,
                      start_fraction: float = 0.0) -> List[np.ndarray]:
    """Non-overlapping ``clip_len``-frame clips from ``start_fraction`` on.

    Returns:
        list[np.ndarray]: ``(clip_len, H, W, 3)`` uint8 clips.

    Raises:
        ValueError: If no video yields a whole clip.
    """
    if not 0.0 <= start_fraction < 1.0:
        raise ValueError(
            f'start_fraction must be in [0, 1), got {start_fraction!r}')
    clips = []
    for path in videos:
        frames = read_video_frames(path, size, frame_stride)
        frames = frames[int(start_fraction * len(frames)):]
        clips += [frames[s:s + clip_len]
                  for s in range(0, len(frames) - clip_len + 1, clip_len)]
    if not clips:
        raise ValueError(f'no video has {clip_len} frames from '
                         f'start_fraction={start_fraction}')
    return clips


def _batches(clips: List[np.ndarray], batch_size: int) -> Iterable[list]:
    """Whole batches only: the chance level depends on the batch size."""
    for start in range(0, len(clips) - batch_size + 1, batch_size):
        yield clips[start:start + batch_size]


@torch.no_grad()
def contrastive_accuracy(model: nn.Module,
                         clips: List[np.ndarray],
                         batch_size: int = 4,
                         seed: int = 0) -> Dict[int, dict]:
    """Mean held-out ``con_acc`` and ``con_temporal_acc`` of every level.

    Args:
        model (nn.Module): An :class:`HCMLRecognizer` with contrastive heads.
        clips (list[np.ndarray]): ``(T, H, W, 3)`` uint8 clips.
        batch_size (int): Clips per batch (the negatives come from the
            batch). Defaults to ``4``.
        seed (int): Seed of the sampled locations. Defaults to ``0``.

    Returns:
        dict[int, dict]: per level ``con_acc``, ``con_temporal_acc``, their
        chance levels, ``time_steps`` and ``batches``.
    """
    heads = {
        head.level: head
        for head in getattr(model, 'motion_heads', {}).values()
        if isinstance(head, ContrastiveMotionHead)
    }
    if not heads:
        raise ValueError('the model has no ContrastiveMotionHead')
    if len(clips) < batch_size:
        raise ValueError(f'{len(clips)} clips are fewer than one batch of '
                         f'{batch_size}')
    preprocessor = model.data_preprocessor
    device = next(model.parameters()).device
    generator_state = torch.get_rng_state()
    torch.manual_seed(seed)
    sums = {level: [] for level in heads}
    steps = {}
    try:
        with eval_mode(model):
            for batch in _batches(clips, batch_size):
                x = torch.from_numpy(np.stack(batch)).float().permute(
                    0, 4, 1, 2, 3).to(device)
                if getattr(preprocessor, '_enable_normalize', False):
                    x = (x - preprocessor.mean) / preprocessor.std
                _, motion = model.backbone(x, return_motion=True,
                                           max_level=max(heads))
                for level, head in heads.items():
                    out = head.loss(motion_head_inputs(head, motion))
                    steps[level] = motion[level].shape[2]
                    sums[level].append(
                        (float(out[f'con_acc_l{level}']),
                         float(out[f'con_temporal_acc_l{level}'])))
    finally:
        torch.set_rng_state(generator_state)
    results = {}
    for level, head in heads.items():
        values = np.array(sums[level])
        results[level] = {
            'con_acc': float(values[:, 0].mean()),
            'con_temporal_acc': float(values[:, 1].mean()),
            'chance': 1.0 / (batch_size * head.num_locations * steps[level]),
            'chance_temporal': 1.0 / steps[level],
            'time_steps': steps[level],
            'batches': len(values)
        }
    return results
