# Table 1 (efficacy of the motion features of each level under each
# supervision), on UCF-101 split 1 without labels: contrastive learning at level 2, progressive
# from table1_rec_l1_ucf101.
# Measure the efficacy score with tools/analysis/motion_features.py, taking
# labelled clips from --data-config configs/hcml/finetune_ucf101_split1.py.
_base_ = ['../stage2_k400.py']
work_dir = 'work_dirs/ablations/table1_con_l2_ucf101'

# the clips of UCF-101 split 1, unlabelled
train_dataloader = dict(dataset=dict(
    ann_file='data/ucf101/ucf101_train_split_1_videos.txt',
    data_prefix=dict(video='data/ucf101/videos')))
# level 1 frozen, starting from table1_rec_l1_ucf101
custom_hooks = [
    dict(type='ProgressiveFreezeHook', frozen_levels=1),
    dict(type='LoadStageCheckpointHook', stages=[dict(
        name='table1_rec_l1_ucf101', heads=['rec_l1'],
        work_dir='work_dirs/ablations/table1_rec_l1_ucf101',
        config='configs/hcml/ablations/table1_rec_l1_ucf101.py')])
]
