# Round 4, H4 (on val_cp32_it3600): AdamW lr 1e-3 is too small for a short
# schedule; lr 2e-3.
#   python tools/train.py THIS --cfg-options randomness.seed=S
_base_ = ['./val_cp32_it3600.py']
work_dir = 'work_dirs/round5/val_cp32_lr2e3'
optim_wrapper = dict(optimizer=dict(lr=2e-3))
