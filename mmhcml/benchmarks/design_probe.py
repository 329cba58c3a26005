"""Small measurements behind the synthetic benchmark's design (val only).

    python tools/benchmarks/design_probe.py [--per-class 8] [--out probe.json]

Renders clips in memory from the ``train`` and ``val`` seeds of the
benchmark (never ``test``) and measures, with ridge probes fitted on the
train clips and scored on the val clips:

1. **Streaks**: how well one frame reveals the reversal pair (pair-identity
   accuracy of a probe on a histogram of gradient orientations of the
   centre frame), with and without motion streaks; within-pair accuracy of
   the same probe must stay at chance.
2. **Motion per level**: the median displacement per frame of every motion,
   in level-1 cells (stride 4 of the tiny R2D).
3. **Prime Motion Block width and range**: within-pair accuracy of a probe
   on the globally pooled ``P^1`` of a freshly initialised PMB-only model,
   for several ``(max_displacement, out_channels)``, with its forward time,
   and the number of level-3 time steps of a 12-frame clip.
"""
import argparse
import json
import time

import numpy as np

from ..datasets.synthetic_motion import (MOTION_CLASSES, REVERSAL_PAIRS,
                                         _clip_rng, clip_trajectory,
                                         render_clip, sample_clip_spec)
from .evaluate import ridge_probe
from .metrics import pair_accuracy, pair_identity_accuracy, top1_accuracy

FRAMES, SIZE, CLIP, CROP, STRIDE1 = 16, 80, 12, 64, 4


def _specs(split: str, per_class: int):
    return [(sample_clip_spec(lab, _clip_rng(0, split, lab, i),
                              num_frames=FRAMES), lab)
            for lab in range(len(MOTION_CLASSES)) for i in range(per_class)]


def _hog(frame: np.ndarray, bins: int = 12, cells: int = 2) -> np.ndarray:
    """Magnitude-weighted orientation histogram (axis, 0..pi) per cell."""
    grey = frame.astype(np.float64).mean(-1)
    gy, gx = np.gradient(grey)
    mag = np.hypot(gx, gy)
    ang = np.mod(np.arctan2(gy, gx), np.pi)
    idx = np.minimum((ang / np.pi * bins).astype(int), bins - 1)
    side = grey.shape[0] // cells
    out = []
    for cy in range(cells):
        for cx in range(cells):
            sl = (slice(cy * side, (cy + 1) * side),
                  slice(cx * side, (cx + 1) * side))
            hist = np.bincount(idx[sl].ravel(), mag[sl].ravel(), bins)
            out.append(hist / (hist.sum() + 1e-6))
    total = np.bincount(idx.ravel(), mag.ravel(), bins)
    out.append(total / (total.sum() + 1e-6))
    return np.concatenate(out)


def streak_probe(train, val) -> dict:
    result = {}
    for steps in (0, 2):
        feats = {}
        for name, specs in (('train', train), ('val', val)):
            rows = [_hog(render_clip(s, FRAMES, SIZE, steps=steps)[
                FRAMES // 2]) for s, _ in specs]
            feats[name] = np.stack(rows)
        ytr = np.array([lab for _, lab in train])
        yva = np.array([lab for _, lab in val])
        scores, _ = ridge_probe(feats['train'], ytr, feats['val'], yva,
                                feats['val'], len(MOTION_CLASSES))
        result[f'steps={steps}'] = dict(
            pair_identity=pair_identity_accuracy(scores, yva,
                                                 REVERSAL_PAIRS),
            within_pair=pair_accuracy(scores, yva, REVERSAL_PAIRS),
            top1=top1_accuracy(scores, yva))
    return result


def motion_per_level(val) -> dict:
    out = {}
    for a, b in REVERSAL_PAIRS:
        steps = []
        for spec, lab in val:
            if lab != a:
                continue
            t = clip_trajectory(spec, FRAMES)
            move = np.hypot(np.diff(t['x']), np.diff(t['y']))
            # in-place motions: the far points move by radius x angle step
            # (rotation) or by the radius growth (approach)
            move = np.maximum(move, 0.9 * t['scale'][:-1] *
                              np.abs(np.diff(t['angle'])))
            move = np.maximum(move, np.abs(np.diff(t['scale'])))
            steps.append(np.median(move) * SIZE / STRIDE1)
        name = f'{MOTION_CLASSES[a]}/{MOTION_CLASSES[b]}'
        out[name] = dict(median=float(np.median(steps)),
                         min=float(np.min(steps)))
    return out


def pmb_probe(train, val) -> dict:
    import torch
    from mmengine.config import Config

    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    import mmhcml  # noqa: F401
    import os.path as osp
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg_path = osp.join(root, 'configs/hcml/tiny/pmb_synthetic.py')
    t0, off = (FRAMES - CLIP) // 2, (SIZE - CROP) // 2

    def clips(specs):
        arr = np.stack([render_clip(s, FRAMES, SIZE)[
            t0:t0 + CLIP, off:off + CROP, off:off + CROP] for s, _ in specs])
        return torch.from_numpy(arr).permute(0, 4, 1, 2, 3).float()

    data = {'train': clips(train), 'val': clips(val)}
    ytr = np.array([lab for _, lab in train])
    yva = np.array([lab for _, lab in val])
    out = {}
    for d, cp in ((4, None), (2, None), (2, 32), (3, 32), (2, 64)):
        torch.manual_seed(0)
        cfg = Config.fromfile(cfg_path)
        cfg.model.backbone.motion_block.update(max_displacement=d,
                                               out_channels=cp)
        model = MODELS.build(cfg.model)
        model.init_weights()
        model.eval()
        dp = model.data_preprocessor
        mean = dp.mean.reshape(1, 3, 1, 1, 1)
        std = dp.std.reshape(1, 3, 1, 1, 1)
        feats, steps3 = {}, None
        start = time.process_time()
        with torch.no_grad():
            for name, x in data.items():
                rows = []
                for i in range(0, len(x), 32):
                    _, motion = model.backbone((x[i:i + 32] - mean) / std,
                                               return_motion=True)
                    rows.append(motion[1].mean(dim=(2, 3, 4)).numpy())
                    steps3 = int(motion[3].shape[2])
                feats[name] = np.concatenate(rows)
        cpu = (time.process_time() - start) / sum(len(x) for x in
                                                 data.values())
        scores, _ = ridge_probe(feats['train'], ytr, feats['val'], yva,
                                feats['val'], len(MOTION_CLASSES))
        channels = model.backbone.motion_channels(1)
        out[f'd={d},C_p={channels}'] = dict(
            within_pair=pair_accuracy(scores, yva, REVERSAL_PAIRS),
            top1=top1_accuracy(scores, yva), level3_steps=steps3,
            forward_cpu_s_per_clip=cpu)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--per-class', type=int, default=8)
    parser.add_argument('--out', default=None)
    parser.add_argument('--skip-pmb', action='store_true')
    args = parser.parse_args(argv)
    train = _specs('train', args.per_class)
    val = _specs('val', args.per_class)
    result = dict(per_class=args.per_class,
                  streaks=streak_probe(train, val),
                  level1_cells_per_frame=motion_per_level(val))
    if not args.skip_pmb:
        result['pmb_p1_at_init'] = pmb_probe(train, val)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')


if __name__ == '__main__':
    main()
