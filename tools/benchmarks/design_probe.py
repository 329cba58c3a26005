"""The synthetic benchmark's design probe: which rendering and motion-block
choices let a level see the motion (val clips only), as JSON.

    python tools/benchmarks/design_probe.py [--per-class 8] [--out probe.json]
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmhcml.benchmarks.design_probe import main  # noqa: E402

if __name__ == '__main__':
    main()
