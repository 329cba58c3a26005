# baseline of the committed job (unbiased train split, T=12, 64x64 crops) through tools/train.py,
# AdamW 1e-3 and zero_init_residual=False, 8 epochs = 336 iterations, val every 2 epochs
_base_ = ['/work/main/work_dirs/synthetic_benchmark/configs/unbiased_baseline.py']
work_dir = '/work/exp/b12h/tt/adam_nozi8'
model = dict(backbone=dict(zero_init_residual=False))
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=1e-4))
train_cfg = dict(max_epochs=8, val_interval=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=1, end=8, T_max=7),
]
default_hooks = dict(checkpoint=dict(interval=8), logger=dict(interval=21))
train_dataloader = dict(num_workers=1)
val_dataloader = dict(num_workers=1)
