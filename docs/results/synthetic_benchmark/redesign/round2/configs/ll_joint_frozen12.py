# low-label, L_cls only, the stage-trained levels 1-2 (stem, res2, PMB-1, res3, PMB-2) kept fixed
_base_ = ['./ll_joint_clsonly.py']
work_dir = '/work/main/work_dirs/synthetic_benchmark_v3/lowlabel/jd2_frozen12'
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={
    'backbone.backbone.conv1': dict(lr_mult=0.0, decay_mult=0.0),
    'backbone.backbone.layer1': dict(lr_mult=0.0, decay_mult=0.0),
    'backbone.backbone.layer2': dict(lr_mult=0.0, decay_mult=0.0),
    'backbone.motion_blocks.level1': dict(lr_mult=0.0, decay_mult=0.0),
    'backbone.motion_blocks.level2': dict(lr_mult=0.0, decay_mult=0.0)}))
