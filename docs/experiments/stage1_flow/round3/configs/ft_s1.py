# 300-iteration fine-tune of the shipped stage-1 model at a constant lr of 2e-4
# (the base of ft_*.py); intensity_scale 1 (the default)
_base_ = ['../../../../../configs/hcml/synthetic/stage1_real_footage.py']
work_dir = 'work_dirs/round3/ft_s1'
load_from = 'work_dirs/synthetic/stage1_real_footage/iter_2400.pth'
train_cfg = dict(max_iters=300)
param_scheduler = [dict(type='ConstantLR', factor=0.2, by_epoch=False, begin=0, end=300)]
default_hooks = dict(checkpoint=dict(interval=300))
