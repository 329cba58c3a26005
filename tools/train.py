"""Train a config. Same arguments as MMAction2's tools/train.py.

    python tools/train.py configs/hcml/stage1_sthv1.py [--resume] [--amp]
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmhcml.cli.train import main  # noqa: E402

if __name__ == '__main__':
    main()
