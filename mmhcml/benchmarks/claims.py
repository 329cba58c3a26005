"""The claims the synthetic benchmark is built to show (issue 12, (a)-(e)).

Every claim is checked on the test split, from per-clip scores, with
percentile-bootstrap 95% intervals over the test clips; paired comparisons
(a difference between two models, or between two trainings of one model)
resample the same clips for both sides.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .metrics import (bootstrap_ci, pair_accuracy, pair_identity_accuracy,
                      top1_accuracy)

__all__ = ['check_claims']

Scores = Dict[str, Dict[str, np.ndarray]]


def _ci(stat, n, reps, seed):
    return list(bootstrap_ci(stat, n, reps=reps, seed=seed))


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
    n = len(labels)

    def within(s):
        return lambda idx: pair_accuracy(s[idx], labels[idx], pairs)

    def top1(s):
        return lambda idx: top1_accuracy(s[idx], labels[idx])

    full = np.arange(n)
    claims = []

    base = scores['unbiased']['baseline']
    wp = within(base)(full)
    pid = pair_identity_accuracy(base, labels, pairs)
    wp_ci = _ci(within(base), n, reps, seed)
    pid_ci = _ci(lambda idx: pair_identity_accuracy(base[idx], labels[idx],
                                                    pairs), n, reps, seed)
    claims.append(dict(
        claim='(a) the benchmark isolates temporal order: the baseline is at '
        'chance within a pair but finds the pair',
        value=dict(within_pair=wp, pair_identity=pid),
        ci95=dict(within_pair=wp_ci, pair_identity=pid_ci),
        target='baseline within-pair CI contains 0.5 and pair identity >= '
        '0.8',
        met=bool(wp_ci[0] <= 0.5 <= wp_ci[1] and pid >= 0.8)))

    pmb = scores['unbiased']['pmb_only']
    value = within(pmb)(full)
    claims.append(dict(
        claim='(b) PMB-only recognises the direction', value=value,
        ci95=_ci(within(pmb), n, reps, seed),
        target='PMB-only within-pair >= 0.75', met=bool(value >= 0.75)))

    low_h, low_p = scores['lowlabel']['hcml'], scores['lowlabel']['pmb_only']
    gain = top1(low_h)(full) - top1(low_p)(full)
    ci_h = _ci(top1(low_h), n, reps, seed)
    ci_p = _ci(top1(low_p), n, reps, seed)
    claims.append(dict(
        claim='(c) low-label regime: self-supervision pays (HCML top-1 minus '
        'PMB-only top-1)',
        value=dict(gain=gain, hcml_top1=top1(low_h)(full),
                   pmb_only_top1=top1(low_p)(full)),
        ci95=dict(gain=_ci(lambda idx: top1(low_h)(idx) - top1(low_p)(idx),
                           n, reps, seed),
                  hcml_top1=ci_h, pmb_only_top1=ci_p),
        target='gain >= 0.05 and the two top-1 CIs do not overlap',
        met=bool(gain >= 0.05 and ci_h[0] > ci_p[1])))

    def drop(model):
        u, b = scores['unbiased'][model], scores['biased'][model]
        return lambda idx: top1(u)(idx) - top1(b)(idx)

    base_drop, hcml_drop = drop('baseline')(full), drop('hcml')(full)
    claims.append(dict(
        claim='(d) appearance bias: unbiased top-1 lost by training on the '
        'biased split',
        value=dict(baseline_drop=base_drop, hcml_drop=hcml_drop),
        ci95=dict(baseline_drop=_ci(drop('baseline'), n, reps, seed),
                  hcml_drop=_ci(drop('hcml'), n, reps, seed)),
        target='baseline drop >= 0.10 and HCML drop < baseline drop',
        met=bool(base_drop >= 0.10 and hcml_drop < base_drop)))

    levels = sorted(probe_scores['hcml'])
    value, ci = {}, {}
    for level in levels:
        h, b = probe_scores['hcml'][level], probe_scores['baseline'][level]
        value[f'level{level}'] = dict(hcml=within(h)(full),
                                      baseline=within(b)(full))
        ci[f'level{level}'] = dict(
            hcml=_ci(within(h), n, reps, seed),
            baseline=_ci(within(b), n, reps, seed),
            difference=_ci(lambda idx, h=h, b=b: within(h)(idx) -
                           within(b)(idx), n, reps, seed))
    claims.append(dict(
        claim='(e) linear probe of pooled level-l features: HCML keeps the '
        'direction at every level, the baseline does not',
        value=value, ci95=ci,
        target='probe within-pair HCML > baseline at every level',
        met=bool(all(v['hcml'] > v['baseline'] for v in value.values()))))
    return claims
