"""FLOPs and parameters of a config, the cost volume counted analytically.

    python tools/profiling/get_flops.py configs/hcml/joint_k400.py --shape 16 224 224
    python tools/profiling/get_flops.py CONFIG --baseline configs/hcml/ablations/baseline_r2d50_k400.py
    python tools/profiling/get_flops.py CONFIG --deploy   # side branch stripped
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import mmhcml  # noqa: E402,F401
from mmaction.registry import MODELS  # noqa: E402
from mmhcml.profiling import model_complexity  # noqa: E402
from mmhcml.deploy import deploy_config  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--baseline', help='config to compare against')
    parser.add_argument('--shape', type=int, nargs=3, default=[16, 224, 224],
                        metavar=('T', 'H', 'W'), help='clip shape')
    parser.add_argument('--deploy', action='store_true',
                        help='measure CONFIG as deployed: no side branch '
                        '(mmhcml.deploy.deploy_config), and print it')
    return parser.parse_args(argv)


def complexity_of(path, shape, deploy=False):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    if deploy:
        cfg = deploy_config(cfg)
    model = MODELS.build(cfg.model)
    if deploy:
        print(f'deploy model of {osp.basename(path)}:\n{model}')
    return model_complexity(model, (1, 1, 3, *shape))


def main(argv=None):
    args = parse_args(argv)
    rows = [('deploy' if args.deploy else 'model', args.config,
             complexity_of(args.config, args.shape, args.deploy))]
    if args.baseline:
        rows.append(('baseline', args.baseline,
                     complexity_of(args.baseline, args.shape)))
    t, h, w = args.shape
    print(f'input 1 clip x 3 x {t} x {h} x {w}; FLOPs = multiply-adds; the '
          'cost volume is counted analytically')
    for name, path, c in rows:
        print(f'{name:9s} {osp.basename(path)}: GFLOPs {c["flops"] / 1e9:.2f} '
              f'(cost volume {c["cost_volume_flops"] / 1e9:.3f}), params '
              f'{c["params"] / 1e6:.2f} M (inference '
              f'{c["inference_params"] / 1e6:.2f} M)')
    if args.baseline:
        full, base = rows[0][2], rows[1][2]
        print(f'FLOPs ratio {full["flops"] / base["flops"]:.3f}x, inference '
              f'params ratio {full["inference_params"] / base["inference_params"]:.3f}x')
    return rows


if __name__ == '__main__':
    main()
