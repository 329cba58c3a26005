# Kinetics-400 (videos, 400 classes), appendix D.2: T=16 frames with stride
# 2 and short side in [256, 320] for R2D-50 (R(2+1)D-101's T=32 and [256, 340]:
# _base_/models/r2plus1d101_inputs.py); random 224 crop, horizontal flip.
# Validation (ablations): 1 clip, centre crop 224. Testing: 10 clips x 3
# crops of 256x256 = 30 views.
# MMAction2's VideoDataset with early, explicit errors for bad input
_base_ = ['./default_loaders.py']

dataset_type = 'CheckedVideoDataset'
data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
num_classes = 400

decode = [dict(type='DecordDecode')]
init = dict(type='DecordInit', **_base_.file_client_args)
sample = dict(type='SampleFrames', clip_len=16, frame_interval=2, num_clips=1)
sample_val = dict(sample, test_mode=True)
sample_test = dict(sample, num_clips=10, test_mode=True)
crop_flip = [dict(type='RandomCrop', size=224), dict(type='Flip', flip_ratio=0.5)]

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
    data_prefix=dict(video=data_root))
train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_train, pipeline=train_pipeline, **dataset_kwargs))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val,
        pipeline=val_pipeline,
        test_mode=True,
        **dict(dataset_kwargs, data_prefix=dict(video=data_root_val))))
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
    pipeline=unlabelled_pipeline)
