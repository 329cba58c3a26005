"""Colour-coded flow of each level's flow head on one video (paper Fig. 3).

    python tools/analysis/visualize_flow.py CONFIG CHECKPOINT VIDEO \
        --out-dir work_dirs/flow_vis [--levels 1 2 3] [--clip-len T] [--size S]

``--clip-len``, ``--frame-interval`` and ``--size`` default to the config's
test pipeline (its training pipeline for a self-supervised stage config).

Writes ``flow_l{level}.png`` (rows: frame i | frame j | flow) per level and
``flow.mp4`` (frame | flow of every level).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmengine.config import DictAction  # noqa: E402

import mmhcml  # noqa: E402,F401
from mmhcml.apis import fill_clip_args, load_config  # noqa: E402
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
    parser.add_argument('--clip-len', type=int,
                        help="default: the config's clip length")
    parser.add_argument('--size', type=int,
                        help='short side resized to SIZE, centre crop '
                        "SIZE x SIZE (default: the config's crop size)")
    parser.add_argument('--frame-interval', type=int,
                        help="default: the config's frame interval")
    parser.add_argument('--max-flow', type=float,
                        help='magnitude (pixels) shown fully saturated')
    parser.add_argument('--fps', type=int, default=4)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    filled = fill_clip_args(args, load_config(args.config, args.cfg_options))
    if filled:
        print('from the config: ' + ', '.join(
            f'--{k.replace("_", "-")} {v}' for k, v in filled.items()))
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
