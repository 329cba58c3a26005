# HCML R2D-50 on Something-V2: runtime, model and data. The stage and joint
# configs built on it set the epochs of appendix D.2.
_base_ = [
    './hcml_runtime.py', './models/hcml_r2d50.py', './datasets/sthv2.py'
]
model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))

