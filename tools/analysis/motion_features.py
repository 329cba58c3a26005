"""Motion features per level: k-NN, linear probe, efficacy score, retrieval.

    python tools/analysis/motion_features.py CONFIG CHECKPOINT \
        --levels 1 2 3 --out-dir work_dirs/motion_features [--k 5] \
        [--data-config CONFIG_WITH_LABELLED_TRAIN_AND_VAL_SETS]

Paper section 4.1 (efficacy score, Table 1), 4.3 (retrieval, Fig. 4) and
appendix A.1 (k-NN, Table 5). Writes ``features_l{l}.npz``,
``retrieval_l{l}.png`` and ``motion_features.json`` to ``--out-dir``.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import mmhcml  # noqa: E402,F401
from mmhcml.apis import load_config, load_model  # noqa: E402
from mmhcml.cli.tool_args import model_tool_parser, parse_tool_args  # noqa: E402
from mmhcml.analysis.motion_feature_analysis import (  # noqa: E402
    analyse_motion_features, read_class_names)


def parse_args(argv=None):
    parser = model_tool_parser(__doc__)
    parser.add_argument('--levels', type=int, nargs='+', default=[1, 2, 3])
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--k', type=int, default=5,
                        help='neighbours for k-NN and retrieval')
    parser.add_argument('--probe-epochs', type=int, default=200)
    parser.add_argument('--probe-lr', type=float, default=0.05)
    parser.add_argument('--data-config',
                        help='take the datasets from this config instead '
                        '(e.g. a fine-tuning config for a self-supervised '
                        'stage or Table 1 ablation config)')
    parser.add_argument('--classes', help='class names, one per line '
                        '(default: classes.txt beside the train ann_file)')
    parser.add_argument('--num-rows', type=int, default=4,
                        help='queries per retrieval figure')
    return parse_tool_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    model = load_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    cfg = load_config(args.data_config or args.config, args.cfg_options)
    return analyse_motion_features(
        model, cfg, args.levels, args.out_dir, k=args.k,
        probe_epochs=args.probe_epochs, probe_lr=args.probe_lr,
        class_names=read_class_names(cfg, args.classes),
        num_rows=args.num_rows)


if __name__ == '__main__':
    main()
