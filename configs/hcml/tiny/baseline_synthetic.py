# Baseline on the synthetic motion benchmark: the same small R2D without
# motion blocks, trained on L_cls from scratch.
_base_ = ['../_base_/hcml_synthetic.py']
work_dir = 'work_dirs/synthetic/baseline_synthetic'

model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone={{_base_.model.backbone.backbone}},
    cls_head={{_base_.model.cls_head}},
    data_preprocessor={{_base_.model.data_preprocessor}})
