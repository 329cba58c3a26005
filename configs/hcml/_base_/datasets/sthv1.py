# Something-Something V1 (rawframes, 174 classes), appendix D.2: T=32 frames
# with stride 1, short side in [256, 320] (R2D-50; R(2+1)D-101's [256, 340]:
# _base_/models/r2plus1d101_inputs.py), random 224 crop, horizontal flip with MMAction2's label map
# for the left/right classes (no label map for unlabelled clips).
# Validation (ablations): 1 clip, centre crop 224. Testing: 3 clips x 3 crops
# of 256x256 = 9 views.
# CheckedRawframeDataset: MMAction2's RawframeDataset plus checks (missing
# folders and frame counts listed when built, unreadable frames named;
# skip_unreadable=True skips them in training).
_base_ = ['./default_loaders.py']

dataset_type = 'CheckedRawframeDataset'
data_root = 'data/sthv1/rawframes'
ann_file_train = 'data/sthv1/sthv1_train_list_rawframes.txt'
ann_file_val = 'data/sthv1/sthv1_val_list_rawframes.txt'
num_classes = 174
sthv1_flip_label_map = {2: 4, 4: 2, 30: 41, 41: 30, 52: 66, 66: 52}

decode = [dict(type='RawFrameDecode', **_base_.file_client_args)]
sample = dict(type='SampleFrames', clip_len=32, frame_interval=1, num_clips=1)
sample_val = dict(sample, test_mode=True)
sample_test = dict(sample, num_clips=3, test_mode=True)
crop_flip = [
    dict(type='RandomCrop', size=224),
    dict(type='Flip', flip_ratio=0.5, flip_label_map=sthv1_flip_label_map)
]

train_pipeline = [
    sample, *decode, *_base_.rescale, *crop_flip, *_base_.pack
]
unlabelled_pipeline = [
    sample, *decode, *_base_.rescale, *_base_.crop_flip_unlabelled,
    *_base_.pack
]
val_pipeline = [
    sample_val, *decode,
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224), *_base_.pack
]
test_pipeline = [
    sample_test, *decode,
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256), *_base_.pack
]

dataset_kwargs = dict(
    type=dataset_type,
    data_prefix=dict(img=data_root),
    filename_tmpl='{:05}.jpg',
    num_classes=num_classes,
    short_video='loop')
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
    data_prefix=dict(img=data_root),
    data_type='rawframes',
    filename_tmpl='{:05}.jpg',
    start_index=1,
    short_video='loop',
    pipeline=unlabelled_pipeline)
