"""Round 5: which time step do the contrastive predictions pick?

``con_temporal_acc`` ranks the positive ``P^(l-1)_(t+delta)`` against the
other time steps of the same clip and position. This prints, for held-out
clips (as ``tools/analysis/contrastive_accuracy.py`` samples them), how often
the best-scoring target of the track lies at each offset from the
prediction's own time ``t``: offset ``delta`` is right, offset 0 means the
prediction resembles the level-(l-1) feature it was given (``P^(l-1)_t`` is
an input of ``f_delta``) more than the future one.

    python docs/experiments/stage1_flow/round5/temporal_offsets.py CONFIG CKPT VIDEO...
"""
import collections
import sys

import numpy as np
import torch

import mmhcml  # noqa: F401
import mmhcml.models.heads.contrastive_motion_head as cmh
from mmhcml.analysis.contrastive_accuracy import clips_from_videos
from mmhcml.apis import load_model
from mmhcml.models.recognizers.hcml_recognizer import motion_head_inputs

captured = {}
_info_nce = cmh.info_nce


def spy(preds, targets, positives, temperature):
    loss, logits = _info_nce(preds, targets, positives, temperature)
    captured['logits'], captured['positives'] = logits, positives
    return loss, logits


cmh.info_nce = spy
config, ckpt, videos = sys.argv[1], sys.argv[2], sys.argv[3:]
model = load_model(config, ckpt)
model.eval()
clips = clips_from_videos(videos, 12, start_fraction=0.7)
torch.manual_seed(0)
pre = model.data_preprocessor
counts = collections.defaultdict(collections.Counter)
with torch.no_grad():
    for s in range(0, len(clips) - 3, 4):
        x = torch.from_numpy(np.stack(clips[s:s + 4])).float().permute(0, 4, 1, 2, 3)
        x = (x - pre.mean) / pre.std
        _, motion = model.backbone(x, return_motion=True, max_level=3)
        for head in model.motion_heads.values():
            if type(head).__name__ != 'ContrastiveMotionHead':
                continue
            head.loss(motion_head_inputs(head, motion))
            t = motion[head.level].shape[2]
            steps = min(head.num_steps, t - 1)
            logits, positives = captured['logits'], captured['positives']
            tracks = 4 * head.num_locations
            deltas = torch.cat([torch.full((tracks * (t - d),), d)
                                for d in range(1, steps + 1)])
            starts = positives - positives % t
            chosen = logits.gather(1, starts[:, None] + torch.arange(t)).argmax(1)
            anchor = positives % t - deltas
            for d, off in zip(deltas.tolist(), (chosen - anchor).tolist()):
                counts[(head.level, d)][off] += 1
for (level, d), c in sorted(counts.items()):
    total = sum(c.values())
    share = ', '.join(f'{o:+d}: {100 * n / total:.0f}%' for o, n in sorted(c.items()))
    print(f'level {level}, delta {d} ({total} predictions): chosen offset {share}')
