# Joint training on Kinetics-400 with the R(2+1)D-101 backbone of Table 8
# (top-heavy temporal convs in res4 and res5); T=32 and short side in [256, 340] (D.2).
#   tools/dist_train.sh configs/hcml/r2plus1d101/joint_k400.py 8
_base_ = ['../joint_k400.py', '../_base_/models/r2plus1d101_inputs.py']
work_dir = 'work_dirs/r2plus1d101/joint_k400'

# the backbone of _base_/models/hcml_r2plus1d101.py, on its inputs
# (_base_/models/r2plus1d101_inputs.py)
model = dict(backbone=dict(backbone={{_base_.r2plus1d101}}))
train_dataloader, val_dataloader, test_dataloader = (
    dict(dataset=dict(pipeline=[
        dict(step, **_base_.r2plus1d101_inputs.get(step['type'], {}))
        for step in _base_[loader].dataset.pipeline
    ])) for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'))

# frozen levels and the checkpoints it starts from: the schedule table
# (mmhcml.engine.schedule.STAGES)
custom_hooks = [
    dict(type='LoadStageCheckpointHook', stage='joint', run='r2plus1d101/{stage}_k400')
]
