"""mmhcml.benchmarks.claims: each claim's intervals are the bootstrap of its
statistic over the test clips, with the caller's resamples and seed."""
import numpy as np

from mmhcml.benchmarks.claims import CLAIM_CHECKS, check_claims
from mmhcml.benchmarks.metrics import bootstrap_ci, pair_accuracy, top1_accuracy

PAIRS = ((0, 1), (2, 3))


def _random_inputs(n=24, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n)
    scores = {s: {m: rng.random((n, 4)) for m in ('baseline', 'pmb_only',
                                                   'hcml')}
              for s in ('unbiased', 'biased', 'lowlabel')}
    probe = {m: {lv: rng.random((n, 4)) for lv in (2, 1)}
             for m in ('baseline', 'hcml')}
    return scores, labels, probe


def test_intervals_are_the_bootstrap_of_each_statistic():
    scores, labels, probe = _random_inputs()
    n, reps, seed = len(labels), 120, 3
    a, b, c, d, e = check_claims(scores, labels, probe, PAIRS, reps=reps,
                                 seed=seed)
    assert len(CLAIM_CHECKS) == 5

    def ci(stat):
        return list(bootstrap_ci(stat, n, reps=reps, seed=seed))

    def within(s):
        return lambda idx: pair_accuracy(s[idx], labels[idx], PAIRS)

    def top1(s):
        return lambda idx: top1_accuracy(s[idx], labels[idx])

    assert a['ci95']['within_pair'] == ci(within(scores['unbiased']['baseline']))
    assert b['ci95'] == ci(within(scores['unbiased']['pmb_only']))
    low = scores['lowlabel']
    assert c['ci95']['gain'] == ci(
        lambda idx: top1(low['hcml'])(idx) - top1(low['pmb_only'])(idx))
    u, bi = scores['unbiased']['hcml'], scores['biased']['hcml']
    assert d['ci95']['hcml_drop'] == ci(
        lambda idx: top1(u)(idx) - top1(bi)(idx))
    # the probe levels in increasing order, each with its paired difference
    assert list(e['value']) == ['level1', 'level2']
    h, base = probe['hcml'][2], probe['baseline'][2]
    assert e['ci95']['level2']['difference'] == ci(
        lambda idx: within(h)(idx) - within(base)(idx))
    # another seed, other intervals
    other = check_claims(scores, labels, probe, PAIRS, reps=reps, seed=4)
    assert other[1]['ci95'] != b['ci95'] and other[1]['value'] == b['value']
