# Table 1 (efficacy of the motion features of each level under each
# supervision), on UCF-101 split 1 without labels: reconstruction at level 1.
# Measure the efficacy score with tools/analysis/motion_features.py, taking
# labelled clips from --data-config configs/hcml/finetune_ucf101_split1.py.
_base_ = ['../stage1_k400.py']
work_dir = 'work_dirs/ablations/table1_rec_l1_ucf101'

# the clips of UCF-101 split 1, unlabelled
train_dataloader = dict(dataset=dict(
    ann_file='data/ucf101/ucf101_train_split_1_videos.txt',
    data_prefix=dict(video='data/ucf101/videos')))
