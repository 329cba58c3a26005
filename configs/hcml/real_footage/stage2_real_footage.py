# Stage 2 of configs/hcml/tiny/stage2_synthetic.py on real videos
# (configs/hcml/_base_/datasets/real_footage.py, 12-frame clips so that level
# 3 has 3 time steps), starting from stage1_real_footage. Measure on the
# held-out rest:
#   python tools/analysis/contrastive_accuracy.py THIS_CONFIG CKPT VIDEO... --start-fraction 0.7
_base_ = [
    '../tiny/stage2_synthetic.py', '../_base_/datasets/real_footage.py',
    '../_base_/schedules/real_footage_iters.py'
]
work_dir = 'work_dirs/synthetic/stage2_real_footage'
train_dataloader = {{_base_.real_footage_dataloader_long}}
train_cfg = {{_base_.real_footage_contrastive_loop}}
param_scheduler = {{_base_.real_footage_contrastive_scheduler}}
default_hooks = {{_base_.real_footage_contrastive_hooks}}
log_processor = dict(by_epoch=False)
# frozen levels and the checkpoints it starts from: the schedule table
# (mmhcml.engine.schedule.STAGES), runs in work_dirs/synthetic/
custom_hooks = [
    dict(type='ProgressiveFreezeHook', stage='stage2'),
    dict(type='LoadStageCheckpointHook', stage='stage2', run='{stage}_real_footage',
         work_dir='work_dirs/synthetic/{name}',
         config='configs/hcml/real_footage/{name}.py')
]
