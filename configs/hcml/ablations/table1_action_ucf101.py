# Table 1 (efficacy of the motion features of each level under each
# supervision), on UCF-101 split 1 without labels: action classification (PMB at levels 1-3 trained
# on L_cls alone, from scratch; 100 epochs, 20 of warm-up, our choice).
# Measure the efficacy score with tools/analysis/motion_features.py, taking
# labelled clips from --data-config configs/hcml/finetune_ucf101_split1.py.
_base_ = ['../_base_/hcml_ucf101.py']
work_dir = 'work_dirs/ablations/table1_action_ucf101'

model = dict(motion_heads=[])
train_cfg = dict(max_epochs=100)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=20,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=20,
         end=100, T_max=80)
]
