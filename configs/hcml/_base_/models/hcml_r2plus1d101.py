# HCML on R(2+1)D-101 (top-heavy temporal convs in res4 and res5).
_base_ = './hcml_r2d50.py'

model = dict(backbone=dict(backbone={{_base_.r2plus1d101}}))
