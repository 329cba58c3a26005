"""Test a checkpoint. Same arguments as MMAction2's tools/test.py.

    python tools/test.py configs/hcml/joint_k400.py CKPT [--dump preds.pkl]
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmhcml.cli.test import main  # noqa: E402

if __name__ == '__main__':
    main()
