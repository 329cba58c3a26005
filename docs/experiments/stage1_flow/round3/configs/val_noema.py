# the shipped stage-1 recipe trained on the first 55% of each video (the base of
# val_*.py), with PyTorch's default initialisation of the flow estimator
# (zero_init_flow=False, the default before this round)
_base_ = ['../../../../../configs/hcml/synthetic/stage1_real_footage.py']
work_dir = 'work_dirs/round3/val_noema'
train_dataloader = dict(dataset=dict(ann_file='data/real_footage_55/train_list.txt', data_prefix=dict(img='data/real_footage_55/rawframes')))
model = dict(motion_heads=[dict(type='FlowReconstructionHead', level=1, dense_channels=(32, 32, 24, 16, 8), loss_weight=15.0, zero_init_flow=False)])
