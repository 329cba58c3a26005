# Learning-rate schedule of the tiny models on the synthetic motion benchmark
# (synthetic.py): linear warm-up from 0.1 x lr over the first epoch, then
# cosine to 0 at epoch 12 (per iteration). The epochs themselves are set by
# train_cfg.max_epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=1,
         end=12, T_max=11)
]
