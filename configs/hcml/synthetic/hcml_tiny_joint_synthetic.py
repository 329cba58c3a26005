# A tiny HCML model (R2D layout, ResNet-18 blocks of width 8) trained jointly
# on Eq. 5 on the synthetic motion benchmark; small enough for a CPU.
# Render the data first: python tools/data/render_synthetic.py data/synthetic_motion
_base_ = [
    'mmaction::_base_/default_runtime.py',
    '../_base_/models/hcml_r2d50.py',
    '../_base_/datasets/synthetic_motion.py',
]
custom_imports = dict(imports=['mmhcml'], allow_failed_imports=False)

num_classes = 14
model = dict(
    backbone=dict(
        backbone=dict(depth=18, base_channels=8),
        motion_block=dict(reduction=2, max_displacement=2, stride=1)),
    cls_head=dict(num_classes=num_classes, in_channels=64, dropout_ratio=0.2),
    motion_heads=[
        dict(type='FlowReconstructionHead', level=1,
             dense_channels=(16, 16, 12, 8, 4), loss_weight=15.0),
        dict(type='ContrastiveMotionHead', level=2, num_steps=2,
             num_locations=8, loss_weight=0.25),
        dict(type='ContrastiveMotionHead', level=3, num_steps=1,
             num_locations=4, loss_weight=0.25),
    ])

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=4, val_begin=1,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=4, eta_min=0, by_epoch=True,
         begin=0, end=4)
]
# lr 0.05 was set for 8 clips on one device.
auto_scale_lr = dict(enable=False, base_batch_size=8)

default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_best='auto'))
