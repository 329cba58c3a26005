# Learning-rate schedule of the self-supervised stages on Kinetics-400 (appendix D.2):
# linear warm-up from 0.01 x lr over 10 epochs, then cosine to 0 at epoch 80
# (per iteration). The epochs themselves are set by train_cfg.max_epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
         end=10, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True,
         begin=10, end=80, T_max=70)
]
