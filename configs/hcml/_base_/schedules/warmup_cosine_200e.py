# Learning-rate schedule of joint training on Kinetics-400 (appendix D.2):
# linear warm-up from 0.01 x lr over 40 epochs, then cosine to 0 at epoch 200
# (per iteration). The epochs themselves are set by train_cfg.max_epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
         end=40, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True,
         begin=40, end=200, T_max=160)
]
