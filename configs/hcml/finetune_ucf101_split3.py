# Fine-tune the joint Kinetics-400 HCML R2D-50 on UCF-101 split 3: split 1's
# recipe (appendix A.2, D.2) on the other annotation files.
#   tools/dist_train.sh configs/hcml/finetune_ucf101_split3.py 8
_base_ = ['./finetune_ucf101_split1.py']
work_dir = 'work_dirs/finetune_ucf101_split3'

train_dataloader = dict(
    dataset=dict(ann_file='data/ucf101/ucf101_train_split_3_videos.txt'))
val_dataloader = dict(
    dataset=dict(ann_file='data/ucf101/ucf101_val_split_3_videos.txt'))
test_dataloader = val_dataloader
