"""Grad-CAM of a baseline and an HCML model on one video (paper Fig. 5).

    python tools/analysis/gradcam_compare.py BASELINE_CONFIG BASELINE_CKPT \
        HCML_CONFIG HCML_CKPT VIDEO --out gradcam.png [--label 3] \
        [--target-layer LAYER | --target-layer BASELINE_LAYER HCML_LAYER]

Rows: baseline, HCML; columns: frames with the heat map of the predicted
class over them. Target layers default to each model's last conv stage
(``backbone/layer4/<last>/relu``, ``backbone/backbone/layer4/<last>/relu``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import mmhcml  # noqa: E402,F401
from mmhcml.apis import load_config, load_model, read_video_clip  # noqa: E402
from mmhcml.analysis.gradcam import compare_gradcam  # noqa: E402
from mmhcml.cli.tool_args import (add_clip_args,  # noqa: E402
                                  fill_clip_args, parse_tool_args)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ('baseline_config', 'baseline_ckpt', 'hcml_config',
                 'hcml_ckpt', 'video'):
        parser.add_argument(name)
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument('--target-layer', nargs='+', metavar='LAYER',
                        help="'/'-separated module path: one for both "
                        'models, or baseline then HCML (default: the last '
                        'conv stage of each)')
    parser.add_argument('--label', help='ground truth: index or class name')
    parser.add_argument('--classes', help='class names, one per line')
    add_clip_args(parser, "the HCML config's")
    parser.add_argument('--num-columns', type=int, default=8)
    parser.add_argument('--panel-size', type=int, default=128)
    parser.add_argument('--alpha', type=float, default=0.5)
    return parse_tool_args(parser, argv, cfg_options=False)


def _label_index(label, class_names):
    if label is None:
        return None
    if label.isdigit():
        return int(label)
    if class_names and label in class_names:
        return list(class_names).index(label)
    raise ValueError(f'--label must be a class index or a name from '
                     f'--classes, got {label!r}')


def main(argv=None):
    args = parse_args(argv)
    layers = args.target_layer or [None]
    if len(layers) > 2:
        raise ValueError(f'--target-layer takes 1 or 2 layers, got {layers!r}')
    layers = layers * 2 if len(layers) == 1 else layers
    class_names = None
    if args.classes:
        with open(args.classes) as f:
            class_names = [line.strip() for line in f if line.strip()]
    label = _label_index(args.label, class_names)
    baseline = load_model(args.baseline_config, args.baseline_ckpt,
                          device=args.device)
    hcml = load_model(args.hcml_config, args.hcml_ckpt, device=args.device)
    filled = fill_clip_args(args, load_config(args.hcml_config))
    if filled:
        print('from the config: ' + ', '.join(
            f'--{k.replace("_", "-")} {v}' for k, v in filled.items()))
    frames = read_video_clip(args.video, args.clip_len, args.size,
                             args.frame_interval)
    height, width = compare_gradcam(
        baseline, hcml, frames, args.out, target_layers=layers, label=label,
        class_names=class_names, num_columns=args.num_columns,
        panel_px=args.panel_size, alpha=args.alpha)
    print(f'wrote {args.out} ({width}x{height})')
    return args.out


if __name__ == '__main__':
    main()
