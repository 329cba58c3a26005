"""Colour-coded flow of each level's flow head on one video (paper Fig. 3).

    python tools/analysis/visualize_flow.py CONFIG CHECKPOINT VIDEO \
        --out-dir work_dirs/flow_vis [--levels 1 2 3] [--clip-len 8] [--size 64]

Writes ``flow_l{level}.png`` (rows: frame i | frame j | flow) per level and
``flow.mp4`` (frame | flow of every level).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmengine.config import DictAction  # noqa: E402

import mmhcml  # noqa: E402,F401
from mmhcml.analysis.flow_vis import (load_flow_model,  # noqa: E402
                                      visualize_video_flow)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('video')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--levels', type=int, nargs='+',
                        help='levels to show (default: all with a flow head)')
    parser.add_argument('--clip-len', type=int, default=8)
    parser.add_argument('--size', type=int, default=64,
                        help='short side resized to SIZE, centre crop '
                        'SIZE x SIZE')
    parser.add_argument('--frame-interval', type=int, default=1)
    parser.add_argument('--max-flow', type=float,
                        help='magnitude (pixels) shown fully saturated')
    parser.add_argument('--fps', type=int, default=4)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model, levels = load_flow_model(
        args.config, args.checkpoint, args.levels, device=args.device,
        cfg_options=args.cfg_options)
    result = visualize_video_flow(
        model, args.video, args.out_dir, levels=levels,
        clip_len=args.clip_len, size=args.size,
        frame_interval=args.frame_interval, max_flow=args.max_flow,
        fps=args.fps)
    for level, path in result['pngs'].items():
        print(f'level {level}: {path}')
    print(f'video: {result["video"]}')
    return result


if __name__ == '__main__':
    main()
