"""Split videos into train / test rawframes (first part / held-out rest).

    python tools/data/extract_frames.py VIDEO [VIDEO ...] --out-dir data/real_footage \
        [--size 96 128] [--frame-stride 2] [--train-fraction 0.7]
    python tools/data/extract_frames.py --splits configs/hcml/real_footage/splits.py \
        --out-dir data/real_footage [--split train]

With ``--splits`` the videos are one part of the by-video split (default
``train``), each cut into shots at the scene cuts listed there (one rawframe
folder per shot, so no clip spans a cut), first ``train_fraction`` / rest.

Writes ``rawframes/<video>_{train,test}/img_*.jpg`` and ``train_list.txt`` /
``test_list.txt`` (``frame_dir num_frames``) for ``UnlabelledVideoDataset``
with ``data_type='rawframes'``, as read by
``configs/hcml/real_footage/stage1_real_footage.py``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmhcml.datasets.footage_splits import (  # noqa: E402
    SPLIT_NAMES, extract_split_rawframes, load_footage_splits)
from mmhcml.datasets.video_frames import extract_rawframes  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('videos', nargs='*', metavar='VIDEO')
    parser.add_argument('--splits', help='split file: take the videos of '
                        '--split from it, shot by shot')
    parser.add_argument('--split', choices=SPLIT_NAMES, default='train')
    parser.add_argument('--video-dir', help='folder of the --splits videos')
    parser.add_argument('--ext', choices=('png', 'jpg'), default='png',
                        help='frame format (png: lossless, what the '
                        'real-footage configs read)')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--size', type=int, nargs=2, default=[96, 128],
                        metavar=('H', 'W'))
    parser.add_argument('--frame-stride', type=int, default=2)
    parser.add_argument('--train-fraction', type=float, default=None,
                        help='default: 0.7, or the split file\'s')
    args = parser.parse_args(argv)
    if bool(args.splits) == bool(args.videos):
        parser.error('give either VIDEO arguments or --splits')
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.splits:
        splits = load_footage_splits(args.splits)
        if args.video_dir:
            splits['videos'] = args.video_dir
        if args.train_fraction is not None:
            splits['train_fraction'] = args.train_fraction
        return extract_split_rawframes(splits, args.out_dir, args.split,
                                       tuple(args.size), args.frame_stride,
                                       ext=args.ext)
    if args.train_fraction is None:
        args.train_fraction = 0.7
    return extract_rawframes(args.videos, args.out_dir, tuple(args.size),
                             args.frame_stride, args.train_fraction,
                             ext=args.ext)


if __name__ == '__main__':
    main()
