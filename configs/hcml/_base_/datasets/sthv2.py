# Something-Something V2 (videos, 174 classes), appendix D.2: T=32 frames
# with stride 1, short side in [256, 320] (R2D-50; R(2+1)D-101's [256, 340]:
# _base_/models/r2plus1d101_inputs.py), random 224 crop, horizontal flip with MMAction2's label map
# for the left/right classes (no label map for unlabelled clips).
# Validation (ablations): 1 clip, centre crop 224. Testing: 3 clips x 3 crops
# of 256x256 = 9 views.
# MMAction2's VideoDataset with early, explicit errors for bad input
_base_ = ['./default_loaders.py']

dataset_type = 'CheckedVideoDataset'
data_root = 'data/sthv2/videos'
ann_file_train = 'data/sthv2/sthv2_train_list_videos.txt'
ann_file_val = 'data/sthv2/sthv2_val_list_videos.txt'
num_classes = 174
sthv2_flip_label_map = {86: 87, 87: 86, 93: 94, 94: 93, 166: 167, 167: 166}

decode = [dict(type='DecordDecode')]
init = dict(type='DecordInit', **_base_.file_client_args)
sample = dict(type='SampleFrames', clip_len=32, frame_interval=1, num_clips=1)
sample_val = dict(sample, test_mode=True)
sample_test = dict(sample, num_clips=3, test_mode=True)
crop_flip = [
    dict(type='RandomCrop', size=224),
    dict(type='Flip', flip_ratio=0.5, flip_label_map=sthv2_flip_label_map)
]

train_pipeline = [
    init, sample, *decode, *_base_.rescale, *crop_flip, *_base_.pack
]
unlabelled_pipeline = [
    init, sample, *decode, *_base_.rescale, *_base_.crop_flip_unlabelled,
    *_base_.pack
]
val_pipeline = [
    init, sample_val, *decode,
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224), *_base_.pack
]
test_pipeline = [
    init, sample_test, *decode,
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256), *_base_.pack
]

dataset_kwargs = dict(
    type=dataset_type,
    num_classes=num_classes,
    # some clips are shorter than 32 frames: the sampler loops, as in MMAction2
    short_video='loop',
    data_prefix=dict(video=data_root))
train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_train, pipeline=train_pipeline, **dataset_kwargs))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val,
        pipeline=val_pipeline,
        test_mode=True,
        **dataset_kwargs))
# the validation videos with the multi-view test pipeline
test_dataloader = dict(
    dataset=dict(val_dataloader['dataset'], pipeline=test_pipeline))
# the training split without its labels, for the self-supervised stages
unlabelled_dataset = dict(
    _delete_=True,
    type='UnlabelledVideoDataset',
    ann_file=ann_file_train,
    data_prefix=dict(video=data_root),
    data_type='video',
    short_video='loop',
    pipeline=unlabelled_pipeline)
