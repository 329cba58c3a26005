# Stage 2 of the progressive schedule on Something-V2 (section 3.2): levels
# 1..1 are frozen (parameters and BN statistics) and res3, PMB-2 and
# the level-2 predictors learn from L_con^2 (Eq. 4), starting from stage 1.
#   tools/dist_train.sh configs/hcml/stage2_sthv2.py 8
_base_ = ['./stage1_sthv2.py']
work_dir = 'work_dirs/stage2_sthv2'
# back to D.2's SGD (stage 1 alone uses AdamW, _base_/schedules/stage1_flow.py)
optim_wrapper = dict(optimizer=dict(_base_.sgd_optimizer, _delete_=True))
model = dict(motion_heads=[dict(_base_.contrastive_head, level=2, loss_weight=1.0)])

# frozen levels and the checkpoints it starts from: the schedule table
# (mmhcml.engine.schedule.STAGES)
custom_hooks = [dict(type='ProgressiveFreezeHook', stage='stage2'),
                dict(type='LoadStageCheckpointHook', stage='stage2', run='{stage}_sthv2')]
