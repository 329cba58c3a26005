# Stage 1 of the progressive schedule on Kinetics-400 (section 3.2): the stem,
# res2, PMB-1 and the flow reconstruction head learn from L_rec (Eq. 2-3) on
# unlabelled clips. Global (synchronised) BN when distributed (D.2).
#   tools/dist_train.sh configs/hcml/stage1_k400.py 8
_base_ = [
    './_base_/hcml_stage1.py', './_base_/datasets/k400.py',
    './_base_/schedules/warmup_cosine_80e.py'
]
work_dir = 'work_dirs/stage1_k400'

train_dataloader = dict(dataset={{_base_.unlabelled_dataset}})
val_dataloader = val_evaluator = test_dataloader = test_evaluator = None
train_cfg = dict(max_epochs=80)
