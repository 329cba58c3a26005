"""The claims the synthetic benchmark is built to show, (a)-(e).

Every claim is checked on the test split, from per-clip scores, with
percentile-bootstrap 95% intervals over the test clips; paired comparisons
(a difference between two models, or between two trainings of one model)
resample the same clips for both sides.
"""
from typing import Callable, Dict, List, NamedTuple, Sequence, Tuple

import numpy as np

from .metrics import (bootstrap_ci, pair_accuracy, pair_identity_accuracy,
                      top1_accuracy)

__all__ = ['check_claims', 'CLAIM_CHECKS']

Scores = Dict[str, Dict[str, np.ndarray]]
Statistic = Callable[[np.ndarray], float]


class _Inputs(NamedTuple):
    """What every claim check reads (see :func:`check_claims`)."""
    scores: Scores
    labels: np.ndarray
    probe_scores: Dict[str, Dict[int, np.ndarray]]
    pairs: Sequence[Tuple[int, int]]
    reps: int
    seed: int

    @property
    def full(self) -> np.ndarray:
        """The indices of all test clips."""
        return np.arange(len(self.labels))

    def ci(self, stat: Statistic) -> List[float]:
        """The bootstrap 95% interval of ``stat`` over the test clips."""
        return list(bootstrap_ci(stat, len(self.labels), reps=self.reps,
                                 seed=self.seed))

    def within(self, s: np.ndarray) -> Statistic:
        """Within-pair accuracy of the scores ``s`` on the clips ``idx``."""
        return lambda idx: pair_accuracy(s[idx], self.labels[idx],
                                         self.pairs)

    def top1(self, s: np.ndarray) -> Statistic:
        """Top-1 accuracy of the scores ``s`` on the clips ``idx``."""
        return lambda idx: top1_accuracy(s[idx], self.labels[idx])


def _isolates_order(x: _Inputs) -> dict:
    base = x.scores['unbiased']['baseline']
    wp = x.within(base)(x.full)
    pid = pair_identity_accuracy(base, x.labels, x.pairs)
    wp_ci = x.ci(x.within(base))
    pid_ci = x.ci(lambda idx: pair_identity_accuracy(
        base[idx], x.labels[idx], x.pairs))
    return dict(
        claim='(a) the benchmark isolates temporal order: the baseline is at '
        'chance within a pair but finds the pair',
        value=dict(within_pair=wp, pair_identity=pid),
        ci95=dict(within_pair=wp_ci, pair_identity=pid_ci),
        target='baseline within-pair CI contains 0.5 and pair identity >= '
        '0.8',
        met=bool(wp_ci[0] <= 0.5 <= wp_ci[1] and pid >= 0.8))


def _pmb_direction(x: _Inputs) -> dict:
    pmb = x.scores['unbiased']['pmb_only']
    value = x.within(pmb)(x.full)
    return dict(
        claim='(b) PMB-only recognises the direction', value=value,
        ci95=x.ci(x.within(pmb)),
        target='PMB-only within-pair >= 0.75', met=bool(value >= 0.75))


def _lowlabel_gain(x: _Inputs) -> dict:
    top1 = x.top1
    low_h = x.scores['lowlabel']['hcml']
    low_p = x.scores['lowlabel']['pmb_only']
    gain = top1(low_h)(x.full) - top1(low_p)(x.full)
    ci_h = x.ci(top1(low_h))
    ci_p = x.ci(top1(low_p))
    return dict(
        claim='(c) low-label regime: self-supervision pays (HCML top-1 minus '
        'PMB-only top-1)',
        value=dict(gain=gain, hcml_top1=top1(low_h)(x.full),
                   pmb_only_top1=top1(low_p)(x.full)),
        ci95=dict(gain=x.ci(lambda idx: top1(low_h)(idx) - top1(low_p)(idx)),
                  hcml_top1=ci_h, pmb_only_top1=ci_p),
        target='gain >= 0.05 and the two top-1 CIs do not overlap',
        met=bool(gain >= 0.05 and ci_h[0] > ci_p[1]))


def _appearance_bias(x: _Inputs) -> dict:

    def drop(model):
        u, b = x.scores['unbiased'][model], x.scores['biased'][model]
        return lambda idx: x.top1(u)(idx) - x.top1(b)(idx)

    base_drop, hcml_drop = drop('baseline')(x.full), drop('hcml')(x.full)
    return dict(
        claim='(d) appearance bias: unbiased top-1 lost by training on the '
        'biased split',
        value=dict(baseline_drop=base_drop, hcml_drop=hcml_drop),
        ci95=dict(baseline_drop=x.ci(drop('baseline')),
                  hcml_drop=x.ci(drop('hcml'))),
        target='baseline drop >= 0.10 and HCML drop < baseline drop',
        met=bool(base_drop >= 0.10 and hcml_drop < base_drop))


def _level_probe(x: _Inputs) -> dict:
    within = x.within
    value, ci = {}, {}
    for level in sorted(x.probe_scores['hcml']):
        h = x.probe_scores['hcml'][level]
        b = x.probe_scores['baseline'][level]
        value[f'level{level}'] = dict(hcml=within(h)(x.full),
                                      baseline=within(b)(x.full))
        ci[f'level{level}'] = dict(
            hcml=x.ci(within(h)),
            baseline=x.ci(within(b)),
            difference=x.ci(lambda idx, h=h, b=b: within(h)(idx) -
                            within(b)(idx)))
    return dict(
        claim='(e) linear probe of pooled level-l features: HCML keeps the '
        'direction at every level, the baseline does not',
        value=value, ci95=ci,
        target='probe within-pair HCML > baseline at every level',
        met=bool(all(v['hcml'] > v['baseline'] for v in value.values())))


#: The checks of claims (a)-(e), in order; each maps the inputs of
#: :func:`check_claims` to one claim's dict.
CLAIM_CHECKS = (_isolates_order, _pmb_direction, _lowlabel_gain,
                _appearance_bias, _level_probe)


def check_claims(scores: Scores, labels: np.ndarray,
                 probe_scores: Dict[str, Dict[int, np.ndarray]],
                 pairs: Sequence[Tuple[int, int]], reps: int = 1000,
                 seed: int = 0) -> List[dict]:
    """Evaluate claims (a)-(e).

    Args:
        scores: ``scores[setting][model]``: ``(N, num_classes)`` test scores
            (one view) for the settings ``unbiased``, ``biased`` and
            ``lowlabel`` and the models ``baseline``, ``pmb_only``, ``hcml``.
        labels: ``(N,)`` test labels.
        probe_scores: ``probe_scores[model][level]``: ``(N, num_classes)``
            test scores of the linear probe on that model's pooled level
            features (unbiased training), for ``baseline`` and ``hcml``.
        pairs: The reversal pairs.
        reps: Bootstrap resamples.
        seed: Bootstrap seed.

    Returns:
        One dict per claim: ``claim``, ``value``, ``ci95``, ``target`` and
        ``met`` (``value`` and ``ci95`` are dicts of named figures when a
        claim has several).
    """
    inputs = _Inputs(scores, labels, probe_scores, pairs, reps, seed)
    return [check(inputs) for check in CLAIM_CHECKS]
