"""Held-out accuracy of the contrastive levels (Eq. 4) against chance.

    python tools/analysis/contrastive_accuracy.py CONFIG CHECKPOINT VIDEO [VIDEO ...] \
        [--clip-len 12] [--size 96 128] [--frame-stride 2] [--start-fraction 0.7] \
        [--batch-size 4] [--out FILE.json]

Cuts the videos (from ``--start-fraction`` on) into non-overlapping clips,
runs them in batches through the model in eval mode and reports, for every
level with a ContrastiveMotionHead, how often the positive ranks first among
all sampled targets (``con_acc``, chance 1 / (clips x locations x T_l)) and
among the same clip and position's time steps (``con_temporal_acc``, chance
1 / T_l), and whether it predicts the future or copies the present, over the
rows whose future target is distinct from the other times: ``future_acc``
(chance ``future_chance`` = 1 / T_l), ``copy_rate``, ``future_beats_present``,
each also for an untrained head of the same config on the same features
(``untrained_*``).
"""
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import mmhcml  # noqa: E402,F401
from mmhcml.apis import load_model  # noqa: E402
from mmhcml.cli.tool_args import model_tool_parser, parse_tool_args  # noqa: E402
from mmhcml.analysis.contrastive_accuracy import (  # noqa: E402
    clips_from_videos, contrastive_accuracy)


def parse_args(argv=None):
    parser = model_tool_parser(__doc__)
    parser.add_argument('videos', nargs='+', metavar='VIDEO')
    parser.add_argument('--clip-len', type=int, default=12)
    parser.add_argument('--size', type=int, nargs=2, default=[96, 128],
                        metavar=('H', 'W'))
    parser.add_argument('--frame-stride', type=int, default=2)
    parser.add_argument('--start-fraction', type=float, default=0.0)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--out', help='write the results as JSON here')
    return parse_tool_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    model = load_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    clips = clips_from_videos(args.videos, args.clip_len, tuple(args.size),
                              args.frame_stride, args.start_fraction)
    results = contrastive_accuracy(model, clips, args.batch_size)
    for level, row in results.items():
        print(f'level {level}: con_acc {row["con_acc"]:.3f} (chance '
              f'{row["chance"]:.3f}), con_temporal_acc '
              f'{row["con_temporal_acc"]:.3f} (chance '
              f'{row["chance_temporal"]:.3f}), T_l={row["time_steps"]}, '
              f'{row["batches"]} batches')
        fmt = (lambda v: 'n/a' if v is None else f'{v:.3f}')
        print(f'  future (distinct rows {row["distinct_rows"]:.2f}): '
              f'future_acc {fmt(row["future_acc"])} (chance '
              f'{row["future_chance"]:.3f}), copy_rate '
              f'{fmt(row["copy_rate"])}, future_beats_present '
              f'{fmt(row["future_beats_present"])}; untrained head: '
              f'{fmt(row["untrained_future_acc"])} / '
              f'{fmt(row["untrained_copy_rate"])} / '
              f'{fmt(row["untrained_future_beats_present"])}')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as handle:
            json.dump({str(k): v for k, v in results.items()}, handle,
                      indent=2)
    return results


if __name__ == '__main__':
    main()
