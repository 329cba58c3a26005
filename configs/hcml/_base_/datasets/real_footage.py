# Real videos for stage 1: the first 70% of the *training* videos of the
# by-video split (configs/hcml/real_footage/splits.py), shot by shot (no clip
# spans a scene cut), lossless PNG frames, written by
#   python tools/data/extract_frames.py \
#       --splits configs/hcml/real_footage/splits.py --out-dir data/real_footage
# (96x128 frames, every 2nd frame; validation and test videos are measured
# whole with tools/analysis/flow_quality.py --splits ... --split val|test).
# 8-frame clips, appendix D.2's augmentation only: a rescale (short side 80 to
# 112 px, as D.2's 256-320 around its 224 crop), a random 64x96 crop that does
# not move, a horizontal flip. Entry configs take `real_footage_dataloader`
# (stage 1), `real_footage_dataloader_two_speeds` (stage 1, half the clips at
# frame interval 2) or `real_footage_dataloader_long` (stages 2 and 3): names
# that cannot clash with a stage config. Their iteration-based schedules:
# ../schedules/real_footage_iters.py.
real_footage_root = 'data/real_footage'
# Opt-in, off by default: the zoom (1.5x in half the clips) and the crop that
# pans at up to 8 px/frame in a quarter of them (RandomCameraMotion). On the
# validation videos they lowered the mean cut of zero flow's error from
# +2.0% to -2.5% (one seed each, PNG frames): the synthetic dense motion
# teaches flow on pixels that do not move
# (docs/research/stage1_flow_generalisation/). To use them, replace the
# rescale and the still crop below by
#   dict(type='RandomApply', transforms=real_footage_zoom, prob=0.5),
#   dict(type='RandomCameraMotion', crop_size=(64, 96), max_speed=8,
#        prob=0.25)
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
        filename_tmpl='img_{:05}.png',
        pipeline=[
            dict(type='SampleFrames', clip_len=8, frame_interval=1,
                 num_clips=1),
            dict(type='RawFrameDecode', io_backend='disk'),
            dict(type='RandomRescale', scale_range=(80, 112)),
            # a still random 64x96 crop (no pan)
            dict(type='RandomCameraMotion', crop_size=(64, 96), max_speed=0,
                 prob=0.0),
            dict(type='Flip', flip_ratio=0.5),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs')
        ]))
# stages 2 and 3: 12-frame clips, so that level 3 (temporal stride 4) has 3
# time steps
real_footage_dataloader_long = dict(
    real_footage_dataloader,
    dataset=dict(
        real_footage_dataloader['dataset'],
        pipeline=[dict(real_footage_dataloader['dataset']['pipeline'][0],
                       clip_len=12)] +
        real_footage_dataloader['dataset']['pipeline'][1:]))
# Real motion twice as fast: the same clips at frame interval 1 and at 2, one
# dataset each (a ConcatDataset: every shot is drawn at both speeds).
# Shots shorter than a clip at a given interval (8 frames; 16 at interval 2,
# clip_len x frame_interval as MMAction2's SampleFrames counts it)
# are left out of that dataset. The pipelines are D.2's; only which frames a
# clip takes changes. Chosen on the validation videos for the real-footage
# stage 1 (docs/research/stage1_flow_generalisation/); opt-in elsewhere.
real_footage_dataloader_two_speeds = dict(
    real_footage_dataloader,
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(real_footage_dataloader['dataset'], short_video='skip',
                 pipeline=[dict(real_footage_dataloader['dataset']
                                ['pipeline'][0], frame_interval=interval)] +
                 real_footage_dataloader['dataset']['pipeline'][1:])
            for interval in (1, 2)
        ]))
