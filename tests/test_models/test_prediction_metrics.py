"""Future-vs-present metrics of the contrastive levels: an oracle predictor
scores future_acc 1, a copy-the-present predictor 0 with copy_rate 1."""
import pytest
import torch

from mmhcml.models.heads.contrastive_motion_head import prediction_rows
from mmhcml.models.heads.prediction_metrics import future_prediction_metrics


def layout(batch=2, locs=3, steps=4, deltas=2, channels=16, seed=0):
    torch.manual_seed(seed)
    targets = torch.randn(batch * locs * steps, channels)
    positives, starts = prediction_rows(batch, locs, steps, deltas)
    delta = torch.cat([torch.full((batch * locs * (steps - d), ), d)
                       for d in range(1, deltas + 1)])
    return targets, positives, starts, delta, steps


def cosine_logits(preds, targets, tau=0.1):
    # written out: normalise each row by its Euclidean norm, dot products
    p = preds / preds.pow(2).sum(1, keepdim=True).sqrt()
    g = targets / targets.pow(2).sum(1, keepdim=True).sqrt()
    return p @ g.t() / tau


def test_oracle_predictor_scores_one():
    targets, positives, starts, delta, steps = layout()
    logits = cosine_logits(targets[positives], targets)
    out = future_prediction_metrics(logits, targets, positives, starts, delta,
                                    steps)
    assert out['future_acc'].item() == 1.0
    assert out['copy_rate'].item() == 0.0
    assert out['future_beats_present'].item() == 1.0
    assert out['future_chance'].item() == pytest.approx(1 / steps)
    assert out['distinct_rows'].item() == 1.0  # random targets all differ


def test_copy_the_present_predictor_scores_zero():
    targets, positives, starts, delta, steps = layout()
    logits = cosine_logits(targets[positives - delta], targets)
    out = future_prediction_metrics(logits, targets, positives, starts, delta,
                                    steps)
    assert out['future_acc'].item() == 0.0
    assert out['copy_rate'].item() == 1.0
    assert out['future_beats_present'].item() == 0.0


def test_rows_whose_future_repeats_another_time_are_left_out():
    targets, positives, starts, delta, steps = layout(batch=1, locs=1,
                                                      steps=4, deltas=1)
    # track rows 0..3; time 3 repeats time 1, so the predictions
    # t=0 -> 1 and t=2 -> 3 have a future that repeats another time
    targets[3] = targets[1]
    # an oracle everywhere except at t=1 -> 2, where it copies the present
    preds = targets[positives].clone()
    preds[1] = targets[1]
    logits = cosine_logits(preds, targets)
    out = future_prediction_metrics(logits, targets, positives, starts, delta,
                                    steps)
    # 3 predictions (t = 0, 1, 2 -> 1, 2, 3); only t=1 -> 2 is distinct,
    # and there the predictor copies: the oracle rows do not count
    assert out['distinct_rows'].item() == pytest.approx(1 / 3)
    assert out['future_acc'].item() == 0.0
    assert out['future_beats_present'].item() == 0.0
    # no distinct row at all gives NaN, not a number that looks measured
    same = targets.clone()
    same[:] = targets[0]
    out = future_prediction_metrics(cosine_logits(same, same)[positives],
                                    same, positives, starts, delta, steps)
    assert out['distinct_rows'].item() == 0.0
    assert torch.isnan(out['future_acc'])


def test_arguments_are_checked():
    targets, positives, starts, delta, steps = layout()
    logits = cosine_logits(targets[positives], targets)
    with pytest.raises(ValueError, match='steps'):
        future_prediction_metrics(logits, targets, positives, starts, delta, 1)
    with pytest.raises(ValueError, match='distinct_threshold'):
        future_prediction_metrics(logits, targets, positives, starts, delta,
                                  steps, distinct_threshold=2.5)
