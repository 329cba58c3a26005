import math

import pytest
import torch
import torch.nn.functional as F

from mmaction.registry import MODELS
from mmhcml.models.heads.contrastive_motion_head import prediction_rows
from mmhcml.models.losses import info_nce


def test_equal_logits_give_log_of_target_count():
    preds = torch.ones(5, 3)
    targets = torch.ones(7, 3)
    loss, _ = info_nce(preds, targets, torch.arange(5))
    assert loss.item() == pytest.approx(math.log(7), rel=1e-5)


def test_perfect_predictions_beat_shuffled_ones():
    targets = torch.randn(12, 16)
    positives = torch.arange(12)
    perfect, _ = info_nce(targets.clone(), targets, positives)
    shuffled, _ = info_nce(targets[torch.randperm(12)], targets, positives)
    assert perfect < shuffled
    assert perfect < 0.1


def test_info_nce_rejects_bad_temperature():
    with pytest.raises(ValueError, match='temperature'):
        info_nce(torch.ones(1, 2), torch.ones(1, 2), torch.zeros(1).long(), 0)


def test_prediction_rows_positive_and_negative_sets():
    b, n_loc, t, k = 3, 4, 5, 2
    positives, starts = prediction_rows(b, n_loc, t, k)
    assert len(positives) == b * n_loc * (t - 1 + t - 2)
    # decode each target row into (video, location, time)
    video = lambda r: r // (n_loc * t)  # noqa: E731
    track = lambda r: r // t  # noqa: E731
    i = 0
    for delta in range(1, k + 1):
        for bb in range(b):
            for loc in range(n_loc):
                for time in range(t - delta):
                    pos = positives[i].item()
                    assert video(pos) == bb and track(pos) == bb * n_loc + loc
                    assert pos % t == time + delta
                    assert starts[i].item() == (bb * n_loc + loc) * t
                    i += 1
    # per prediction: T-1 temporal, (N-1)T spatial, (B-1)NT easy negatives
    rows = torch.arange(b * n_loc * t)
    pos = positives[0]
    temporal = ((track(rows) == track(pos)) & (rows != pos)).sum()
    spatial = ((video(rows) == video(pos)) & (track(rows) != track(pos))).sum()
    easy = (video(rows) != video(pos)).sum()
    assert (temporal, spatial, easy) == (t - 1, (n_loc - 1) * t,
                                         (b - 1) * n_loc * t)


def build_head(**kwargs):
    cfg = dict(type='ContrastiveMotionHead', in_channels=4, target_channels=6,
               level=2, num_steps=2, num_locations=3,
               loss=dict(type='InfoNCELoss', temperature=0.05))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_oracle_predictions_pick_every_positive(monkeypatch):
    head = build_head()
    b, t, h, w = 2, 5, 4, 4
    lower = torch.randn(b, 6, t, h, w)

    def oracle(motion, context):
        # context is P^(l-1) pooled to P^l's grid: shift it back in time
        return {d: torch.roll(context, shifts=-d, dims=2) for d in (1, 2)}

    monkeypatch.setattr(head, 'forward', oracle)
    out = head.loss((lower, torch.randn(b, 4, t, h, w)))
    assert out['con_acc_l2'].item() == 1.0
    assert out['con_temporal_acc_l2'].item() == 1.0
    monkeypatch.setattr(
        head, 'forward',
        lambda m, c: {d: torch.roll(c, shifts=-d + 1, dims=2) for d in (1, 2)})
    wrong = head.loss((lower, torch.randn(b, 4, t, h, w)))
    assert wrong['con_temporal_acc_l2'].item() < 0.5
    assert wrong['loss_con_l2'] > out['loss_con_l2']


