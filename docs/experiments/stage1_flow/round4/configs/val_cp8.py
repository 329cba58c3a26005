# Round 4: run 4's config with round 3's width of P^1 (C_p = C / beta = 8), the
# base of runs 1-3; they set the schedule.
_base_ = ['./val_cp32_it3600.py']
work_dir = 'work_dirs/round5/val_cp8'
model = dict(backbone=dict(motion_block=dict(out_channels=None)))
