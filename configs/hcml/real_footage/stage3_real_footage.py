# Stage 3 of configs/hcml/tiny/stage3_synthetic.py on real videos: the
# data and schedule of stage2_real_footage (12-frame clips, so that level 3
# has 3 time steps), starting from it. Measure on the held-out rest:
#   python tools/analysis/contrastive_accuracy.py THIS_CONFIG CKPT VIDEO... --start-fraction 0.7
_base_ = ['./stage2_real_footage.py']
work_dir = 'work_dirs/synthetic/stage3_real_footage'
model = dict(motion_heads=[
    dict(type='ContrastiveMotionHead', level=3, num_steps=1,
         num_locations=8, loss_weight=1.0,
         loss=_base_.contrastive_loss)
])
custom_hooks = [
    dict(type='ProgressiveFreezeHook', frozen_levels=2),
    dict(type='LoadStageCheckpointHook', stages=[
        dict(name='stage2_real_footage',
             work_dir='work_dirs/synthetic/stage2_real_footage',
             config='configs/hcml/real_footage/stage2_real_footage.py',
             heads=['con_l2'])])
]
