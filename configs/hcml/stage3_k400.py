# Stage 3 of the progressive schedule on Kinetics-400 (section 3.2): levels
# 1..2 are frozen (parameters and BN statistics) and res4, PMB-3 and
# the level-3 predictors learn from L_con^3 (Eq. 4), starting from stage 2.
#   tools/dist_train.sh configs/hcml/stage3_k400.py 8
_base_ = ['./stage2_k400.py']
work_dir = 'work_dirs/stage3_k400'

model = dict(motion_heads=[dict(_base_.contrastive_head, level=3, loss_weight=1.0)])
# frozen levels and the checkpoints it starts from: the schedule table
# (mmhcml.engine.schedule.STAGES)
custom_hooks = [dict(type='ProgressiveFreezeHook', stage='stage3'),
                dict(type='LoadStageCheckpointHook', stage='stage3', run='{stage}_k400')]
