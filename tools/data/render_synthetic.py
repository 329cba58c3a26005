"""Render the synthetic motion benchmark (videos + MMAction2 annotation lists).

Example::

    python tools/data/render_synthetic.py data/synthetic_motion \\
        --train-per-class 24 --val-per-class 10 --test-per-class 20 \\
        --lowlabel-per-class 8 --unlabelled 1008 --size 80 \\
        --appearance-bias 0.8
"""
from __future__ import annotations

import argparse
import os
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)

from mmhcml.datasets.synthetic_motion import (  # noqa: E402
    CLASS_SETS, STREAK_STEPS, render_benchmark)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse command-line arguments.

    Args:
        argv: Argument list (defaults to ``sys.argv[1:]``).

    Returns:
        The parsed namespace.
    """
    parser = argparse.ArgumentParser(
        description='Render the synthetic motion benchmark: classes defined '
        'by motion only, time-reversal pairs, optional colour shortcut in '
        'the training split.')
    parser.add_argument('out_dir', help='output directory')
    parser.add_argument('--train-per-class', type=int, default=32,
                        help='training clips per class (default: 32)')
    parser.add_argument('--val-per-class', type=int, default=8,
                        help='clips per class in val and val_biased '
                        '(default: 8)')
    parser.add_argument('--test-per-class', type=int, default=0,
                        help='clips per class in test (default: 0)')
    parser.add_argument('--lowlabel-per-class', type=int, default=0,
                        help='clips per class of train listed in '
                        'train_lowlabel.txt (default: 0, no list)')
    parser.add_argument('--unlabelled', type=int, default=64,
                        help='unlabelled clips (default: 64)')
    parser.add_argument('--frames', type=int, default=16,
                        help='frames per clip (default: 16)')
    parser.add_argument('--size', type=int, default=64,
                        help='frame side length in pixels (default: 64)')
    parser.add_argument('--seed', type=int, default=0,
                        help='base random seed (default: 0)')
    parser.add_argument('--appearance-bias', type=float, default=0.0,
                        help='probability that a train_biased / val_biased '
                        'object has its class colour; 0 renders no biased '
                        'split (default: 0)')
    parser.add_argument('--camera-motion', action='store_true',
                        help='add class-independent camera drift')
    parser.add_argument('--classes', choices=sorted(CLASS_SETS),
                        default='all',
                        help='render all 14 classes or only the four '
                        'translation pairs (labels 0-7, the benchmark '
                        'study\'s set) (default: all)')
    parser.add_argument('--axis-bars', action='store_true',
                        help='draw translating objects as bars along their '
                        'motion axis')
    parser.add_argument('--streak-steps', type=int, default=STREAK_STEPS,
                        help='motion streak: each frame averages 2 J + 1 '
                        'sub-frames, J = this (0: sharp frames) '
                        f'(default: {STREAK_STEPS})')
    parser.add_argument('--object-grid', type=int, default=1,
                        help='copies of each object per side of the frame '
                        '(a torus): object_grid ** 2 objects with one motion '
                        '(default: 1)')
    parser.add_argument('--workers', type=int, default=1,
                        help='rendering processes (default: 1)')
    parser.add_argument('--no-progress', action='store_true',
                        help='do not show progress on stderr')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Render the benchmark and print a summary.

    Args:
        argv: Argument list (defaults to ``sys.argv[1:]``).

    Returns:
        Process exit status (0 on success, 2 on invalid arguments).
    """
    args = parse_args(argv)
    start = time.perf_counter()
    try:
        info = render_benchmark(
            args.out_dir, num_train_per_class=args.train_per_class,
            num_val_per_class=args.val_per_class,
            num_test_per_class=args.test_per_class,
            num_lowlabel_per_class=args.lowlabel_per_class,
            num_unlabelled=args.unlabelled, num_frames=args.frames,
            size=args.size, seed=args.seed,
            appearance_bias=args.appearance_bias,
            camera_motion=args.camera_motion, progress=not args.no_progress,
            workers=args.workers, classes=CLASS_SETS[args.classes],
            axis_bars=args.axis_bars, streak_steps=args.streak_steps,
            object_grid=args.object_grid)
    except ValueError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    counts = ', '.join(f'{k}={v}' for k, v in info['counts'].items())
    videos = sum(v for k, v in info['counts'].items() if k != 'train_lowlabel')
    print(f'Rendered {videos} clips of {args.frames} '
          f'frames at {args.size}px ({info["num_classes"]} classes) in '
          f'{elapsed:.2f}s: {counts}')
    print(f'videos:      {info["data_prefix"]}')
    for split in info['counts']:
        print(f'{split + ":":<12} {info["ann_file_" + split]}')
    print(f'classes:     {info["classes_file"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
