# Table 2, "PMB with Self-Sup" on Something-V1: the joint R(2+1)D-101 model of
# the progressive schedule, tested with a single clip per video:
#   python tools/test.py configs/hcml/ablations/hcml_r2plus1d101_sthv1_1clip.py CKPT
_base_ = ['../r2plus1d101/joint_sthv1.py']
# Table 2 tests a single clip per video (centre crop 224): the val pipeline.
test_dataloader = dict(dataset=dict(pipeline={{_base_.val_dataloader.dataset.pipeline}}))
