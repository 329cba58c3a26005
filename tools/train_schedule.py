"""Train a whole progressive schedule (stage 1, 2, 3, joint) of a dataset.

    python tools/train_schedule.py sthv1 --gpus 8
    python tools/train_schedule.py k400 --gpus 8 --backbone r2plus1d101
    python tools/train_schedule.py sthv1 --gpus 8 --start-from stage3 --resume
    python tools/train_schedule.py sthv1 --gpus 2 --work-dir work_dirs/small \
        --cfg-options num_classes=4 clip_len=8 input_size=64 max_epochs=1 \
        --joint-cfg-options model.cls_head.dropout_ratio=0.3

The configs are ``<stage>_DATASET.py``, found by name
(docs/getting_started.md).
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmhcml.cli.schedule import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
