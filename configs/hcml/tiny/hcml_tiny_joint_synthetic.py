# A tiny HCML model (R2D layout, ResNet-18 blocks of width 8) trained jointly
# on Eq. 5 for 4 epochs on the synthetic motion benchmark: a quick check that
# everything runs, on any CPU. Render the data first:
#   python tools/data/render_synthetic.py data/synthetic_motion
_base_ = ['../_base_/hcml_synthetic.py']
work_dir = 'work_dirs/hcml_tiny_joint_synthetic'

model = dict(
    backbone=dict(
        backbone=dict(base_channels=8),
        motion_block=dict(max_displacement=2)),
    cls_head=dict(in_channels=64),
    motion_heads=[
        dict(type='FlowReconstructionHead', level=1,
             dense_channels=(16, 16, 12, 8, 4), loss_weight=15.0),
        dict(_base_.contrastive_head, level=2, loss_weight=0.25),
        dict(_base_.contrastive_head, level=3, num_steps=1, num_locations=4,
             loss_weight=0.25),
    ])

train_cfg = dict(max_epochs=4, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=1,
         end=4, T_max=3)
]
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_best='auto'))
