_base_ = ['/work/main/work_dirs/synthetic_benchmark/configs/unbiased_baseline.py']
work_dir = '/work/exp/b12/adam20'
train_cfg = dict(max_epochs=20, val_interval=4)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=1, end=20, T_max=19),
]
default_hooks = dict(checkpoint=dict(interval=20), logger=dict(interval=21))
train_dataloader = dict(num_workers=1)
val_dataloader = dict(num_workers=1)
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=1e-4))
