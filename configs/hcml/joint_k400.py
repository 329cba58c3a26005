# Joint training on Kinetics-400 (section 3.3, Eq. 5): the whole network on
# L_cls + 15 L_rec + 0.25 (L_con^2 + L_con^3), starting from the backbone of
# stage 3 and the motion head of every stage. BN statistics per GPU (D.2).
#   tools/dist_train.sh configs/hcml/joint_k400.py 8
#   tools/dist_test.sh configs/hcml/joint_k400.py CHECKPOINT 8   # multi-view
_base_ = ['./_base_/hcml_k400.py']
work_dir = 'work_dirs/joint_k400'

train_cfg = dict(max_epochs=200)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
         end=40, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True,
         begin=40, end=200,
         T_max=160)
]

custom_hooks = [
    dict(
        type='LoadStageCheckpointHook',
        stages=[
            dict(name=f'stage{s}_k400', work_dir=f'work_dirs/stage{s}_k400',
                 config=f'configs/hcml/stage{s}_k400.py',
                 heads=[('rec_l1', 'con_l2', 'con_l3')[s - 1]]) for s in (1, 2, 3)
        ])
]
