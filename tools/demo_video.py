"""Recognise the action in one video: print the top-5 classes.

    python tools/demo_video.py CONFIG CHECKPOINT VIDEO [--label-file LABELS] \
        [--top-k 5] [--flow-dir DIR] [--device cuda:0]

Runs the config's test pipeline (all its views; for the Something-V1
configs, their rawframe pipeline reading the video instead) and prints
``rank  index  label  score`` lines. ``--flow-dir`` also writes the level-1
flow of the middle clip there (``flow_l1.png``, ``flow.mp4``); it needs the
full checkpoint (the stripped deploy checkpoint has no flow head).
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmhcml.demo import recognize_video  # noqa: E402
from mmhcml.cli.tool_args import model_tool_parser, parse_tool_args  # noqa: E402


def parse_args(argv=None):
    parser = model_tool_parser(__doc__)
    parser.add_argument('video')
    parser.add_argument('--label-file',
                        help='class names, one per line, in class order')
    parser.add_argument('--top-k', type=int, default=5)
    parser.add_argument('--flow-dir',
                        help='write the level-1 flow of the clip here')
    return parse_tool_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    labels = None
    if args.label_file:
        with open(args.label_file) as f:
            labels = [line.strip() for line in f if line.strip()]
    result = recognize_video(
        args.config, args.checkpoint, args.video, device=args.device,
        k=args.top_k, labels=labels, flow_dir=args.flow_dir,
        cfg_options=args.cfg_options)
    print(f'top-{len(result["top_k"])} of {args.video}:')
    for rank, (index, label, score) in enumerate(result['top_k'], 1):
        print(f'{rank}  {index:4d}  {label}  {score:.4f}')
    if 'flow' in result:
        print(f'level-1 flow: {result["flow"]["pngs"][1]}, '
              f'{result["flow"]["video"]}')
    return result


if __name__ == '__main__':
    main()
