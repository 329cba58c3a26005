# Table 2, "PMB without Self-Sup" on Kinetics-400: R2D-50 with the Prime
# Motion Blocks at levels 1-3 trained on L_cls alone (no side branch, no
# self-supervised stages).
_base_ = ['../joint_k400.py']
work_dir = 'work_dirs/ablations/pmb_r2d50_k400'

model = dict(motion_heads=[])
custom_hooks = []
# Table 2 tests a single clip per video (centre crop 224): the val pipeline.
test_dataloader = dict(dataset=dict(pipeline={{_base_.val_pipeline}}))
