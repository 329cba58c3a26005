# Real videos for stage 1: the first part of each video's frames, written by
#   python tools/data/extract_frames.py VIDEO... --out-dir data/real_footage
# (96x128 frames, every 2nd frame, first 70%), 8-frame clips, a 64x96 crop
# that pans at a random constant speed in a quarter of the clips, as in the
# self-supervised pipelines of the other datasets. Iteration based (the lists
# hold a few long videos): warm-up for 10% of the iterations, then cosine.
# Entry configs take `real_footage_dataloader`, `real_footage_loop` and
# `real_footage_scheduler` (names that cannot clash with a stage config).
real_footage_root = 'data/real_footage'
# 3600 iterations: 6 min 22 s on the idle 2-core machine with the tiny
# R2D (docs/research/stage1_flow_generalisation/; 2400 -> 4800 iterations
# raised the validation cut from 12.4 / 13.1% to 14.9 / 15.3%, and 3600 fit
# C_p = 32 in about the time of 5200 at C_p = 8, from the per-iteration times
# of runs pinned to one core)
real_footage_iters = 3600
# Half of the clips are enlarged 1.5x before the crop: their own motion
# grows 1.5x and the crop window gets room to pan at up to 8 px/frame (64x96
# crops of 96x128 frames cap the pans at (96 - 64) // 7 = 4 px/frame, and
# the footage rarely moves faster, so nothing in training did). On the
# validation part: mean cut 18.5 / 19.0% against 17.3 / 18.4%, texture
# end-point error at shifts up to 8 px/frame 1.74 / 1.61 px against 2.63.
real_footage_zoom = [dict(type='Resize', scale=1.5, keep_ratio=True)]
real_footage_dataloader = dict(
    _delete_=True,
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='UnlabelledVideoDataset',
        ann_file=f'{real_footage_root}/train_list.txt',
        data_prefix=dict(img=f'{real_footage_root}/rawframes'),
        data_type='rawframes',
        pipeline=[
            dict(type='SampleFrames', clip_len=8, frame_interval=1,
                 num_clips=1),
            dict(type='RawFrameDecode', io_backend='disk'),
            dict(type='RandomApply', transforms=real_footage_zoom,
                 prob=0.5),
            dict(type='RandomCameraMotion', crop_size=(64, 96), max_speed=8,
                 prob=0.25),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs')
        ]))
real_footage_loop = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=real_footage_iters)
real_footage_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=real_footage_iters // 10),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=False,
         begin=real_footage_iters // 10, end=real_footage_iters,
         T_max=real_footage_iters - real_footage_iters // 10)
]
real_footage_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=real_footage_iters,
                    max_keep_ckpts=2, save_best=None))
# stages 2 and 3: 12-frame clips, so that level 3 (temporal stride 4) has 3
# time steps
real_footage_dataloader_long = dict(
    real_footage_dataloader,
    dataset=dict(
        real_footage_dataloader['dataset'],
        pipeline=[dict(real_footage_dataloader['dataset']['pipeline'][0],
                       clip_len=12)] +
        real_footage_dataloader['dataset']['pipeline'][1:]))
# stages 2 and 3: 600 iterations each (a few minutes on 2 CPU cores)
real_footage_contrastive_iters = 600
real_footage_contrastive_loop = dict(
    _delete_=True, type='IterBasedTrainLoop',
    max_iters=real_footage_contrastive_iters)
real_footage_contrastive_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=real_footage_contrastive_iters // 10),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=False,
         begin=real_footage_contrastive_iters // 10,
         end=real_footage_contrastive_iters,
         T_max=real_footage_contrastive_iters -
         real_footage_contrastive_iters // 10)
]
real_footage_contrastive_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=real_footage_contrastive_iters,
                    save_best=None))
