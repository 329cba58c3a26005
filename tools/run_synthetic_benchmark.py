"""The main job: render the synthetic motion benchmark, train the baseline,
PMB-only and the full HCML schedule through tools/train.py, test them through
tools/test.py, and write a results table and plots into one work directory.

    python tools/run_synthetic_benchmark.py [--work-dir work_dirs/synthetic_benchmark]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmhcml.benchmarks.report import write_report  # noqa: E402
from mmhcml.benchmarks.synthetic_study import StudySettings, run_study  # noqa: E402


def parse_args(argv=None):
    defaults = StudySettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default=defaults.work_dir)
    parser.add_argument('--appearance-bias', type=float,
                        default=defaults.appearance_bias,
                        help='colour-class correlation of the biased '
                        'training split')
    parser.add_argument('--train-per-class', type=int,
                        default=defaults.train_per_class)
    parser.add_argument('--val-per-class', type=int,
                        default=defaults.val_per_class)
    parser.add_argument('--unlabelled', type=int, default=defaults.unlabelled)
    parser.add_argument('--epochs', type=int, default=defaults.epochs,
                        help='epochs of baseline, PMB-only and joint training')
    parser.add_argument('--stage-epochs', type=int,
                        default=defaults.stage_epochs,
                        help='epochs of each self-supervised stage')
    parser.add_argument('--seed', type=int, default=defaults.seed)
    parser.add_argument('--num-workers', type=int,
                        default=defaults.num_workers)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    settings = StudySettings(
        work_dir=args.work_dir, appearance_bias=args.appearance_bias,
        train_per_class=args.train_per_class,
        val_per_class=args.val_per_class, unlabelled=args.unlabelled,
        epochs=args.epochs, stage_epochs=args.stage_epochs, seed=args.seed,
        num_workers=args.num_workers)
    results = run_study(settings, report=write_report)
    with open(results['outputs']['markdown']) as f:
        print(f.read())
    print('\n'.join(f'{k}: {v}' for k, v in results['outputs'].items()))


if __name__ == '__main__':
    main()
