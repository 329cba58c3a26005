# Table 1 (efficacy of the motion features of each level under each
# supervision), on UCF-101 split 1 without labels: reconstruction at level 3 (levels 1..3 trained
# from scratch by L_rec of the level-3 flow head).
# Measure the efficacy score with tools/analysis/motion_features.py, taking
# labelled clips from --data-config configs/hcml/finetune_ucf101_split1.py.
_base_ = ['./table1_rec_l1_ucf101.py']
work_dir = 'work_dirs/ablations/table1_rec_l3_ucf101'

model = dict(motion_heads=[
    dict(type='FlowReconstructionHead', level=3, loss_weight=1.0,
         loss=_base_.reconstruction_loss)
])
