"""Level-1 flow quality on real videos: model vs OpenCV Farneback / DIS vs zero.

    python tools/analysis/flow_quality.py CONFIG CHECKPOINT [VIDEO ...] \
        [--splits configs/hcml/real_footage/splits.py --split test] \
        [--frame-stride 2] [--size 96 128] [--start-fraction 0.7] \
        [--clip-len 8] [--shift-reach 1 2 4 8] \
        [--out-dir work_dirs/flow_quality]

With ``--splits`` the videos are those of one part of the by-video split
(``train``, ``val`` or ``test``) and no frame pair spans a scene cut listed
there; VIDEO arguments are added to them. For each video, on the same
consecutive frame pairs: the photometric error (Eq. 2's Charbonnier on the
valid pixels) of zero flow, of the model's level-1 flow, of Farneback and of
DIS (preset medium); percentiles of the flows' magnitudes; the end-point
difference of model and Farneback; the errors on still pixels. Also the
model's end-point error on rendered translating textures, whose true motion
is known. ``--shift-reach S ...``: the model's reach when the middle frame
of each video is moved as a whole by S px per frame
(mmhcml.analysis.shift_reach). Writes ``flow_quality.json`` and
``flow_quality.png`` (frames, both flows, error maps) to ``--out-dir``.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import mmhcml  # noqa: E402,F401
from mmhcml.analysis.flow_quality import (  # noqa: E402
    format_flow_quality, model_pair_flows, run_flow_quality,
    save_flow_quality_panel, write_json)
from mmhcml.analysis.shift_reach import (  # noqa: E402
    format_shift_reach, videos_shift_reach)
from mmhcml.analysis.flow_vis import load_flow_model  # noqa: E402
from mmhcml.datasets.footage_splits import (  # noqa: E402
    SPLIT_NAMES, load_footage_splits, video_path)
from mmhcml.cli.tool_args import model_tool_parser, parse_tool_args  # noqa: E402


def parse_args(argv=None):
    parser = model_tool_parser(__doc__)
    parser.add_argument('videos', nargs='*', metavar='VIDEO')
    parser.add_argument('--splits', help='split file (e.g. '
                        'configs/hcml/real_footage/splits.py): videos, cuts')
    parser.add_argument('--split', choices=SPLIT_NAMES,
                        help='the part of --splits to measure')
    parser.add_argument('--video-dir', help='folder of the --splits videos '
                        '(default: the one the split file names)')
    parser.add_argument('--frame-stride', type=int, default=2,
                        help='take every N-th frame of the video')
    parser.add_argument('--size', type=int, nargs=2, default=[96, 128],
                        metavar=('H', 'W'), help='resize frames to H x W')
    parser.add_argument('--start-fraction', type=float, default=0.0,
                        help='evaluate from this fraction of each video on '
                        '(0.7: the last 30%%)')
    parser.add_argument('--end-fraction', type=float, default=1.0,
                        help='evaluate up to this fraction of each video '
                        '(with --start-fraction 0.55: a validation part '
                        '55-70%% of a model trained on the first 55%%)')
    parser.add_argument('--clip-len', type=int, default=8,
                        help='frames per clip fed to the model')
    parser.add_argument('--synthetic-size', type=int, default=64,
                        help='frame size of the translating-texture clips '
                        '(0: skip them)')
    parser.add_argument('--shift-reach', type=int, nargs='+', default=[],
                        metavar='S', help='also the reach of the flow when '
                        "each video's middle frame moves as a whole by S px "
                        'per frame (1 follows the shift, 0 sees none)')
    parser.add_argument('--out-dir', default='work_dirs/flow_quality')
    return parse_tool_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    videos, cuts, drop = list(args.videos), {}, {}
    if args.splits:
        if not args.split:
            raise ValueError('--splits needs --split (train, val or test)')
        splits = load_footage_splits(args.splits)
        if args.video_dir:
            splits['videos'] = args.video_dir
        videos = [video_path(splits, name)
                  for name in splits['splits'][args.split]] + videos
        cuts, drop = splits['cuts'], splits['drop']
    elif args.split:
        raise ValueError('--split needs --splits')
    if not videos:
        raise ValueError('no videos: give VIDEO arguments or --splits/--split')
    model, _ = load_flow_model(args.config, args.checkpoint, [1],
                               device=args.device,
                               cfg_options=args.cfg_options)
    results = run_flow_quality(
        model, videos, args.clip_len, tuple(args.size),
        args.frame_stride, args.start_fraction,
        synthetic_size=args.synthetic_size or None,
        end_fraction=args.end_fraction, cuts=cuts, drop=drop)
    if args.shift_reach:
        results['shift_reach'] = videos_shift_reach(
            lambda frames: model_pair_flows(model, frames, args.clip_len),
            videos, args.shift_reach, args.clip_len, tuple(args.size))
    write_json(osp.join(args.out_dir, 'flow_quality.json'), results)
    save_flow_quality_panel(
        osp.join(args.out_dir, 'flow_quality.png'),
        {name: row['_panel'] for name, row in results['videos'].items()})
    print('\n'.join(format_flow_quality(results)))
    if args.shift_reach:
        print('\n'.join(format_shift_reach(results['shift_reach'])))
    print(f'wrote {args.out_dir}/flow_quality.json and flow_quality.png')
    return results


if __name__ == '__main__':
    main()
