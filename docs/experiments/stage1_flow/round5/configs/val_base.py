# Round 5 reference: round 4's stage-1 recipe (C_p = 32, 3600 iterations,
# pans up to 4 px/frame in a quarter of the 64x96 crops, no zoom) on the
# first 55% of each video: round 4's run 4, which pins that pipeline.
#   python tools/train.py THIS --cfg-options randomness.seed=S
_base_ = ['../../round4/configs/val_cp32_it3600.py']
work_dir = 'work_dirs/round5/val_base'
