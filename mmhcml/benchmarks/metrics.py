"""Accuracy figures of the synthetic motion benchmark.

Within a reversal pair ``(a, b)`` a clip of ``a`` played backwards is a clip
of ``b``, so a model blind to frame order scores 50% when it only has to
choose between the two; :func:`pair_accuracy` measures exactly that choice.
"""
from typing import Callable, Dict, Sequence, Tuple

import numpy as np

__all__ = ['pair_accuracy', 'per_class_accuracy', 'summarise_predictions',
           'pair_identity_accuracy', 'bootstrap_ci', 'top1_accuracy']


def _check(scores: np.ndarray, labels: np.ndarray) -> None:
    if scores.ndim != 2 or labels.shape != scores.shape[:1]:
        raise ValueError('scores must be (N, num_classes) and labels (N,), '
                         f'got {scores.shape} and {labels.shape}')


def per_class_accuracy(scores: np.ndarray, labels: np.ndarray,
                       num_classes: int) -> np.ndarray:
    """Top-1 accuracy of each class; NaN for a class with no sample."""
    _check(scores, labels)
    predicted = scores.argmax(axis=1)
    out = np.full(num_classes, np.nan)
    for c in range(num_classes):
        mask = labels == c
        if mask.any():
            out[c] = float((predicted[mask] == c).mean())
    return out


def _pair_tables(pairs: Sequence[Tuple[int, int]], size: int
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """``partner[c]`` and ``pair_of[c]`` (-1 for a class in no pair)."""
    partner = np.full(size, -1)
    pair_of = np.full(size, -1)
    for k, (a, b) in enumerate(pairs):
        partner[a], partner[b] = b, a
        pair_of[a] = pair_of[b] = k
    return partner, pair_of


def pair_accuracy(scores: np.ndarray, labels: np.ndarray,
                  pairs: Sequence[Tuple[int, int]]) -> float:
    """Accuracy of choosing between the two classes of each clip's pair.

    A clip of class ``a`` in pair ``(a, b)`` counts as right when
    ``score[a] > score[b]``; chance is 50%.
    """
    _check(scores, labels)
    size = max(scores.shape[1], int(labels.max(initial=0)) + 1,
               max((max(p) for p in pairs), default=0) + 1)
    partner, _ = _pair_tables(pairs, size)
    labels = np.asarray(labels, dtype=np.intp)
    keep = partner[labels] >= 0
    if not keep.any():
        raise ValueError('no sample belongs to a reversal pair')
    rows = np.arange(len(labels))[keep]
    own = scores[rows, labels[keep]]
    other = scores[rows, partner[labels[keep]]]
    return float((own > other).mean())


def top1_accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of clips whose highest score is their class."""
    _check(scores, labels)
    return float((scores.argmax(axis=1) == labels).mean())


def pair_identity_accuracy(scores: np.ndarray, labels: np.ndarray,
                           pairs: Sequence[Tuple[int, int]]) -> float:
    """Accuracy of the reversal pair of the top-1 class.

    A clip counts as right when its top-1 class is its own class or that
    class's partner; a model that sees which pair a clip belongs to but not
    the direction scores 100% here and 50% in :func:`pair_accuracy`.
    """
    _check(scores, labels)
    labels = np.asarray(labels, dtype=np.intp)
    size = max(scores.shape[1], int(labels.max(initial=0)) + 1)
    _, pair_of = _pair_tables(pairs, size)
    predicted = pair_of[scores.argmax(axis=1)]
    return float(((predicted == pair_of[labels]) & (predicted >= 0)).mean())


def bootstrap_ci(statistic: Callable[[np.ndarray], float], num_samples: int,
                 reps: int = 1000, seed: int = 0,
                 level: float = 0.95) -> Tuple[float, float]:
    """Percentile bootstrap confidence interval over resampled clips.

    Args:
        statistic: Maps an index array (a resample of ``range(num_samples)``,
            with replacement) to a number; use the same indices for every
            model in a paired comparison.
        num_samples: Number of clips.
        reps: Number of resamples.
        seed: Seed of the resampling.
        level: Coverage of the interval.

    Returns:
        ``(low, high)``: the ``(1 - level) / 2`` and ``(1 + level) / 2``
        quantiles (linear interpolation) of the resampled statistic.
    """
    if num_samples < 1 or reps < 1 or not 0 < level < 1:
        raise ValueError('bootstrap_ci needs num_samples >= 1, reps >= 1 and '
                         f'0 < level < 1, got {num_samples!r}, {reps!r}, '
                         f'{level!r}')
    rng = np.random.default_rng(seed)
    values = np.array([statistic(rng.integers(0, num_samples, num_samples))
                       for _ in range(reps)])
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


def summarise_predictions(scores: np.ndarray, labels: np.ndarray,
                          pairs: Sequence[Tuple[int, int]],
                          num_classes: int) -> Dict[str, object]:
    """Top-1, within-pair accuracy and per-class accuracy, as plain types."""
    _check(scores, labels)
    return dict(
        top1=top1_accuracy(scores, labels),
        pair_acc=pair_accuracy(scores, labels, pairs),
        pair_identity=pair_identity_accuracy(scores, labels, pairs),
        per_class=[None if np.isnan(v) else float(v)
                   for v in per_class_accuracy(scores, labels, num_classes)],
        num_samples=int(len(labels)))
