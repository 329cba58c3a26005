"""Baseline vs HCML: inference, training stages, peak memory, FLOPs ratio.

    python tools/analysis/benchmark.py [BASELINE_CONFIG HCML_CONFIG] \
        [--shape T H W] [--batch B] [--iters N] [--warmup N] \
        [--device cpu|cuda] [--amp none|bf16|fp16] [--cost-volume-impl auto] \
        [--with-cp none|flow|all] [--out result.json]

Defaults: the R2D-50 model bases, 16 x 224 x 224, batch 8. See
docs/benchmark.md for measured figures.
"""
import argparse
import json
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402

from mmhcml.analysis.benchmark import (AMP_MODES,  # noqa: E402
                                       WITH_CP_CHOICES, benchmark_models,
                                       format_report)
from mmhcml.models.ops import COST_VOLUME_IMPLS  # noqa: E402

MODELS_DIR = osp.join(ROOT, 'configs', 'hcml', '_base_', 'models')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('baseline', nargs='?',
                        default=osp.join(MODELS_DIR, 'r2d50.py'),
                        help='baseline recognizer config (default: R2D-50)')
    parser.add_argument('hcml', nargs='?',
                        default=osp.join(MODELS_DIR, 'hcml_r2d50.py'),
                        help='HCML recognizer config, joint training '
                        '(default: HCML R2D-50)')
    parser.add_argument('--shape', type=int, nargs=3, default=[16, 224, 224],
                        metavar=('T', 'H', 'W'), help='clip shape')
    parser.add_argument('--batch', type=int, default=8, help='clips per step')
    parser.add_argument('--iters', type=int, default=10,
                        help='timed iterations per case (median reported)')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed iterations before')
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    parser.add_argument('--amp', choices=AMP_MODES, default='none',
                        help='autocast dtype (losses stay float32)')
    parser.add_argument('--flops-target', type=float,
                        help='default: 1.11 for R(2+1)D-101, else 1.18')
    parser.add_argument('--cost-volume-impl', choices=COST_VOLUME_IMPLS,
                        help="override the PMBs' cost_volume_impl")
    parser.add_argument('--with-cp', choices=WITH_CP_CHOICES,
                        help='override with_cp: checkpoint the flow '
                        'estimator (flow) or also the motion blocks (all); '
                        'less memory, one more forward of them per step')
    parser.add_argument('--out', help='write the results as JSON here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    result = benchmark_models(
        Config.fromfile(args.baseline), Config.fromfile(args.hcml),
        shape=args.shape, batch=args.batch, iters=args.iters,
        warmup=args.warmup, device=args.device, amp=args.amp,
        flops_target=args.flops_target,
        cost_volume_impl=args.cost_volume_impl,
        with_cp=args.with_cp)
    result['setup'].update(baseline_config=args.baseline,
                           hcml_config=args.hcml, command=' '.join(sys.argv))
    print(format_report(result))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'wrote {args.out}')
    return result


if __name__ == '__main__':
    main()
