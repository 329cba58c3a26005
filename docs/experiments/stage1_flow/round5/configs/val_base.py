# Round 5 reference: the shipped stage-1 recipe (round 4: C_p = 32, 3600
# iterations, pans up to 4 px/frame in a quarter of the 64x96 crops) trained
# on the first 55% of each video (data/real_footage_55).
#   python tools/train.py THIS --cfg-options randomness.seed=S
_base_ = ['../../../../../configs/hcml/synthetic/stage1_real_footage.py']
work_dir = 'work_dirs/round5/val_base'
train_dataloader = dict(dataset=dict(
    ann_file='data/real_footage_55/train_list.txt',
    data_prefix=dict(img='data/real_footage_55/rawframes')))
