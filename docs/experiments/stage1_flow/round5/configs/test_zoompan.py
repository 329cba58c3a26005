# Round 5: val_zoompan's pipeline on the shipped stage-1 config, trained on
# the first 70% (data/real_footage) for the test part. Started while
# val_zoompan's second seed ran; its flow_quality was run only after the
# choice had been made on the validation part.
#   python tools/train.py THIS --cfg-options randomness.seed=S
_base_ = ['../../../../../configs/hcml/synthetic/stage1_real_footage.py']
work_dir = 'work_dirs/round5/test_zoompan'
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='SampleFrames', clip_len=8, frame_interval=1, num_clips=1),
    dict(type='RawFrameDecode', io_backend='disk'),
    dict(type='RandomApply',
         transforms=[dict(type='Resize', scale=(192, 144), keep_ratio=False)],
         prob=0.5),
    dict(type='RandomCameraMotion', crop_size=(64, 96), max_speed=8,
         prob=0.25),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]))
