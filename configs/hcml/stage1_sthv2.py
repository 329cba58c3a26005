# Stage 1 of the progressive schedule on Something-V2 (section 3.2): the stem,
# res2, PMB-1 and the flow reconstruction head learn from L_rec (Eq. 2-3) on
# unlabelled clips. Global (synchronised) BN when distributed (D.2).
#   tools/dist_train.sh configs/hcml/stage1_sthv2.py 8
_base_ = [
    './_base_/hcml_sthv2.py',
    './_base_/schedules/stage1_flow.py',
    './_base_/schedules/warmup_cosine_150e.py',
]
work_dir = 'work_dirs/stage1_sthv2'

# L_rec weighted by lambda = 15 as in Eq. 5 (zeta = 0.01, the head's
# default), AdamW (README "Does it learn motion?")
model = dict(cls_head=None, motion_heads=[_base_.flow_head])

optim_wrapper = dict(optimizer={{_base_.stage1_optimizer}})
train_dataloader = dict(dataset={{_base_.unlabelled_dataset}})
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None

train_cfg = dict(
    _delete_=True,
    type='EpochBasedTrainLoop',
    max_epochs=150)
default_hooks = dict(checkpoint=dict(save_best=None))

# global BN in the self-supervised stages (D.2); plain BN in one process
sync_bn = 'torch'
# The deeper stages never run here and lower levels are frozen after DDP
# wraps the model: DDP must not wait for their gradients.
find_unused_parameters = True
