"""Split videos into train / test rawframes (first part / held-out rest).

    python tools/data/extract_frames.py VIDEO [VIDEO ...] --out-dir data/real_footage \
        [--size 96 128] [--frame-stride 2] [--train-fraction 0.7]

Writes ``rawframes/<video>_{train,test}/img_*.jpg`` and ``train_list.txt`` /
``test_list.txt`` (``frame_dir num_frames``) for ``UnlabelledVideoDataset``
with ``data_type='rawframes'``, as read by
``configs/hcml/synthetic/stage1_real_footage.py``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmhcml.datasets.video_frames import extract_rawframes  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('videos', nargs='+', metavar='VIDEO')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--size', type=int, nargs=2, default=[96, 128],
                        metavar=('H', 'W'))
    parser.add_argument('--frame-stride', type=int, default=2)
    parser.add_argument('--train-fraction', type=float, default=0.7)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return extract_rawframes(args.videos, args.out_dir, tuple(args.size),
                             args.frame_stride, args.train_fraction)


if __name__ == '__main__':
    main()
