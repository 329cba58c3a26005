# Dataloader settings shared by the dataset bases (k400.py, sthv1.py,
# sthv2.py): 8 clips per GPU for training and validation, one video per GPU
# for multi-view testing, 8 workers each; top-1/top-5 accuracy. Each dataset
# base adds its ``dataset`` dicts.
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
