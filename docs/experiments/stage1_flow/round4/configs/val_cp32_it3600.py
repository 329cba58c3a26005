# Round 4, H2 within the time budget: C_p = 32 costs about 1.45x the time per
# iteration of C_p = 8 (the dense estimator dominates), so 3600 iterations
# take about as long as 4800 at C_p = 8 would take 5200.
#   python tools/train.py THIS --cfg-options randomness.seed=S
_base_ = ['./val_base.py']
work_dir = 'work_dirs/round5/val_cp32_it3600'
model = dict(backbone=dict(motion_block=dict(out_channels=32)))
iters = 3600
train_cfg = dict(max_iters=iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=iters // 10),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=False,
         begin=iters // 10, end=iters, T_max=iters - iters // 10)
]
default_hooks = dict(checkpoint=dict(interval=iters))
