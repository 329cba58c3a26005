# The synthetic motion benchmark rendered by tools/data/render_synthetic.py
# (14 classes defined by motion alone, 16 frames of 64x64 per clip).
# No horizontal flip: it would swap the left/right classes.
dataset_type = 'CheckedVideoDataset'
data_root = 'data/synthetic_motion'
clip_len = 8

file_client_args = dict(io_backend='disk')
train_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='SampleFrames', clip_len=clip_len, frame_interval=1,
         num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(step, test_mode=True) if step['type'] == 'SampleFrames' else step
    for step in train_pipeline
]
# Multi-view testing as for Kinetics-400: 10 clips x 3 crops = 30 views.
# (the training pipeline's decoding, then resize and crops)
test_pipeline = [
    train_pipeline[0],
    dict(train_pipeline[1], num_clips=10, test_mode=True),
    train_pipeline[2],
    dict(type='Resize', scale=(-1, 64)),
    dict(type='ThreeCrop', crop_size=64),
    *train_pipeline[4:]
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        num_classes=14,
        ann_file=f'{data_root}/train.txt',
        data_prefix=dict(video=f'{data_root}/videos'),
        pipeline=train_pipeline))
val_dataloader = dict(
    train_dataloader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        train_dataloader['dataset'],
        ann_file=f'{data_root}/val.txt',
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    val_dataloader,
    batch_size=1,
    dataset=dict(val_dataloader['dataset'], pipeline=test_pipeline))

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
# the unlabelled split, for the self-supervised stages: frames resized to
# 96x96, half of them on to 144x144 (their motion 1.5x), then a 64x64 crop
# that pans at a random constant speed (up to 8 px/frame) in a quarter of the
# clips (docs/research/stage1_flow_generalisation/)
unlabelled_pipeline = [
    *train_pipeline[:3],
    dict(type='Resize', scale=(96, 96), keep_ratio=False),
    dict(type='RandomApply',
         transforms=[dict(type='Resize', scale=1.5, keep_ratio=True)],
         prob=0.5),
    dict(type='RandomCameraMotion', crop_size=64, max_speed=8, prob=0.25),
    *train_pipeline[4:]
]
unlabelled_dataset = dict(
    _delete_=True,
    type='UnlabelledVideoDataset',
    ann_file=f'{data_root}/unlabelled.txt',
    data_prefix=dict(video=f'{data_root}/videos'),
    pipeline=unlabelled_pipeline)
