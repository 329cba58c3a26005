# Stage 3 of the progressive schedule on Something-V1 (section 3.2): levels
# 1..2 are frozen (parameters and BN statistics) and res4, PMB-3 and
# the level-3 predictors learn from L_con^3 (Eq. 4), starting from stage 2.
#   tools/dist_train.sh configs/hcml/stage3_sthv1.py 8
_base_ = ['./stage2_sthv1.py']
work_dir = 'work_dirs/stage3_sthv1'

model = dict(motion_heads=[
    dict(
        type='ContrastiveMotionHead',
        level=3,
        num_steps=2,
        num_locations=8,
        temperature=0.1,
        loss_weight=1.0)
])

custom_hooks = [
    dict(type='ProgressiveFreezeHook', frozen_levels=2),
    dict(
        type='LoadStageCheckpointHook',
        stages=[
            dict(
                name='stage2_sthv1',
                work_dir='work_dirs/stage2_sthv1',
                config='configs/hcml/stage2_sthv1.py',
                heads=['con_l2'])
        ])
]
