# Stage 1 of configs/hcml/stage1_k400.py (R2D-50 at the paper's widths, its
# flow head and recipe) on real videos (configs/hcml/_base_/datasets/
# real_footage.py), for a short CPU check that the paper-width model moves
# like the tiny one (AdamW lr 1e-3 of the stage-1 schedule).
_base_ = [
    '../stage1_k400.py', '../_base_/datasets/real_footage.py',
    '../_base_/schedules/real_footage_iters.py'
]
work_dir = 'work_dirs/stage1_r2d50_real_footage'
train_dataloader = {{_base_.real_footage_dataloader}}
train_cfg = {{_base_.real_footage_loop}}
param_scheduler = {{_base_.real_footage_scheduler}}
default_hooks = {{_base_.real_footage_hooks}}
log_processor = dict(by_epoch=False)
sync_bn = None
