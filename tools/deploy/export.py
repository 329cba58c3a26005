"""Export the stripped HCML model to TorchScript and ONNX, checked against
eager mode.

    python tools/deploy/export.py CONFIG CHECKPOINT --out-dir DIR \
        [--format torchscript onnx] [--shape T H W] [--batch 1] [--atol 1e-4]

Writes DIR/<checkpoint>.pt and DIR/<checkpoint>.onnx: clips ``(N, 3, T, H,
W)``, normalised as the config's data preprocessor does, to class scores
``(N, num_classes)``. Each file is loaded back (torch.jit.load,
onnxruntime) and its scores compared with the eager model's; a difference
above the tolerance is an error. ONNX needs ``pip install -e ".[onnx]"``.
``--shape`` defaults to the config's test pipeline.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmhcml.deploy.export import FORMATS, export_model  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='training or deploy config')
    parser.add_argument('checkpoint',
                        help="its checkpoint ('none': random weights, to "
                        'check the export only)')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--format', nargs='+', choices=FORMATS,
                        default=list(FORMATS))
    parser.add_argument('--shape', type=int, nargs=3, metavar=('T', 'H', 'W'),
                        help="clip shape (default: the config's test clips)")
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--atol', type=float, default=1e-4)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    checkpoint = None if args.checkpoint.lower() == 'none' else args.checkpoint
    result = export_model(args.config, checkpoint, args.out_dir,
                          formats=args.format, shape=args.shape,
                          batch=args.batch, atol=args.atol)
    print(json.dumps(result, indent=2))
    return result


if __name__ == '__main__':
    main()
