# Joint training on Something-V2 (section 3.3, Eq. 5): the whole network on
# L_cls + 15 L_rec + 0.25 (L_con^2 + L_con^3), starting from the backbone of
# stage 3 and the motion head of every stage. BN statistics per GPU (D.2).
#   tools/dist_train.sh configs/hcml/joint_sthv2.py 8
#   tools/dist_test.sh configs/hcml/joint_sthv2.py CHECKPOINT 8   # multi-view
_base_ = ['./_base_/hcml_sthv2.py', './_base_/schedules/warmup_cosine_150e.py']
work_dir = 'work_dirs/joint_sthv2'

train_cfg = dict(max_epochs=150)

# frozen levels and the checkpoints it starts from: the schedule table
# (mmhcml.engine.schedule.STAGES)
custom_hooks = [dict(type='LoadStageCheckpointHook', stage='joint', run='{stage}_sthv2')]
