"""Round 5: which time step do the contrastive predictions pick?

``con_temporal_acc`` ranks the positive ``P^(l-1)_(t+delta)`` against the
other time steps of the same clip and position. This prints, for held-out
clips (the batches of ``tools/analysis/contrastive_accuracy.py``, whose
:func:`contrastive_accuracy` runs them), how often the best-scoring target
of the track lies at each offset from the prediction's own time ``t``:
offset ``delta`` is right, offset 0 means the prediction resembles the
level-(l-1) feature it was given (``P^(l-1)_t`` is an input of ``f_delta``)
more than the future one.

    python docs/experiments/stage1_flow/round5/temporal_offsets.py CONFIG CKPT VIDEO...
"""
import collections
import sys

import torch

import mmhcml  # noqa: F401
import mmhcml.models.heads.contrastive_motion_head as cmh
from mmhcml.analysis.contrastive_accuracy import (clips_from_videos,
                                                  contrastive_accuracy)
from mmhcml.apis import load_model

BATCH = 4
calls = []  # (head, logits, positives) of every InfoNCE the heads compute
calls_head = [None]  # the head whose loss is running
_info_nce = cmh.info_nce


def spy(preds, targets, positives, temperature):
    loss, logits = _info_nce(preds, targets, positives, temperature)
    calls.append((calls_head[0], logits, positives))
    return loss, logits


def watch(head):
    """Tag the InfoNCE calls made inside ``head.loss`` with ``head``."""
    loss = head.loss

    def tagged(*args, **kwargs):
        calls_head[0] = head
        return loss(*args, **kwargs)

    head.loss = tagged


cmh.info_nce = spy
config, ckpt, videos = sys.argv[1], sys.argv[2], sys.argv[3:]
model = load_model(config, ckpt)
for head in model.motion_heads.values():
    watch(head)
contrastive_accuracy(model, clips_from_videos(videos, 12, start_fraction=0.7),
                     batch_size=BATCH)
counts = collections.defaultdict(collections.Counter)
for head, logits, positives in calls:
    t = logits.shape[1] // (BATCH * head.num_locations)  # targets per track
    steps = min(head.num_steps, t - 1)
    # predictions come in delta blocks of (clip, location, time < t - delta)
    deltas = torch.cat([torch.full((BATCH * head.num_locations * (t - d),), d)
                        for d in range(1, steps + 1)])
    _, starts = cmh.prediction_rows(BATCH, head.num_locations, t, steps)
    chosen = logits.gather(1, starts[:, None] + torch.arange(t)).argmax(1)
    anchor = positives - starts - deltas
    for d, off in zip(deltas.tolist(), (chosen - anchor).tolist()):
        counts[(head.level, d)][off] += 1
for (level, d), c in sorted(counts.items()):
    total = sum(c.values())
    share = ', '.join(f'{o:+d}: {100 * n / total:.0f}%' for o, n in sorted(c.items()))
    print(f'level {level}, delta {d} ({total} predictions): chosen offset {share}')
