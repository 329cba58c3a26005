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
import copy
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from ..datasets.video_frames import read_video_frames
from ..models.heads import ContrastiveMotionHead
from ..models.heads.contrastive_motion_head import track_accuracies
from ..models.heads.prediction_metrics import future_prediction_metrics
from ..models.recognizers.hcml_recognizer import motion_head_inputs
from ..models.utils import eval_mode

__all__ = ['clips_from_videos', 'contrastive_accuracy', 'untrained_copy']


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


def untrained_copy(head: nn.Module, seed: int = 0) -> nn.Module:
    """A copy of ``head`` with its predictor back at PyTorch's
    initialisation (every conv's ``reset_parameters``, seeded): the
    untrained head of the same config, on the same features."""
    fresh = copy.deepcopy(head)
    state = torch.get_rng_state()
    torch.manual_seed(seed)
    try:
        for module in fresh.modules():
            if isinstance(module, nn.modules.conv._ConvNd):
                module.reset_parameters()
    finally:
        torch.set_rng_state(state)
    return fresh


class _Tally:
    """Running sums of the future metrics over the distinct rows."""

    KEYS = ('future_acc', 'copy_rate', 'future_beats_present')

    def __init__(self) -> None:
        self.hits = {k: 0.0 for k in self.KEYS}
        self.distinct = 0.0
        self.rows = 0

    def add(self, metrics: dict, rows: int) -> None:
        kept = float(metrics['distinct_rows']) * rows
        if kept:
            for key in self.KEYS:
                self.hits[key] += float(metrics[key]) * kept
        self.distinct += kept
        self.rows += rows

    def result(self, prefix: str = '') -> dict:
        out = {prefix + k: (v / self.distinct if self.distinct else None)
               for k, v in self.hits.items()}
        out[prefix + 'distinct_rows'] = self.distinct / max(self.rows, 1)
        return out


@torch.no_grad()
@contextmanager
def uniform_locations(head: nn.Module) -> Iterator[nn.Module]:
    """Score ``head`` on uniformly drawn positions (its
    ``location_sampling`` restored afterwards), so that heads trained with
    different samplings are measured on the same rows."""
    saved = head.location_sampling
    head.location_sampling = 'uniform'
    try:
        yield head
    finally:
        head.location_sampling = saved


def contrastive_accuracy(model: nn.Module,
                         clips: List[np.ndarray],
                         batch_size: int = 4,
                         seed: int = 0) -> Dict[int, dict]:
    """Held-out accuracies of every contrastive level, and whether it
    predicts the future or copies the present.

    Besides the mean ``con_acc`` and ``con_temporal_acc`` of the head's
    InfoNCE, each level gets the future-vs-present metrics of
    :mod:`~mmhcml.models.heads.prediction_metrics` pooled over the rows
    whose future target is distinct (``future_acc``, ``future_chance``,
    ``copy_rate``, ``future_beats_present``, ``distinct_rows``), and the
    same for an untrained head of the same config on the same features
    (``untrained_*``, :func:`untrained_copy`).

    Args:
        model (nn.Module): An :class:`HCMLRecognizer` with contrastive heads.
        clips (list[np.ndarray]): ``(T, H, W, 3)`` uint8 clips.
        batch_size (int): Clips per batch (the negatives come from the
            batch). Defaults to ``4``.
        seed (int): Seed of the sampled locations and of the untrained
            head. Defaults to ``0``.

    Returns:
        dict[int, dict]: per level the keys above, the chance levels
        ``chance`` / ``chance_temporal``, ``time_steps`` and ``batches``.
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
    untrained = {level: untrained_copy(head, seed)
                 for level, head in heads.items()}
    preprocessor = model.data_preprocessor
    device = next(model.parameters()).device
    generator_state = torch.get_rng_state()
    sums = {level: [] for level in heads}
    tallies = {level: (_Tally(), _Tally()) for level in heads}
    steps = {}
    try:
        with eval_mode(model):
            for index, batch in enumerate(_batches(clips, batch_size)):
                x = torch.from_numpy(np.stack(batch)).float().permute(
                    0, 4, 1, 2, 3).to(device)
                if getattr(preprocessor, '_enable_normalize', False):
                    x = (x - preprocessor.mean) / preprocessor.std
                _, motion = model.backbone(x, return_motion=True,
                                           max_level=max(heads))
                for level, head in heads.items():
                    feats = motion_head_inputs(head, motion)
                    for tally, scorer in zip(tallies[level],
                                             (head, untrained[level])):
                        # the same sampled locations for both heads, drawn
                        # uniformly whatever the head trained with
                        torch.manual_seed(seed * 100003 + index)
                        with uniform_locations(scorer):
                            scores = scorer.score(feats)
                        tally.add(future_prediction_metrics(
                            scores.logits, scores.targets, scores.positives,
                            scores.starts, scores.deltas, scores.steps,
                            head.distinct_threshold), len(scores.positives))
                        if scorer is head:
                            sums[level].append(tuple(
                                map(float, track_accuracies(scores))))
                    steps[level] = motion[level].shape[2]
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
            'future_chance': 1.0 / steps[level],
            **tallies[level][0].result(),
            **tallies[level][1].result('untrained_'),
            'distinct_threshold': head.distinct_threshold,
            'time_steps': steps[level],
            'batches': len(values)
        }
    return results

