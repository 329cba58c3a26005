# Learning-rate schedule of UCF-101 fine-tuning (appendix D.2; the 5 warm-up epochs are our choice):
# linear warm-up from 0.1 x lr over 5 epochs, then cosine to 0 at epoch 30
# (per iteration). The epochs themselves are set by train_cfg.max_epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
         end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True,
         begin=5, end=30, T_max=25)
]