def test_loss_pools_lower_level_and_trains_only_upper():
    head = build_head(level=3)
    lower = torch.randn(2, 6, 8, 8, 8, requires_grad=True)
    upper = torch.randn(2, 4, 4, 4, 4, requires_grad=True)
    out = head.loss((lower, upper))
    assert set(out) == {'loss_con_l3', 'con_acc_l3', 'con_temporal_acc_l3',
                        'con_future_acc_l3', 'con_copy_rate_l3',
                        'con_future_beats_present_l3'}
    out['loss_con_l3'].backward()
    assert lower.grad is None  # targets and context are detached
    assert upper.grad is not None and upper.grad.abs().sum() > 0
    assert all(p.grad is not None for p in head.parameters())


def test_w1_is_shared_and_each_step_has_its_own_w2():
    head = build_head(num_steps=3)
    assert isinstance(head.shared[0], torch.nn.Conv3d)
    assert len(head.steps) == 3
    assert len({id(s.weight) for s in head.steps}) == 3


@pytest.mark.parametrize('kwargs,match', [
    (dict(level=1), 'level'),
    (dict(num_locations=0), 'num_locations'),
    (dict(loss=dict(type='InfoNCELoss', temperature=0.0)), 'temperature'),
    (dict(loss_weight=-0.5), 'loss_weight'),
])
def test_config_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_head(**kwargs)


def test_too_many_locations_is_reported():
    head = build_head(num_locations=20)
    with pytest.raises(ValueError, match='num_locations=20 exceeds the H\\*W=16'):
        head.loss((torch.randn(1, 6, 4, 4, 4), torch.randn(1, 4, 4, 4, 4)))


def test_single_time_step_is_reported():
    head = build_head()
    with pytest.raises(ValueError, match='at least 2 time steps'):
        head.loss((torch.randn(1, 6, 1, 4, 4), torch.randn(1, 4, 1, 4, 4)))


def test_shuffle_time_control_scores_targets_in_a_random_time_order():
    # one position per frame (1x1 grid): the target rows of video b are
    # P^(l-1)_b at the times of a permutation drawn first in score()
    b, t = 2, 6
    lower = torch.randn(b, 6, t, 1, 1)
    upper = torch.randn(b, 4, t, 1, 1)
    head = build_head(num_locations=1, shuffle_time=True)
    torch.manual_seed(3)
    scores = head.score((lower, upper))
    torch.manual_seed(3)
    perm = torch.randperm(t)
    assert not torch.equal(perm, torch.arange(t))
    expected = lower[:, :, perm, 0, 0].permute(0, 2, 1).reshape(b * t, 6)
    torch.testing.assert_close(scores.targets, expected)
    # the paper's head keeps the time order
    plain = build_head(num_locations=1).score((lower, upper))
    torch.testing.assert_close(
        plain.targets, lower[:, :, :, 0, 0].permute(0, 2, 1).reshape(b * t, 6))


def test_shuffle_time_must_be_a_bool():
    with pytest.raises(ValueError, match='shuffle_time'):
        build_head(shuffle_time='yes')


def test_motion_sampling_draws_the_positions_whose_targets_change():
    # a 4x4 grid where only positions 5 and 10 change over time: motion
    # sampling of 2 positions picks exactly them; uniform sampling does not
    b, t = 3, 5
    lower = torch.ones(b, 6, t, 4, 4)
    lower[:, :, :, 1, 1] = torch.randn(b, 6, t)
    lower[:, :, :, 2, 2] = torch.randn(b, 6, t)
    head = build_head(num_locations=2, location_sampling='motion')
    for _ in range(5):
        locs = head._sample_locations(lower)
        assert locs.shape == (b, 2)
        assert all(set(row.tolist()) == {5, 10} for row in locs)
    uniform = build_head(num_locations=2)
    torch.manual_seed(0)
    drawn = {tuple(sorted(r.tolist())) for _ in range(20)
             for r in uniform._sample_locations(lower)}
    assert len(drawn) > 5


def test_location_sampling_is_validated():
    with pytest.raises(ValueError, match='location_sampling'):
        build_head(location_sampling='edges')
