"""Motion signal of a renderer variant without training (issue 12), val only.

For every clip of a probe.py cache: frames average-pooled by 4 (the tiny R2D's
level-1 stride), a cosine cost volume of each frame with the next over
displacements |dx|, |dy| <= D computed on the RGB values minus the frame
mean, globally pooled over time and space -> (2D+1)^2 features. A ridge probe
fitted on train clips, scored on val (benchmarks.evaluate.ridge_probe, alpha
chosen on val) gives the within-pair accuracy a linear read-out of pooled
motion can reach: an upper bound on what PMB-only can read without learning
spatial structure.

python docs/results/synthetic_benchmark/redesign/oracle.py CACHE.npz [D]
"""
import sys

import numpy as np

sys.path.insert(0, __file__.rsplit('/docs/', 1)[0])
from mmhcml.benchmarks.evaluate import ridge_probe  # noqa: E402
from mmhcml.benchmarks.metrics import pair_accuracy  # noqa: E402
from mmhcml.datasets.synthetic_motion import REVERSAL_PAIRS  # noqa: E402

D = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def pooled_cost(clips):
    n, t, h, w, c = clips.shape
    x = clips[:, 2:14, 8:72, 8:72].astype(np.float32)
    x = x.reshape(n, 12, 16, 4, 16, 4, c).mean((3, 5))
    x = x - x.mean((2, 3), keepdims=True)
    x = x / (np.linalg.norm(x, axis=-1, keepdims=True) + 1e-3)
    a, b = x[:, :-1], x[:, 1:]
    pad = np.pad(b, ((0, 0), (0, 0), (D, D), (D, D), (0, 0)))
    feats = []
    for dy in range(-D, D + 1):
        for dx in range(-D, D + 1):
            s = pad[:, :, D + dy:D + dy + 16, D + dx:D + dx + 16]
            feats.append((a * s).sum(-1).mean((1, 2, 3)))
    return np.stack(feats, 1)


z = np.load(sys.argv[1])
ftr, fva = pooled_cost(z['a']), pooled_cost(z['c'])
scores, alpha = ridge_probe(ftr, z['b'], fva, z['d'], fva, 14)
print(f'{sys.argv[1]}: pooled cost volume (D={D}) ridge within-pair on val '
      f'{pair_accuracy(scores, z["d"], REVERSAL_PAIRS):.3f} (alpha {alpha})')
