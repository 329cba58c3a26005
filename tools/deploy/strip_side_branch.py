"""Strip HCML's self-supervised side branch for deployment (section 3.3).

    python tools/deploy/strip_side_branch.py CONFIG CHECKPOINT --out-dir DIR \
        [--cfg-options KEY=VALUE ...]

Writes DIR/<checkpoint>_deploy.py and DIR/<checkpoint>_deploy.pth, whose
outputs equal the full model's in eval mode; test them with
``python tools/test.py DIR/<name>_deploy.py DIR/<name>_deploy.pth``.
``--cfg-options`` are those the checkpoint was trained with (named settings
such as ``num_classes=4 clip_len=8 input_size=64`` included); the deploy
config keeps them.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmengine.config import DictAction  # noqa: E402

from mmhcml.cli.knobs import read_config  # noqa: E402
from mmhcml.deploy import strip_side_branch  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='training config of the checkpoint')
    parser.add_argument('checkpoint', help='trained checkpoint')
    parser.add_argument('--out-dir', required=True,
                        help='folder for the deploy config and checkpoint')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value, '
                        'as in tools/train.py')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        config = args.config
        if args.cfg_options:
            if not osp.isfile(config):
                raise FileNotFoundError(f'config {config!r} does not exist')
            config = read_config(config, args.cfg_options)
        info = strip_side_branch(config, args.checkpoint, args.out_dir)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'strip_side_branch: {err}')
    removed = info['params_before'] - info['params_after']
    print(f'parameters: {info["params_before"]:,} -> '
          f'{info["params_after"]:,} ({removed:,} side-branch parameters, '
          f'{len(info["removed_keys"])} state-dict keys removed)')
    print(f'deploy config:     {info["config"]}')
    print(f'deploy checkpoint: {info["checkpoint"]}')
    return info


if __name__ == '__main__':
    main()
