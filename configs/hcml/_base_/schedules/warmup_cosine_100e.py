# Learning-rate schedule of Table 1's supervised run (our choice):
# linear warm-up from 0.01 x lr over 20 epochs, then cosine to 0 at epoch 100
# (per iteration). The epochs themselves are set by train_cfg.max_epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
         end=20, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True,
         begin=20, end=100, T_max=80)
]
