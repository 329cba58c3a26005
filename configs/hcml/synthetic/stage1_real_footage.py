# Stage 1 of configs/hcml/synthetic/stage1_synthetic.py (the same tiny R2D,
# flow head and recipe) on real videos (configs/hcml/_base_/datasets/
# real_footage.py): only the data and the schedule length (3600 iterations,
# under 10 minutes on 2 CPU cores) differ. Measure on the held-out rest:
#   python tools/analysis/flow_quality.py THIS_CONFIG CKPT VIDEO... --start-fraction 0.7
_base_ = ['./stage1_synthetic.py', '../_base_/datasets/real_footage.py']
work_dir = 'work_dirs/synthetic/stage1_real_footage'
train_dataloader = {{_base_.real_footage_dataloader}}
train_cfg = {{_base_.real_footage_loop}}
param_scheduler = {{_base_.real_footage_scheduler}}
default_hooks = {{_base_.real_footage_hooks}}
log_processor = dict(by_epoch=False)
