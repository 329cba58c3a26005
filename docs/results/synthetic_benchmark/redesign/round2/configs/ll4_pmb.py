_base_ = ['/work/main/configs/hcml/synthetic/pmb_synthetic.py', '/work/main/configs/hcml/_base_/datasets/synthetic_benchmark.py']
work_dir = '/work/main/work_dirs/sb_grid2/ll4/pmb'
train_dataloader = dict(
    batch_size=8, num_workers=2,
    persistent_workers=True,
    dataset=dict(ann_file='/work/main/work_dirs/sb_grid2/data/train_ll4.txt', num_classes=8,
                 data_prefix=dict(video='/work/main/work_dirs/sb_grid2/data/videos'),
                 pipeline={{_base_.bench_train_pipeline}}))
train_cfg = dict(max_epochs=40, val_interval=40)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=1, end=40, T_max=39),
]

default_hooks = dict(checkpoint=dict(interval=40, max_keep_ckpts=1, save_best=None), logger=dict(interval=10))
model = dict(backbone=dict(backbone={{_base_.bench_resnet}}, zero_init_fuse={{_base_.bench_zero_init_fuse}}, motion_block={{_base_.bench_motion_block}}), cls_head=dict(num_classes=8))
optim_wrapper = dict(optimizer={{_base_.bench_optimizer}})
val_dataloader = dict(batch_size=16, num_workers=2, persistent_workers=True, dataset=dict(num_classes=8, ann_file='/work/main/work_dirs/sb_grid2/data/val.txt', data_prefix=dict(video='/work/main/work_dirs/sb_grid2/data/videos'), pipeline={{_base_.bench_val_pipeline}}))
test_dataloader = dict(batch_size=16, num_workers=2, persistent_workers=True, dataset=dict(num_classes=8, ann_file='/work/main/work_dirs/sb_grid2/data/val.txt', data_prefix=dict(video='/work/main/work_dirs/sb_grid2/data/videos'), pipeline={{_base_.bench_val_pipeline}}))
