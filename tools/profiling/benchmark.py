"""Baseline vs HCML: inference, training stages, peak memory, FLOPs ratio.

    python tools/profiling/benchmark.py [BASELINE_CONFIG HCML_CONFIG] \
        [--shape T H W] [--batch B] [--repeats R] [--iters N] [--settle N] \
        [--warmup N] \
        [--cases all|inference|train] [--threads N] \
        [--device cpu|cuda] [--amp none|bf16|fp16] [--cost-volume-impl auto] \
        [--with-cp none|flow|all] [--out result.json]

Every case is built first, then timed in R interleaved repeats (in each,
N timed calls after --settle untimed ones of the same case); each ratio
is the median of its R per-repeat ratios, printed with quartiles and range,
and the verdicts use the medians. Defaults: the R2D-50 model bases,
16 x 224 x 224, batch 8, 7 repeats. See docs/benchmark.md for measured
figures.
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402

from mmhcml.profiling.model_benchmark import (  # noqa: E402
    CASE_SETS, add_comparison_args, benchmark_models, check_targets,
    format_report)
from mmhcml.profiling.measure import write_result  # noqa: E402
from mmhcml.models.ops import COST_VOLUME_IMPLS  # noqa: E402

MODELS_DIR = osp.join(ROOT, 'configs', 'hcml', '_base_', 'models')

#: FLOPs-ratio targets of the paper's backbones (Table 2: 1.18x, 1.11x).
FLOPS_TARGETS = {'ResNet2Plus1dTopHeavy': 1.11}
DEFAULT_FLOPS_TARGET = 1.18


def acceptance_limits(ratios, backbone, flops_target=None):
    """This project's upper limits of the HCML / baseline ratios: the
    paper's FLOPs ratio, deploy wall clock within 5 points of the measured
    FLOPs ratio, joint step 1.5x, peak memory 1.4x."""
    if flops_target is None:
        flops_target = FLOPS_TARGETS.get(backbone, DEFAULT_FLOPS_TARGET)
    return dict(flops=flops_target,
                deploy_wall_clock=(ratios['flops'] or 0) + 0.05,
                joint_step=1.5, peak_memory=1.4)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_comparison_args(parser, MODELS_DIR)
    parser.add_argument('--repeats', type=int, default=7,
                        help='interleaved timing passes (each ratio is the '
                        'median over them)')
    parser.add_argument('--iters', type=int, default=1,
                        help='timed calls per case and repeat')
    parser.add_argument('--settle', type=int, default=1,
                        help='untimed calls per case and repeat before its '
                        'timed ones: each case timed on the memory its own '
                        'last call left, as in a training loop')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed steps per case after building it')
    parser.add_argument('--cases', choices=CASE_SETS, default='all',
                        help='inference: baseline and deploy inference only '
                        '(shapes where training steps take too long)')
    parser.add_argument('--threads', type=int,
                        help='torch.set_num_threads (default: PyTorch\'s)')
    parser.add_argument('--flops-target', type=float,
                        help='default: 1.11 for R(2+1)D-101, else 1.18')
    parser.add_argument('--cost-volume-impl', choices=COST_VOLUME_IMPLS,
                        help="override the PMBs' cost_volume_impl")
    parser.add_argument('--out', help='write the results as JSON here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    result = benchmark_models(
        Config.fromfile(args.baseline), Config.fromfile(args.hcml),
        shape=args.shape, batch=args.batch, iters=args.iters,
        settle=args.settle,
        warmup=args.warmup, repeats=args.repeats, device=args.device,
        amp=args.amp, cases=args.cases, threads=args.threads,
        cost_volume_impl=args.cost_volume_impl,
        with_cp=args.with_cp)
    limits = acceptance_limits(result['ratios'],
                               result['setup']['baseline_backbone'],
                               args.flops_target)
    result['targets'] = check_targets(result['ratios'], limits)
    result['setup'].update(baseline_config=args.baseline,
                           hcml_config=args.hcml, command=' '.join(sys.argv))
    print(format_report(result))
    write_result(result, args.out)
    return result


if __name__ == '__main__':
    main()
