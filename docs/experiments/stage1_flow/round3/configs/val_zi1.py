_base_ = ['./val_noema.py']
work_dir = 'work_dirs/round3/val_zi1'
model = dict(motion_heads=[dict(type='FlowReconstructionHead', level=1, dense_channels=(32, 32, 24, 16, 8), loss_weight=15.0, zero_init_flow=True)])
randomness = dict(seed=1)
