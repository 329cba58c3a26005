# Learning-rate schedule of every stage on Something-V1/V2 (appendix D.2):
# linear warm-up from 0.01 x lr over 50 epochs, then cosine to 0 at epoch 150
# (per iteration). The epochs themselves are set by train_cfg.max_epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
         end=50, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True,
         begin=50, end=150, T_max=100)
]
