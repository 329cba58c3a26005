# Table 2, "Baseline: R2D-50" on Something-V1: the plain backbone (MMAction2's
# Recognizer3D, _base_/models/r2d50.py) trained on L_cls with the schedule of
# ../joint_sthv1.py, without motion blocks; tested with a single clip per video
# (centre crop 224: the val pipeline).
_base_ = [
    '../_base_/hcml_runtime.py', '../_base_/models/r2d50.py',
    '../_base_/datasets/sthv1.py', '../_base_/schedules/warmup_cosine_150e.py'
]
work_dir = 'work_dirs/ablations/baseline_r2d50_sthv1'

model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
train_cfg = dict(max_epochs=150)
test_dataloader = dict(dataset=dict(pipeline={{_base_.val_pipeline}}))
