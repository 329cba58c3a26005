# run 12 (issue 11): run 8's recipe (val_p25) with the photometric term at scales 1, 2, 4
_base_ = ['./val_p25.py']
work_dir = 'work_dirs/round4/val_ms124'
model = dict(motion_heads=[dict(type='FlowReconstructionHead', level=1, dense_channels=(32, 32, 24, 16, 8), loss_weight=15.0, photometric_scales=(1, 2, 4))])
