# Stage 1 of the progressive schedule (section 3.2) on any dataset: runtime,
# model and training settings; the stage-1 configs add the dataset base, its
# unlabelled training set and the epochs of appendix D.2.
_base_ = [
    './hcml_runtime.py', './models/hcml_r2d50.py',
    './schedules/stage1_flow.py'
]

# The stem, res2, PMB-1 and the flow reconstruction head learn from L_rec
# (Eq. 2-3), weighted by lambda = 15 as in Eq. 5, with AdamW
# (schedules/stage1_flow.py); no classifier. Stated here, not left to
# argument defaults: zeta = 0.01 (not in the paper; 0.1 flattens the flow),
# the Charbonnier alpha = 0.45 and eps = 1e-3 of section 3.2, Eq. 2 divided by
# the in-bound pixels ('valid': 'all', H * W * T as written, rewards flow that
# sends pixels out of the frame) at full resolution, intensities in [0, 1].
# The census / SSIM / edge-aware / second-order / flow-magnitude switches of
# ReconstructionLoss stay off (docs/research/stage1_flow_generalisation/).
model = dict(
    cls_head=None,
    motion_heads=[
        dict(_base_.flow_head,
             loss=dict(type='ReconstructionLoss', smooth_weight=0.01,
                       alpha=0.45, eps=1e-3, photometric_norm='valid',
                       intensity_scale=1.0, photometric_scales=(1, )))
    ])
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
