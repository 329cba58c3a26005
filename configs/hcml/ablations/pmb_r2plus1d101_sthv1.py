# Table 2, "PMB without Self-Sup" on Something-V1: R(2+1)D-101 with the Prime
# Motion Blocks at levels 1-3 trained on L_cls alone (no side branch, no
# self-supervised stages).
_base_ = ['../r2plus1d101/joint_sthv1.py']
work_dir = 'work_dirs/ablations/pmb_r2plus1d101_sthv1'

model = dict(motion_heads=[])
custom_hooks = []
# Table 2 tests a single clip per video (centre crop 224): the val pipeline.
test_dataloader = dict(dataset=dict(pipeline={{_base_.val_dataloader.dataset.pipeline}}))
