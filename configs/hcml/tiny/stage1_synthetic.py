# Stage 1 on the synthetic motion benchmark: stem, res2, PMB-1 and the flow
# head learn from L_rec (Eq. 2-3) on the unlabelled split.
_base_ = ['../_base_/hcml_synthetic.py', '../_base_/schedules/stage1_flow.py']
work_dir = 'work_dirs/synthetic/stage1_synthetic'

# L_rec weighted by lambda = 15 as in Eq. 5 (zeta = 0.01, the head's
# default), AdamW (docs/research/stage1_flow_generalisation/)
model = dict(
    cls_head=None,
    motion_heads=[
        dict(type='FlowReconstructionHead', level=1,
             dense_channels=(32, 32, 24, 16, 8), loss_weight=15.0)
    ])
optim_wrapper = dict(optimizer={{_base_.stage1_optimizer}})
train_dataloader = dict(dataset={{_base_.unlabelled_dataset}})
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop', max_epochs=4)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=1,
         end=4, T_max=3)
]
default_hooks = dict(checkpoint=dict(interval=4, save_best=None))
sync_bn = 'torch'
find_unused_parameters = True
