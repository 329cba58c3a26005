# Table 2, "PMB with Self-Sup" on Something-V1: the joint R2D-50 model of
# the progressive schedule, tested with a single clip per video:
#   python tools/test.py configs/hcml/ablations/hcml_r2d50_sthv1_1clip.py CKPT
_base_ = ['../joint_sthv1.py']
# Table 2 tests a single clip per video (centre crop 224): the val pipeline.
test_dataloader = dict(dataset=dict(pipeline={{_base_.val_pipeline}}))
