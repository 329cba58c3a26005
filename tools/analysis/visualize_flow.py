"""Colour-coded flow of each level's flow head on one video (paper Fig. 3).

    python tools/analysis/visualize_flow.py CONFIG CHECKPOINT VIDEO \
        --out-dir work_dirs/flow_vis [--levels 1 2 3] [--clip-len T] [--size S]

``--clip-len``, ``--frame-interval`` and ``--size`` default to the config's
test pipeline (its training pipeline for a self-supervised stage config).

Writes ``flow_l{level}.png`` (rows: frame i | frame j | flow) per level and
``flow.mp4`` (frame | flow of every level).
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import mmhcml  # noqa: E402,F401
from mmhcml.apis import load_config  # noqa: E402
from mmhcml.cli.tool_args import (add_clip_args,  # noqa: E402
                                  fill_clip_args, model_tool_parser,
                                  parse_tool_args)
from mmhcml.analysis.flow_vis import (load_flow_model,  # noqa: E402
                                      visualize_video_flow)


def parse_args(argv=None):
    parser = model_tool_parser(__doc__)
    parser.add_argument('video')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--levels', type=int, nargs='+',
                        help='levels to show (default: all with a flow head)')
    add_clip_args(parser)
    parser.add_argument('--max-flow', type=float,
                        help='magnitude (pixels) shown fully saturated')
    parser.add_argument('--fps', type=int, default=4)
    return parse_tool_args(parser, argv)


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
