# Table 2, "Baseline: R(2+1)D-101" on Kinetics-400: the plain backbone trained on
# L_cls with the joint schedule, without motion blocks.
_base_ = ['../r2plus1d101/joint_k400.py']
work_dir = 'work_dirs/ablations/baseline_r2plus1d101_k400'

model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone={{_base_.model.backbone.backbone}},
    cls_head={{_base_.model.cls_head}},
    data_preprocessor={{_base_.model.data_preprocessor}})
custom_hooks = []
# Table 2 tests a single clip per video (centre crop 224): the val pipeline.
test_dataloader = dict(dataset=dict(pipeline={{_base_.val_dataloader.dataset.pipeline}}))
