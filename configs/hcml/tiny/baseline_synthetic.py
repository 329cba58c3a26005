# Baseline on the synthetic motion benchmark: the same small R2D without
# motion blocks (MMAction2's Recognizer3D, _base_/models/r2d50.py at depth 18
# and width 16), trained on L_cls from scratch with the runtime, data and
# schedule of every synthetic run (_base_/synthetic.py).
_base_ = ['../_base_/synthetic.py', '../_base_/models/r2d50.py']
work_dir = 'work_dirs/synthetic/baseline_synthetic'

model = dict(
    backbone=dict(depth=18, base_channels=16),
    cls_head=dict(num_classes={{_base_.num_classes}}, in_channels=128,
                  dropout_ratio=0.2))
