"""Round 5 diagnostic: how far can a flow at the model's resolution go?

For every consecutive pair of the evaluated part of each video (the pairs of
``tools/analysis/flow_quality.py``: 96x128, every 2nd frame), a free flow
field is optimised directly (Adam, per pair, no network) on the stage-1 loss
(Eq. 2 Charbonnier over valid pixels, as ``flow_quality`` scores it, plus
``zeta`` times Eq. 3 on the upsampled flow), at a grid of stride S
(``upsample_flow`` to 96x128, as the model's level-1 flow is), starting from
zero flow. The cut of the zero-flow error that
these reach is the ceiling of any flow of that resolution under this loss;
the model's cut sits below it by what the network has not learnt.

    python docs/experiments/stage1_flow/round5/ceiling.py START END [VIDEO...]

prints one line per video: Farneback's cut of the zero-flow error, then, for
the free flow fitted to each score (valid pixels, or out-of-frame pixels kept
at their zero-flow error) and each stride (4, 1), its cut under both scores
and the share of pixels it warps from outside the frame.
"""
import os.path as osp
import sys

import numpy as np
import torch

from mmhcml.analysis.flow_quality import farneback_flow, photometric_error
from mmhcml.datasets.video_frames import read_video_frames
from mmhcml.models.losses import charbonnier, smoothness_loss
from mmhcml.models.ops import backward_warp, upsample_flow

ZETA, STEPS, LR = 0.01, 300, 0.1


def closed_error(first, second, flow):
    """Eq. 2 over all pixels, a pixel warped from outside the frame keeping
    its zero-flow error: pointing out of the frame gains nothing."""
    warped, mask = backward_warp(second, flow)
    error = charbonnier(first - warped).mean(dim=1)
    still = charbonnier(first - second).mean(dim=1)
    error = error * mask[:, 0] + still * (1 - mask[:, 0])
    return error.mean(dim=(1, 2)), 1 - mask[:, 0].mean().item()


def optimise(first, second, stride, score):
    """A free flow on a grid of ``stride``, from zero, fitted to ``score``."""
    size = first.shape[-2:]
    grid = first.new_zeros(len(first), 2, size[0] // stride, size[1] // stride,
                           requires_grad=True)
    opt = torch.optim.Adam([grid], lr=LR / stride)
    for _ in range(STEPS):
        flow = upsample_flow(grid, size) if stride > 1 else grid
        err, _ = score(first, second, flow)
        loss = err.mean() + ZETA * smoothness_loss(flow)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        flow = upsample_flow(grid, size) if stride > 1 else grid
        return (photometric_error(first, second, flow)[0].mean().item(),
                closed_error(first, second, flow))


def main():
    start, end = float(sys.argv[1]), float(sys.argv[2])
    videos = sys.argv[3:] or [
        f'../shared/real_footage/{v}.avi' for v in ('vtest', 'tree', 'Megamind')]
    torch.manual_seed(0)
    for path in videos:
        frames = read_video_frames(path, (96, 128), 2)
        frames = frames[int(start * len(frames)):int(end * len(frames))]
        images = torch.from_numpy(frames).float().permute(0, 3, 1, 2) / 255.
        first, second = images[:-1], images[1:]
        fb = torch.from_numpy(np.stack([
            farneback_flow(frames[t], frames[t + 1])
            for t in range(len(frames) - 1)])).permute(0, 3, 1, 2)
        zero = photometric_error(first, second, torch.zeros_like(fb))[0].mean().item()
        fbe = photometric_error(first, second, fb)[0].mean().item()
        fbc = closed_error(first, second, fb)[0].mean().item()
        line = [f'{osp.basename(path)} pairs {len(first)} farneback '
                f'{100 * (1 - fbe / zero):.1f}% (closed {100 * (1 - fbc / zero):.1f}%)']
        for score_name, score in (('valid', photometric_error),
                                  ('closed', closed_error)):
            for stride in (4, 1):
                err, (closed, outside) = optimise(first, second, stride,
                                                  score)
                closed = closed.mean().item()
                line.append(f'fit {score_name} s{stride}: valid '
                            f'{100 * (1 - err / zero):.1f}% closed '
                            f'{100 * (1 - closed / zero):.1f}% outside '
                            f'{100 * outside:.1f}%')
        print(' | '.join(line), flush=True)


if __name__ == '__main__':
    main()
