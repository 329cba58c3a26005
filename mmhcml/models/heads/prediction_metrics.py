"""Does a contrastive level predict the future, or copy the present?

Eq. 4 ranks a prediction of ``P^(l-1)_(t+delta)`` against every sampled
target. Most targets are easy or spatial negatives, so a predictor that
returns the present target ``P^(l-1)_t`` (which it receives as its
conditioning input) already wins most of them: the overall accuracy cannot
tell prediction from copying. These metrics look only at the ``T`` targets
of the prediction's own track (same video and position, every time; the
positive and the ``T - 1`` temporal negatives of appendix C.3) and only at
the rows whose true future is *distinct* from the track's other times:

- ``future_acc``: the future target ``t + delta`` ranks first in the track;
- ``copy_rate``: the present target ``t`` ranks first;
- ``future_beats_present``: ``score(t + delta) > score(t)``;
- ``future_chance``: ``1 / T``, the ``future_acc`` of a random ranking.

A row is distinct when the cosine distance ``1 - cos`` between its future
target and the nearest other target of its track exceeds
``distinct_threshold`` (default ``0.05``): below it, the future and another
time are nearly the same vector and no predictor can rank them apart.
"""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['PREDICTION_METRICS', 'future_prediction_metrics']

#: The keys :func:`future_prediction_metrics` returns.
PREDICTION_METRICS = ('future_acc', 'future_chance', 'copy_rate',
                      'future_beats_present', 'distinct_rows')


@torch.no_grad()
def future_prediction_metrics(logits: Tensor,
                              targets: Tensor,
                              positives: Tensor,
                              starts: Tensor,
                              deltas: Tensor,
                              steps: int,
                              distinct_threshold: float = 0.05,
                              eps: float = 1e-8) -> Dict[str, Tensor]:
    """Future-vs-present metrics of one batch of Eq. 4 predictions.

    Args:
        logits (Tensor): ``(P, G)`` scores of each prediction against every
            target (any monotonic score, e.g. ``cos / tau``).
        targets (Tensor): ``(G, C)`` the targets, laid out so that the track
            of a prediction is rows ``starts .. starts + steps - 1``.
        positives (Tensor): ``(P,)`` long, the row of the true future
            target (``start + t + delta``).
        starts (Tensor): ``(P,)`` long, the first row of each track.
        deltas (Tensor): ``(P,)`` long, the step ``delta`` of each
            prediction; the present target is ``positives - deltas``.
        steps (int): ``T``, targets per track.
        distinct_threshold (float): Rows whose future target lies within
            this cosine distance of another target of the track are left
            out. Defaults to ``0.05``.
        eps (float): Lower bound of the norms. Defaults to ``1e-8``.

    Returns:
        dict[str, Tensor]: scalars ``future_acc``, ``copy_rate``,
        ``future_beats_present`` (NaN when no row is distinct),
        ``future_chance`` (``1 / steps``) and ``distinct_rows`` (the
        fraction of rows kept).
    """
    if steps < 2:
        raise ValueError(f'steps must be >= 2, got {steps!r}')
    if not 0 <= distinct_threshold < 2:
        raise ValueError('distinct_threshold is a cosine distance in [0, 2),'
                         f' got {distinct_threshold!r}')
    offsets = torch.arange(steps, device=logits.device)
    track = starts[:, None] + offsets  # (P, T) rows of each track
    future = positives - starts  # (P,) index of t + delta in the track
    present = future - deltas
    if (present < 0).any():
        raise ValueError('positives - deltas falls before the track start')
    scores = logits.float().gather(1, track)  # (P, T)
    unit = F.normalize(targets.float(), dim=1, eps=eps)
    sims = torch.einsum('pc,ptc->pt', unit[positives], unit[track])
    sims = sims.scatter(1, future[:, None], -2.0)  # not against itself
    distinct = (1 - sims.max(dim=1).values) > distinct_threshold
    ranked = scores.argmax(dim=1)
    rows = distinct.float()
    kept = rows.sum()
    nan = torch.full((), float('nan'), device=logits.device)

    def rate(hit: Tensor) -> Tensor:
        return (hit.float() * rows).sum() / kept if kept > 0 else nan

    future_score = scores.gather(1, future[:, None])[:, 0]
    present_score = scores.gather(1, present[:, None])[:, 0]
    return dict(
        future_acc=rate(ranked == future),
        future_chance=torch.tensor(1.0 / steps, device=logits.device),
        copy_rate=rate(ranked == present),
        future_beats_present=rate(future_score > present_score),
        distinct_rows=rows.mean())
