# Round 4: the shipped stage-1 recipe (configs/hcml/synthetic/stage1_real_footage.py)
# trained on the first 55% of each video (validation protocol of round 3).
_base_ = ['../../../../../configs/hcml/synthetic/stage1_real_footage.py']
work_dir = 'work_dirs/round5/val_base'
train_dataloader = dict(dataset=dict(
    ann_file='data/real_footage_55/train_list.txt',
    data_prefix=dict(img='data/real_footage_55/rawframes')))
