# UCF-101 (videos, 101 classes, 3 splits), appendix D.2: fine-tuned from a
# Kinetics-400 checkpoint with the Kinetics-400 input recipe and views
# (k400.py): T=16 frames with stride 2, short side in [256, 320], random 224
# crop, flip; validation 1 clip centre crop, testing 10 clips x 3 crops.
# Split 1 here; configs/hcml/finetune_ucf101_split{1,2,3}.py pick the split.
_base_ = ['./k400.py']

data_root = 'data/ucf101/videos'
data_root_val = data_root
ann_file_train = 'data/ucf101/ucf101_train_split_1_videos.txt'
ann_file_val = 'data/ucf101/ucf101_val_split_1_videos.txt'
num_classes = 101

# batch 32 in all (D.2): 4 clips on each of 8 GPUs
train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        num_classes=num_classes))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root_val),
        num_classes=num_classes))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root_val),
        num_classes=num_classes))
unlabelled_dataset = dict(
    ann_file=ann_file_train, data_prefix=dict(video=data_root))
