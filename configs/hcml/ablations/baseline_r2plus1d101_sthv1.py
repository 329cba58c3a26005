# Table 2, "Baseline: R(2+1)D-101" on Something-V1: baseline_r2d50_sthv1.py with
# the R(2+1)D-101 backbone of _base_/models/r2plus1d101.py on its inputs
# (_base_/models/r2plus1d101_inputs.py), without motion blocks.
_base_ = [
    './baseline_r2d50_sthv1.py', '../_base_/models/r2plus1d101_inputs.py'
]
work_dir = 'work_dirs/ablations/baseline_r2plus1d101_sthv1'

model = dict(backbone={{_base_.r2plus1d101}})
train_dataloader, val_dataloader, test_dataloader = (
    dict(dataset=dict(pipeline=[
        dict(step, **_base_.r2plus1d101_inputs.get(step['type'], {}))
        for step in _base_[loader].dataset.pipeline
    ])) for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'))
