# Table 2, "Baseline: R2D-50" on Something-V1: the plain backbone trained on
# L_cls with the joint schedule, without motion blocks.
_base_ = ['./pmb_r2d50_sthv1.py']
work_dir = 'work_dirs/ablations/baseline_r2d50_sthv1'

# MMAction2's recognizer on the backbone alone (no motion blocks)
model = dict(_delete_=True, type='Recognizer3D', cls_head=_base_.model.cls_head,
             backbone=_base_.model.backbone.backbone,
             data_preprocessor=_base_.model.data_preprocessor)
