# Table 1 (efficacy of the motion features of each level under each
# supervision), on UCF-101 split 1 without labels: contrastive learning at level 3, progressive
# from table1_con_l2_ucf101.
# Measure the efficacy score with tools/analysis/motion_features.py, taking
# labelled clips from --data-config configs/hcml/finetune_ucf101_split1.py.
_base_ = ['./table1_con_l2_ucf101.py']
work_dir = 'work_dirs/ablations/table1_con_l3_ucf101'

# the level-3 head of stage 3 (configs/hcml/stage3_k400.py)
model = dict(motion_heads=[
    dict(_base_.contrastive_head, level=3, loss_weight=1.0)
])
# levels 1-2 frozen, starting from table1_con_l2_ucf101
custom_hooks = [
    dict(type='ProgressiveFreezeHook', frozen_levels=2),
    dict(type='LoadStageCheckpointHook', stages=[dict(
        name='table1_con_l2_ucf101', heads=['con_l2'],
        work_dir='work_dirs/ablations/table1_con_l2_ucf101',
        config='configs/hcml/ablations/table1_con_l2_ucf101.py')])
]
