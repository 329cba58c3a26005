"""A contrastive level learns to predict the future, not to copy the
present: trained a few dozen steps on a rendered clip with known motion it
ranks the true future above the present, where a copy-the-present predictor
never does (future_beats_present 0 by construction)."""
import os.path as osp

import torch
import torch.nn.functional as F
from mmengine import Config

from mmaction.registry import MODELS
from mmhcml.datasets.translating_textures import render_translating_textures
from mmhcml.models.heads.prediction_metrics import future_prediction_metrics

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def level_features(clips):
    """Features of a two-level hierarchy with a known temporal layout.

    ``P^1`` (8 frames): a fixed random embedding of each frame. ``P^2``
    (4 steps): step ``t`` holds frames ``2t`` and ``2t + 2``, as PMB-2's
    cost volume pairs a level-2 step with the next one. The present target
    of step ``t`` pools ``P^1`` over frames ``2t, 2t + 1``; its future
    (``delta = 1``) over ``2t + 2, 2t + 3``.
    """
    gen = torch.Generator().manual_seed(0)
    embed = torch.randn(16, 3, 1, 1, 1, generator=gen)
    lower = F.relu(F.conv3d(clips / 255.0 - 0.5, embed))  # (N, 16, 8, H, W)
    later = torch.cat([lower[:, :, 2::2], lower[:, :, -1:]], dim=2)
    upper = torch.cat([lower[:, :, ::2], later], dim=1)  # (N, 32, 4, H, W)
    return lower, upper


def metrics_of(head, lower, upper, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        s = head.score((lower, upper))
    return future_prediction_metrics(s.logits, s.targets, s.positives,
                                     s.starts, s.deltas, s.steps)


def test_a_contrastive_level_learns_to_rank_the_future_first():
    # the shipped contrastive loss (tau, temporal term) of the model base
    base = Config.fromfile(osp.join(ROOT, 'configs/hcml/_base_/models/'
                                    'hcml_r2d50.py'))
    videos = render_translating_textures(6, clip_len=8, size=16,
                                         max_shift=2, feature_size=2, seed=3)
    clips = torch.from_numpy(videos.clips).permute(0, 4, 1, 2, 3).float()
    lower, upper = level_features(clips)
    train, held_out = (lower[:4], upper[:4]), (lower[4:], upper[4:])
    torch.manual_seed(0)
    head = MODELS.build(dict(
        type='ContrastiveMotionHead', in_channels=32, target_channels=16,
        level=2, num_steps=1, num_locations=16,
        loss=base.contrastive_loss.to_dict()))
    untrained = metrics_of(head, *held_out, seed=1)
    optim = torch.optim.Adam(head.parameters(), lr=1e-2)
    for step in range(40):
        torch.manual_seed(100 + step)
        loss = head.loss(train)['loss_con_l2']
        optim.zero_grad()
        loss.backward()
        optim.step()
    trained = metrics_of(head, *held_out, seed=1)
    assert trained['distinct_rows'] > 0.5
    # a copy-the-present predictor scores 0 here; chance is 0.5
    assert trained['future_beats_present'] >= 0.8
    assert trained['future_beats_present'] > untrained['future_beats_present']
    assert trained['copy_rate'] < untrained['copy_rate']
