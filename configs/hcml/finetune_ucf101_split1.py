# Fine-tune the joint Kinetics-400 HCML R2D-50 on UCF-101 split 1 (appendix
# A.2, D.2): 30 epochs, batch 32 (4 x 8 GPUs), lr 0.002; Table 7 reports the
# mean top-1 over the 3 splits. The classifier is new (101 classes); the
# backbone and motion heads start from work_dirs/joint_k400.
#   tools/dist_train.sh configs/hcml/finetune_ucf101_split1.py 8
_base_ = [
    './_base_/hcml_ucf101.py',
    './_base_/schedules/warmup_cosine_30e.py',
]
work_dir = 'work_dirs/finetune_ucf101_split1'

train_dataloader = dict(
    dataset=dict(ann_file='data/ucf101/ucf101_train_split_1_videos.txt'))
val_dataloader = dict(
    dataset=dict(ann_file='data/ucf101/ucf101_val_split_1_videos.txt'))
test_dataloader = dict(
    dataset=dict(ann_file='data/ucf101/ucf101_val_split_1_videos.txt'))

train_cfg = dict(max_epochs=30, val_interval=1)
custom_hooks = [
    dict(
        type='LoadStageCheckpointHook',
        stages=[
            dict(
                name='joint_k400',
                work_dir='work_dirs/joint_k400',
                config='configs/hcml/joint_k400.py',
                heads=['rec_l1', 'con_l2', 'con_l3'])
        ])
]
