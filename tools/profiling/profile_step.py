"""Where an HCML training step's extra time goes: a breakdown and an op table.

    python tools/profiling/profile_step.py [BASELINE_CONFIG HCML_CONFIG] \
        [--device cpu|cuda] [--shape T H W] [--batch B] [--amp none|bf16] \
        [--with-cp none|flow|all] [--iters N] [--ops joint] [--top 25] \
        [--trace trace.json] [--out breakdown.json]
    python tools/profiling/profile_step.py --deploy [--shape T H W] \
        [--batch B] [--threads N] [--out deploy_profile.json]

Times the training step of the baseline, of HCML with only the motion blocks,
with the flow head, with the contrastive heads and of joint training,
interleaved, and prints each one's increment; ``--ops VARIANT`` also prints
the most expensive operators of that variant (torch.profiler). ``--deploy``
instead profiles baseline and deploy inference and prints where the deploy
model's extra time goes: the Prime Motion Block's parts (reduce conv, cost
volume, its BN, fuse conv) and the fusion g^l, and each operator's self
time in both models. Defaults: the
R2D-50 model bases, 16 x 224 x 224, batch 8. See docs/benchmark.md.
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmhcml.profiling.model_benchmark import (add_comparison_args,  # noqa: E402
                                       set_with_cp, with_cp_parts)
from mmhcml.profiling.measure import write_result  # noqa: E402
from mmhcml.profiling.step_profile import (BREAKDOWN_VARIANTS,  # noqa: E402
                                          deploy_profile, format_breakdown,
                                          format_deploy_profile, op_table,
                                          step_breakdown, variant_cfg)

MODELS_DIR = osp.join(ROOT, 'configs', 'hcml', '_base_', 'models')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_comparison_args(parser, MODELS_DIR)
    parser.add_argument('--iters', type=int, default=10,
                        help='timed passes (median reported)')
    parser.add_argument('--warmup', type=int, default=2,
                        help='untimed passes first')
    parser.add_argument('--no-breakdown', action='store_true',
                        help='only the op table')
    parser.add_argument('--ops', choices=tuple(BREAKDOWN_VARIANTS),
                        help='also profile this variant and print its '
                        'most expensive operators')
    parser.add_argument('--top', type=int, default=25,
                        help='rows of the op table')
    parser.add_argument('--trace', help='Chrome trace of the --ops profile')
    parser.add_argument('--deploy', action='store_true',
                        help='profile deploy vs baseline inference instead '
                        '(--iters profiled passes of 2 forwards each)')
    parser.add_argument('--threads', type=int,
                        help='torch.set_num_threads (default: PyTorch\'s)')
    parser.add_argument('--out', help='write the breakdown (and op table) '
                        'as JSON here')
    args = parser.parse_args(argv)
    if args.no_breakdown and not args.ops:
        parser.error('--no-breakdown needs --ops VARIANT')
    return args


def main(argv=None):
    args = parse_args(argv)
    baseline, hcml = Config.fromfile(args.baseline), Config.fromfile(
        args.hcml)
    if args.with_cp:
        hcml = set_with_cp(hcml, args.with_cp)
    init_default_scope(hcml.get('default_scope', None) or 'mmaction')
    import mmhcml  # noqa: F401  (registers the models)
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    if args.deploy:
        result = deploy_profile(baseline, hcml, shape=args.shape,
                                batch=args.batch, repeats=args.iters,
                                device=args.device)
        result['setup']['command'] = ' '.join(sys.argv)
        print(format_deploy_profile(result))
        write_result(result, args.out)
        return result
    common = dict(shape=args.shape, batch=args.batch, device=args.device,
                  amp=args.amp)
    result = {}
    if not args.no_breakdown:
        result = step_breakdown(baseline, hcml, iters=args.iters,
                                warmup=args.warmup, **common)
        result['setup'].update(with_cp=with_cp_parts(hcml.model),
                               command=' '.join(sys.argv))
        print(format_breakdown(result))
    if args.ops:
        table = op_table(variant_cfg(baseline, hcml, args.ops),
                         num_classes=hcml.model.cls_head.num_classes,
                         top=args.top, trace=args.trace, **common)
        print(f'\nmost expensive operators of {args.ops!r}:\n{table}')
        result['op_table'] = dict(variant=args.ops, table=table)
    write_result(result, args.out)
    return result


if __name__ == '__main__':
    main()
