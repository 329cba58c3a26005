"""Round 5: how much each video moves in its training and its test part.

Farneback flow magnitude percentiles (px per pair, 96x128, every 2nd frame)
and the share of pixels moving more than 1 px, first 70% vs last 30%:

    python docs/experiments/stage1_flow/round5/motion_split.py [VIDEO...]
"""
import os.path as osp
import sys

import numpy as np

from mmhcml.analysis.flow_quality import farneback_flow
from mmhcml.datasets.video_frames import read_video_frames

videos = sys.argv[1:] or [
    f'../shared/real_footage/{v}.avi' for v in ('vtest', 'tree', 'Megamind')]
for path in videos:
    frames = read_video_frames(path, (96, 128), 2)
    cut = int(0.7 * len(frames))
    for part, (lo, hi) in (('first 70%', (0, cut)),
                           ('last 30%', (cut, len(frames)))):
        mag = np.concatenate([
            np.linalg.norm(farneback_flow(frames[t], frames[t + 1]),
                           axis=-1).ravel() for t in range(lo, hi - 1)])
        p50, p90, p99 = np.percentile(mag, (50, 90, 99))
        print(f'{osp.basename(path):14s} {part:9s} pairs {hi - lo - 1:4d} '
              f'p50 {p50:5.2f} p90 {p90:5.2f} p99 {p99:5.2f} px, '
              f'> 1 px {100 * (mag > 1).mean():5.1f}%, '
              f'> 4 px {100 * (mag > 4).mean():5.1f}%')
