_base_ = ['./ft_s1.py']
work_dir = 'work_dirs/round3/ft_s255'
model = dict(motion_heads=[dict(type='FlowReconstructionHead', level=1, dense_channels=(32, 32, 24, 16, 8), loss_weight=15.0, intensity_scale=255.0)])
