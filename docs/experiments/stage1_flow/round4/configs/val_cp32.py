# Round 4, H2 (on H1, 4800 iterations): P^1 (8 channels: the 1x1 fuse squeezes 81 costs + 8 reduced
# channels into 8) is too narrow for the estimator to read sub-cell
# displacements; C_p = 32 (PrimeMotionBlock out_channels; the motion block
# config is shared, so levels 2-3 get 32 too, unused in stage 1).
#   python tools/train.py THIS --cfg-options randomness.seed=S
_base_ = ['./val_it4800.py']
work_dir = 'work_dirs/round5/val_it4800_cp32'
model = dict(backbone=dict(motion_block=dict(out_channels=32)))
