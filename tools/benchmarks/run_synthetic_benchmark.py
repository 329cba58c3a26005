"""The main job: render the synthetic motion benchmark, train the baseline,
PMB-only and the full HCML schedule through tools/train.py (unbiased,
appearance-biased and low-label training), test them on the test split with
bootstrap intervals and a linear probe per level, and write results.md,
results.json (with the claims list) and plots into one work directory.

    python tools/benchmarks/run_synthetic_benchmark.py [--work-dir work_dirs/synthetic_benchmark]

Several seeds (each a whole study) pool into Figure 2, Table 1 and claims
(f)-(h) over seeds, without training anything:

    python tools/benchmarks/run_synthetic_benchmark.py --combine DIR_SEED0 DIR_SEED1 \
        DIR_SEED2 --work-dir work_dirs/synthetic_benchmark_seeds
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmhcml.benchmarks.report import write_report, write_seed_pool  # noqa: E402
from mmhcml.benchmarks.synthetic_study import StudySettings, run_study  # noqa: E402

#: command-line flag -> StudySettings field
_FLAGS = {
    'classes': ('classes', str, 'rendered classes: translation (the four '
                'translation pairs) or all (the 14 classes)'),
    'streak-steps': ('streak_steps', int, 'motion-streak sub-frames on each '
                     'side of a frame (0: sharp frames)'),
    'object-grid': ('object_grid', int, 'copies of each object per side of '
                    'the frame (object_grid ** 2 objects, one motion)'),
    'appearance-bias': ('appearance_bias', float,
                        'colour-class correlation of train_biased'),
    'train-per-class': ('train_per_class', int, 'labelled clips per class'),
    'lowlabel-per-class': ('lowlabel_per_class', int,
                           'labelled clips per class in the low-label '
                           'regime'),
    'val-per-class': ('val_per_class', int, 'val clips per class'),
    'test-per-class': ('test_per_class', int, 'test clips per class'),
    'unlabelled': ('unlabelled', int, 'unlabelled clips'),
    'epochs': ('epochs', int, 'epochs of baseline, PMB-only and joint '
               'training (unbiased and biased)'),
    'lowlabel-epochs': ('lowlabel_epochs', int,
                        'epochs of the low-label trainings'),
    'stage-epochs': ('stage_epochs', int,
                     'epochs of each self-supervised stage'),
    'bootstrap': ('bootstrap', int, 'bootstrap resamples of the CIs'),
    'seed': ('seed', int, 'seed of rendering and bootstrap'),
    'num-workers': ('num_workers', int, 'dataloader workers'),
    'jobs': ('jobs', int, 'training runs at a time (each with cpu_count // '
             'jobs threads)'),
}


def parse_args(argv=None):
    defaults = StudySettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default=defaults.work_dir)
    parser.add_argument('--resume', action='store_true',
                        help='keep the rendered data and the runs that '
                        'finished (a study stopped half-way continues)')
    for flag, (field, kind, text) in _FLAGS.items():
        parser.add_argument(f'--{flag}', type=kind,
                            default=getattr(defaults, field),
                            help=f'{text} (default: %(default)s)')
    parser.add_argument('--no-table2', dest='table2', action='store_false',
                        help='train and test only what Table 1 and claims '
                        '(f)-(h) need: Figure 2\'s arms in the low-label '
                        'setting, PMB-only in the unbiased one, no '
                        'baseline, no appearance-biased setting (the extra '
                        'seeds of a seed sweep)')
    parser.add_argument('--combine', nargs='+', metavar='DIR',
                        help='pool finished studies (one per seed) into '
                        'Figure 2, Table 1 and claims (f)-(h) over seeds; '
                        'writes hierarchy.json, hierarchy.md and '
                        'figure2_levels.png into --work-dir and trains '
                        'nothing')
    parser.add_argument('--no-axis-bars', dest='axis_bars',
                        action='store_false',
                        help='draw translating objects with a random shape '
                        'instead of a bar along their axis')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.combine:
        paths = write_seed_pool(args.combine, args.work_dir,
                                reps=args.bootstrap, seed=args.seed)
        with open(paths['markdown']) as f:
            print(f.read())
        print('\n'.join(f'{k}: {v}' for k, v in paths.items()))
        return
    settings = StudySettings(
        work_dir=args.work_dir, resume=args.resume, axis_bars=args.axis_bars,
        table2=args.table2,
        **{field: getattr(args, field) for field, _, _ in _FLAGS.values()})
    results = run_study(settings, report=write_report)
    with open(results['outputs']['markdown']) as f:
        print(f.read())
    print('\n'.join(f'{k}: {v}' for k, v in results['outputs'].items()))


if __name__ == '__main__':
    main()
