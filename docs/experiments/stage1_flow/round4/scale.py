"""Round 4 diagnostic: is the level-1 flow too short? Cut of the zero-flow
photometric error by k * model flow, and by Farneback, on frames
[start, end) of each video.

    python docs/experiments/stage1_flow/round4/scale.py CONFIG CKPT START END [VIDEO...]
"""
import sys

import numpy as np
import torch

torch.set_num_threads(1)
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import mmhcml  # noqa: E402,F401
from mmaction.registry import MODELS  # noqa: E402
from mmhcml.analysis.flow_quality import (farneback_flow,  # noqa: E402
                                          model_pair_flows, photometric_error)
from mmhcml.datasets.video_frames import read_video_frames  # noqa: E402

init_default_scope('mmaction')
cfg = Config.fromfile(sys.argv[1])
model = MODELS.build(cfg.model)
sd = torch.load(sys.argv[2], weights_only=False)
model.load_state_dict(sd.get('state_dict', sd))
model.eval()
start, end = float(sys.argv[3]), float(sys.argv[4])
videos = sys.argv[5:] or ['vtest', 'tree', 'Megamind']
for v in videos:
    fr = read_video_frames(f'../shared/real_footage/{v}.avi', (96, 128), 2)
    fr = fr[int(start * len(fr)):int(end * len(fr))]
    im = torch.from_numpy(fr).float().permute(0, 3, 1, 2) / 255
    a, b = im[:-1], im[1:]
    mf = model_pair_flows(model, fr, 8)
    fb = torch.from_numpy(np.stack([farneback_flow(fr[t], fr[t + 1])
                                    for t in range(len(a))])).permute(0, 3, 1, 2)
    z = photometric_error(a, b, torch.zeros_like(mf))[0].mean()

    def cut(f):
        return float(1 - photometric_error(a, b, f)[0].mean() / z)

    row = ' '.join(f'k={k}:{cut(k * mf):+.3f}' for k in (0.5, 1, 1.25, 1.5, 2, 3))
    moving = fb.norm(dim=1) > 1
    ratio = float((mf * fb).sum(1)[moving].mean() / (fb * fb).sum(1)[moving].mean())
    print(f'{v:10s} pairs {len(a)}  {row}  FB {cut(fb):+.3f}  '
          f'proj(model on FB)/|FB|^2 where |FB|>1px: {ratio:.2f}')
