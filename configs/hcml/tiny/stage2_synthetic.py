# Stage 2 on the synthetic motion benchmark: levels 1..1 frozen, res3, PMB-2 and
# the level-2 predictors learn from L_con^2 (Eq. 4), starting from stage 1.
_base_ = ['./stage1_synthetic.py']
work_dir = 'work_dirs/synthetic/stage2_synthetic'
# back to D.2's SGD (stage 1 alone uses AdamW, _base_/schedules/stage1_flow.py)
optim_wrapper = dict(optimizer=dict(
    _delete_=True, type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))

model = dict(motion_heads=[
    dict(_base_.contrastive_head, level=2, loss_weight=1.0)])
# frozen levels and the checkpoints it starts from: the schedule table
# (mmhcml.engine.schedule.STAGES); the synthetic runs live in
# work_dirs/synthetic/, their configs in configs/hcml/tiny/
custom_hooks = [
    dict(type='ProgressiveFreezeHook', stage='stage2'),
    dict(type='LoadStageCheckpointHook', stage='stage2', run='{stage}_synthetic',
         work_dir='work_dirs/synthetic/{name}', config='configs/hcml/tiny/{name}.py')
]
