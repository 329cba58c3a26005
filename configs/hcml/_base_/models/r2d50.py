# Baseline R2D-50 recognizer (paper Table 2, first row): MMAction2's I3D
# R-50 recognizer (its I3DHead for 400 classes and its preprocessing) with the
# R2D-50 backbone of backbones.py in place of the inflated I3D one.
_base_ = ['mmaction::_base_/models/i3d_r50.py', './backbones.py']

model = dict(backbone=dict(_delete_=True, **_base_.r2d50))
