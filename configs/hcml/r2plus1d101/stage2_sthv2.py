# Stage 2 on Something-V2 with the R(2+1)D-101 backbone of Table 8
# (top-heavy temporal convs in res4 and res5); short side in [256, 340] (D.2).
#   tools/dist_train.sh configs/hcml/r2plus1d101/stage2_sthv2.py 8
_base_ = ['./stage1_sthv2.py']  # its backbone and inputs
work_dir = 'work_dirs/r2plus1d101/stage2_sthv2'

# what ../stage2_sthv2.py adds to ../stage1_sthv2.py
optim_wrapper = dict(optimizer=dict(_base_.sgd_optimizer, _delete_=True))
model = dict(motion_heads=[dict(_base_.contrastive_head, level=2, loss_weight=1.0)])
custom_hooks = [dict(type='ProgressiveFreezeHook', stage='stage2'),
                dict(type='LoadStageCheckpointHook', stage='stage2', run='r2plus1d101/{stage}_sthv2')]
