# Round 5: val_zoompan's recipe trained on the first 70% (data/real_footage)
# for the test part; it equals the shipped stage-1 config after the change.
# Seed 0 was started while val_zoompan's second seed ran; its flow_quality
# was run only after the choice had been made on the validation part.
#   python tools/train.py THIS --cfg-options randomness.seed=S
_base_ = ['./val_zoompan.py']
work_dir = 'work_dirs/round5/test_zoompan'
train_dataloader = dict(dataset=dict(
    ann_file='data/real_footage/train_list.txt',
    data_prefix=dict(img='data/real_footage/rawframes')))
