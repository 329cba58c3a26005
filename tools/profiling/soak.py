"""Soak test (outside CI): train a tiny HCML model for 2,000 iterations with
data loader workers and report the memory growth, which must stay within 10%.

    python tools/profiling/soak.py [--iters 2000] [--workers 2] [--work-dir work_dirs/soak]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmhcml.profiling.measure import save_json  # noqa: E402
from mmhcml.profiling.soak import run_soak  # noqa: E402
from mmhcml.datasets.synthetic_motion import render_benchmark  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iters', type=int, default=2000)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--interval', type=int, default=50)
    parser.add_argument('--limit', type=float, default=0.10,
                        help='largest allowed relative growth')
    parser.add_argument('--work-dir', default='work_dirs/soak')
    args = parser.parse_args(argv)
    data = osp.join(args.work_dir, 'data')
    if not osp.isfile(osp.join(data, 'train.txt')):
        render_benchmark(data, num_train_per_class=4, num_val_per_class=1,
                         num_unlabelled=4, num_frames=16, size=64)
    result = run_soak(data, args.work_dir, args.iters, args.workers,
                      args.interval)
    result['limit'] = args.limit
    result['passed'] = result['growth'] <= args.limit
    save_json(result, osp.join(args.work_dir, 'soak.json'))
    print(f'{args.iters} iterations with {args.workers} workers in '
          f'{result["seconds"]:.0f} s: RSS {result["warm_rss_mib"]:.1f} MiB '
          f'warmed up -> {result["final_rss_mib"]:.1f} MiB at the end, growth '
          f'{100 * result["growth"]:+.1f}% (limit {100 * args.limit:.0f}%): '
          f'{"PASS" if result["passed"] else "FAIL"}')
    return 0 if result['passed'] else 1


if __name__ == '__main__':
    sys.exit(main())
