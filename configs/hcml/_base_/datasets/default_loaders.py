# Dataloader settings shared by the dataset bases (k400.py, sthv1.py,
# sthv2.py): 8 clips per GPU for training and validation, one video per GPU
# for multi-view testing, 8 workers each; top-1/top-5 accuracy. Each dataset
# base adds its ``dataset`` dicts, built from its own sampling and decoding
# and the pipeline steps below.
file_client_args = dict(io_backend='disk')
# Self-supervised stages: half of the clips enlarged 1.5x (their motion with
# them), then a random 224 crop that pans at a random constant speed of up to
# 8 px/frame in a quarter of the clips (dense motion for L_rec; README "Does
# it learn motion?", round 5), then flip.
crop_flip_unlabelled = [
    dict(type='RandomApply',
         transforms=[dict(type='Resize', scale=1.5, keep_ratio=True)],
         prob=0.5),
    dict(type='RandomCameraMotion', crop_size=224, max_speed=8, prob=0.25),
    dict(type='Flip', flip_ratio=0.5)
]
pack = [
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
rescale = [dict(type='RandomRescale', scale_range=(256, 320))]

train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = dict(val_dataloader, batch_size=1)

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
