"""Accuracy figures of the synthetic motion benchmark.

Within a reversal pair ``(a, b)`` a clip of ``a`` played backwards is a clip
of ``b``, so a model blind to frame order scores 50% when it only has to
choose between the two; :func:`pair_accuracy` measures exactly that choice.
"""
from typing import Dict, Sequence, Tuple

import numpy as np

__all__ = ['pair_accuracy', 'per_class_accuracy', 'summarise_predictions']


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


def pair_accuracy(scores: np.ndarray, labels: np.ndarray,
                  pairs: Sequence[Tuple[int, int]]) -> float:
    """Accuracy of choosing between the two classes of each clip's pair.

    A clip of class ``a`` in pair ``(a, b)`` counts as right when
    ``score[a] > score[b]``; chance is 50%.
    """
    _check(scores, labels)
    partner = {}
    for a, b in pairs:
        partner[a], partner[b] = b, a
    keep = np.array([int(label) in partner for label in labels])
    if not keep.any():
        raise ValueError('no sample belongs to a reversal pair')
    own = scores[np.arange(len(labels)), labels][keep]
    other = scores[np.arange(len(labels)),
                   [partner.get(int(label), int(label))
                    for label in labels]][keep]
    return float((own > other).mean())


def summarise_predictions(scores: np.ndarray, labels: np.ndarray,
                          pairs: Sequence[Tuple[int, int]],
                          num_classes: int) -> Dict[str, object]:
    """Top-1, within-pair accuracy and per-class accuracy, as plain types."""
    _check(scores, labels)
    return dict(
        top1=float((scores.argmax(axis=1) == labels).mean()),
        pair_acc=pair_accuracy(scores, labels, pairs),
        per_class=[None if np.isnan(v) else float(v)
                   for v in per_class_accuracy(scores, labels, num_classes)],
        num_samples=int(len(labels)))
