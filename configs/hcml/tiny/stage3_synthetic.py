# Stage 3 on the synthetic motion benchmark: levels 1..2 frozen, res4, PMB-3 and
# the level-3 predictors learn from L_con^3 (Eq. 4), starting from stage 2.
_base_ = ['./stage2_synthetic.py']
work_dir = 'work_dirs/synthetic/stage3_synthetic'

model = dict(motion_heads=[
    dict(type='ContrastiveMotionHead', level=3, num_steps=1,
         num_locations=8, loss_weight=1.0,
         loss=_base_.contrastive_loss)
])
custom_hooks = [
    dict(type='ProgressiveFreezeHook', frozen_levels=2),
    dict(
        type='LoadStageCheckpointHook',
        stages=[
            dict(
                name='stage2_synthetic',
                work_dir='work_dirs/synthetic/stage2_synthetic',
                config='configs/hcml/tiny/stage2_synthetic.py',
                heads=['con_l2'])
        ])
]
