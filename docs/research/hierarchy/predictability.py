"""How predictable is level 1's future on given footage? An upper bound for
the contrastive levels.

Level 2 is trained to predict the pooled level-1 motion features
``G_(t+delta)`` (Eq. 4). If ``G`` cannot be predicted from its own past
either, no level-2 head can be expected to rank the future above the
present; if it can, a level that copies has failed to learn. This script
takes a stage-1 model, computes ``G`` (``P^1`` average-pooled to level 2's
grid, as :class:`ContrastiveMotionHead` pools it) on clips of the given
videos, and scores, with the metrics of
:mod:`mmhcml.models.heads.prediction_metrics` (cosine scores, rows whose
future is distinct from the track's other times):

- ``copy``: ``G_t`` (the copy-the-present predictor);
- ``extrapolate``: ``G_t + delta (G_t - G_(t-1))``;
- ``ridge``: a linear map of ``[G_t, G_(t-1), 1]`` per step ``delta``,
  fitted on the ``--fit`` videos (held-out prediction); with
  ``--neighbourhood k`` ``G_t`` and ``G_(t-1)`` of the ``(2k + 1)^2``
  positions around (zero beyond the frame), so that motion arriving from a
  neighbouring position can be extrapolated;
- ``ridge_in_sample``: the same map fitted on the scored clips themselves
  (how much of the future any linear function of the past explains).

Rows with ``t >= 1`` only (every predictor needs ``G_(t-1)``)::

    python docs/research/hierarchy/predictability.py CONFIG CHECKPOINT \\
        --fit TRAIN_VIDEO... --score VAL_VIDEO... --out result.json
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
sys.path.insert(0, ROOT)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a config with PMB-1 and PMB-2 '
                        '(e.g. a stage-2 config)')
    parser.add_argument('checkpoint', help='a checkpoint with a trained '
                        'level 1 (stage 1 or later)')
    parser.add_argument('--fit', nargs='+', required=True, metavar='VIDEO',
                        help='videos the ridge predictor is fitted on')
    parser.add_argument('--score', nargs='+', required=True,
                        metavar='VIDEO', help='videos scored')
    parser.add_argument('--fit-start', type=float, default=0.0)
    parser.add_argument('--fit-end', type=float, default=0.7,
                        help='fit on this part of each --fit video')
    parser.add_argument('--clip-len', type=int, default=12)
    parser.add_argument('--size', type=int, nargs=2, default=[96, 128])
    parser.add_argument('--frame-stride', type=int, default=2)
    parser.add_argument('--steps', type=int, default=2,
                        help='prediction steps delta = 1..steps')
    parser.add_argument('--alpha', type=float, default=1.0,
                        help='ridge strength (features standardised)')
    parser.add_argument('--distinct-threshold', type=float, default=0.05)
    parser.add_argument('--neighbourhood', type=int, default=1,
                        help='positions on each side that the ridge '
                        'predictor reads (0: its own position only)')
    parser.add_argument('--out', help='write the results as JSON here')
    return parser.parse_args(argv)


def targets_of(model, videos: List[str], args, start: float,
               end: float) -> np.ndarray:
    """``(N, T, h, w, C)`` pooled level-1 targets of every whole clip."""
    from mmhcml.analysis.contrastive_accuracy import clips_from_videos
    clips = clips_from_videos(videos, args.clip_len, tuple(args.size),
                              args.frame_stride, start)
    if end < 1.0:  # keep the clips that start before ``end`` of the part
        clips = clips[:max(1, int(len(clips) * (end - start) /
                                  (1.0 - start)))]
    dp = model.data_preprocessor
    out = []
    with torch.no_grad():
        for i in range(0, len(clips), 4):
            x = torch.from_numpy(np.stack(clips[i:i + 4])).float().permute(
                0, 4, 1, 2, 3)
            x = (x - dp.mean.view(1, 3, 1, 1, 1)) / dp.std.view(1, 3, 1, 1, 1)
            _, motion = model.backbone(x, return_motion=True, max_level=2)
            t, h, w = motion[2].shape[2:]
            g = F.adaptive_avg_pool3d(motion[1], (t, h, w))
            out.append(g.permute(0, 2, 3, 4, 1).numpy())
    return np.concatenate(out)


def neighbours(frame: np.ndarray, k: int) -> np.ndarray:
    """``(N, h, w, (2k+1)^2 C)``: each position's ``(2k+1)^2`` neighbours
    (zero beyond the frame)."""
    if k == 0:
        return frame
    n, h, w, c = frame.shape
    pad = np.pad(frame, ((0, 0), (k, k), (k, k), (0, 0)))
    return np.concatenate([pad[:, dy:dy + h, dx:dx + w]
                           for dy in range(2 * k + 1)
                           for dx in range(2 * k + 1)], axis=-1)


def design(g: np.ndarray, t: int, k: int) -> np.ndarray:
    """``[G_t, G_(t-1), 1]`` rows of every position (with its neighbours),
    ``(N * h * w, 2 (2k+1)^2 C + 1)``."""
    x = np.concatenate([neighbours(g[:, t], k), neighbours(g[:, t - 1], k)],
                       axis=-1)
    x = x.reshape(-1, x.shape[-1])
    return np.concatenate([x, np.ones((len(x), 1))], axis=1)


def fit_ridge(g: np.ndarray, steps: int, alpha: float,
              k: int) -> Dict[int, tuple]:
    """Per ``delta``: the ridge map of ``[G_t, G_(t-1), 1]`` to
    ``G_(t+delta)`` over every ``t >= 1`` of the clips ``g``."""
    maps = {}
    big_t = g.shape[1]
    for d in range(1, steps + 1):
        xs = [design(g, t, k) for t in range(1, big_t - d)]
        ys = [g[:, t + d].reshape(-1, g.shape[-1])
              for t in range(1, big_t - d)]
        x, y = np.concatenate(xs), np.concatenate(ys)
        mean, std = x.mean(0), x.std(0) + 1e-6
        mean[-1], std[-1] = 0.0, 1.0
        xn = (x - mean) / std
        w = np.linalg.solve(xn.T @ xn + alpha * np.eye(xn.shape[1]),
                            xn.T @ y)
        maps[d] = (w, mean, std, k)
    return maps


def predict(name: str, g: np.ndarray, t: int, d: int, maps=None):
    """``(N * h * w, C)`` prediction of ``G_(t+d)`` at time ``t``."""
    c = g.shape[-1]
    if name == 'copy':
        return g[:, t].reshape(-1, c)
    if name == 'extrapolate':
        return (g[:, t] + d * (g[:, t] - g[:, t - 1])).reshape(-1, c)
    w, mean, std, k = maps[d]
    return ((design(g, t, k) - mean) / std) @ w


def score(name: str, g: np.ndarray, steps: int, threshold: float,
          maps=None) -> dict:
    """The future-vs-present metrics of one predictor over ``g``."""
    from mmhcml.models.heads.prediction_metrics import \
        future_prediction_metrics
    n, big_t, h, w, c = g.shape
    positions = h * w
    sums = dict(future_acc=0.0, copy_rate=0.0, future_beats_present=0.0)
    kept = rows = 0
    for clip in range(n):
        gc = g[clip:clip + 1]
        # targets laid out track by track: row = position * T + time
        targets = torch.from_numpy(
            gc[0].reshape(big_t, positions, c).transpose(1, 0, 2).reshape(-1, c))
        unit = F.normalize(targets.float(), dim=1)
        preds, positives, starts, deltas = [], [], [], []
        for d in range(1, steps + 1):
            for t in range(1, big_t - d):
                p = predict(name, gc, t, d, maps)
                preds.append(torch.from_numpy(np.asarray(p)).float())
                pos = torch.arange(positions)
                positives.append(pos * big_t + t + d)
                starts.append(pos * big_t)
                deltas.append(torch.full((positions, ), d))
        logits = F.normalize(torch.cat(preds), dim=1) @ unit.T
        m = future_prediction_metrics(
            logits, targets, torch.cat(positives), torch.cat(starts),
            torch.cat(deltas), big_t, threshold)
        k = int(round(float(m['distinct_rows']) * len(logits)))
        rows += len(logits)
        if k:
            kept += k
            for key in sums:
                sums[key] += float(m[key]) * k
    out = {key: (v / kept if kept else float('nan'))
           for key, v in sums.items()}
    out.update(future_chance=1.0 / big_t, distinct_rows=kept / max(rows, 1),
               rows=rows)
    return out


def main(argv=None) -> None:
    args = parse_args(argv)
    from mmhcml.apis import load_model
    model = load_model(args.config, args.checkpoint)
    fit = targets_of(model, args.fit, args, args.fit_start, args.fit_end)
    scored = targets_of(model, args.score, args, 0.0, 1.0)
    held_out = fit_ridge(fit, args.steps, args.alpha, args.neighbourhood)
    in_sample = fit_ridge(scored, args.steps, args.alpha, args.neighbourhood)
    result = dict(
        fit_clips=len(fit), scored_clips=len(scored),
        time_steps=int(scored.shape[1]),
        positions=int(scored.shape[2] * scored.shape[3]),
        channels=int(scored.shape[4]), neighbourhood=args.neighbourhood)
    for name, maps in (('copy', None), ('extrapolate', None),
                       ('ridge', held_out), ('ridge_in_sample', in_sample)):
        result[name] = score(name, scored, args.steps,
                             args.distinct_threshold, maps)
        print(name, json.dumps({k: round(v, 3) for k, v in
                                result[name].items()}), flush=True)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
