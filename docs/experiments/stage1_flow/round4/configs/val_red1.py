# Round 4, H3 (on H1, 4800 iterations): the cost volume of 8 reduced channels matches poorly; beta = 1
# (the cosine cost volume on all 16 res2 channels; P^1 16 channels).
#   python tools/train.py THIS --cfg-options randomness.seed=S
_base_ = ['./val_it4800.py']
work_dir = 'work_dirs/round5/val_it4800_red1'
model = dict(backbone=dict(motion_block=dict(reduction=1)))
