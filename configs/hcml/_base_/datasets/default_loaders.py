# Dataloader settings shared by the dataset bases (k400.py, sthv1.py,
# sthv2.py): 8 clips per GPU for training and validation, one video per GPU
# for multi-view testing, 8 workers each; top-1/top-5 accuracy. Each dataset
# base adds its ``dataset`` dicts, built from its own sampling and decoding
# and the pipeline steps below.
file_client_args = dict(io_backend='disk')
# Self-supervised stages, appendix D.2: after the rescale (short side in
# [256, 320]), a random 224 crop and a horizontal flip, nothing else. The
# zoom (1.5x in half the clips) and the panning crop (RandomCameraMotion) of
# the real-footage configs are opt-in: nothing measured them on these
# datasets (configs/hcml/_base_/datasets/real_footage.py says what they did
# on real videos).
crop_flip_unlabelled = [
    dict(type='RandomCrop', size=224),
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
