# Round 2, run 5: as ll_joint_clsonly.py, with the stage-trained levels 1-2
# (stem, res2, PMB-1, res3, PMB-2) kept fixed (lr and weight decay 0)
_base_ = ['./ll_joint_clsonly.py']
work_dir = 'work_dirs/synthetic_benchmark_v3/lowlabel/r2_frozen12'
_fixed = dict(lr_mult=0.0, decay_mult=0.0)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={
    f'backbone.{part}': _fixed for part in (
        'backbone.conv1', 'backbone.layer1', 'backbone.layer2',
        'motion_blocks.level1', 'motion_blocks.level2')}))
