# Table 1 (efficacy of the motion features of each level under each
# supervision), on UCF-101 split 1 without labels: action classification (PMB at levels 1-3 trained
# on L_cls alone, from scratch; 100 epochs, 20 of warm-up, our choice).
# Measure the efficacy score with tools/analysis/motion_features.py, taking
# labelled clips from --data-config configs/hcml/finetune_ucf101_split1.py.
_base_ = [
    '../_base_/hcml_ucf101.py',
    '../_base_/schedules/warmup_cosine_100e.py',
]
work_dir = 'work_dirs/ablations/table1_action_ucf101'

model = dict(motion_heads=[])
train_cfg = dict(max_epochs=100)
