"""Cost volume (Eq. 1) implementations at the R2D-50 PMB shapes.

    python tools/profiling/benchmark_cost_volume.py [--device cpu|cuda] \
        [--batch 8] [--frames 16] [--size 224] [--iters 10] [--warmup 3] \
        [--impls reference unfold fast compile triton triton_temporal] \
        [--levels res2 res3 res4] \
        [--threads N] [--no-step] [--out cost_volume.json] \
        [--triton-configs BLOCK_ELEMS=512,CHANNEL_UNROLL=8 ...]

What is measured and how: :mod:`mmhcml.profiling.cost_volume_benchmark`.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmhcml.profiling.cost_volume_benchmark import main  # noqa: E402

if __name__ == '__main__':
    main()
