# Stage 3 on Something-V1 with the R(2+1)D-101 backbone of Table 8
# (top-heavy temporal convs in res4 and res5); short side in [256, 340] (D.2).
#   tools/dist_train.sh configs/hcml/r2plus1d101/stage3_sthv1.py 8
_base_ = ['./stage2_sthv1.py']  # its backbone and inputs
work_dir = 'work_dirs/r2plus1d101/stage3_sthv1'

# what ../stage3_sthv1.py adds to ../stage2_sthv1.py
model = dict(motion_heads=[dict(_base_.contrastive_head, level=3, loss_weight=1.0)])
custom_hooks = [dict(type='ProgressiveFreezeHook', stage='stage3'),
                dict(type='LoadStageCheckpointHook', stage='stage3', run='r2plus1d101/{stage}_sthv1')]
