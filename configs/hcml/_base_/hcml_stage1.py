# Stage 1 of the progressive schedule (section 3.2) on any dataset: runtime,
# model and training settings; the stage-1 configs add the dataset base, its
# unlabelled training set and the epochs of appendix D.2.
_base_ = [
    './hcml_runtime.py', './models/hcml_r2d50.py',
    './schedules/stage1_flow.py'
]

# The stem, res2, PMB-1 and the flow reconstruction head learn from L_rec
# (Eq. 2-3), weighted by lambda = 15 as in Eq. 5 (zeta = 0.01, the head's
# default), with AdamW (docs/research/stage1_flow_generalisation/); no
# classifier.
model = dict(cls_head=None, motion_heads=[_base_.flow_head])
optim_wrapper = dict(optimizer={{_base_.stage1_optimizer}})

# no validation or testing (the configs also drop the dataset's loaders)
val_cfg = None
test_cfg = None
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop')
default_hooks = dict(checkpoint=dict(save_best=None))

# global BN in the self-supervised stages (D.2); plain BN in one process
sync_bn = 'torch'
# The deeper stages never run here and lower levels are frozen after DDP
# wraps the model: DDP must not wait for their gradients.
find_unused_parameters = True
