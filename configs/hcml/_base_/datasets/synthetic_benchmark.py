# Settings of the synthetic motion benchmark study (tools/benchmarks/run_synthetic_benchmark.py,
# mmhcml/benchmarks/synthetic_study.py). Every key starts with ``bench_`` so
# that this file can be a second base next to any configs/hcml/tiny/
# run config; the study's generated configs wire the keys in. Each value is a
# decision measured on the val split (docs/results_synthetic.md, "Why the
# benchmark looks like this").
#
# Data: the four translation pairs (8 classes), each object a bar along its
# motion axis, sharp frames (no streaks); 16-frame 80x80 videos, and models
# see 12-frame 64x64 crops, so level 3 (temporal stride 4) has 3 time steps
# and test-time views differ in space (3 crops) and time (3 windows).
bench_clip_len = 12
bench_crop = 64

# The cost volume must cover the displacement per time step at each level:
# 4.4-6 px/frame at full resolution is 1.1-1.5 cells per step at level 1
# (stride 4) and, since the temporal stride doubles as the spatial one does,
# also at levels 2 and 3. Measured on val (python -m
# mmhcml.benchmarks.design_probe): within-pair accuracy of a ridge probe on
# pooled P^1 of an untrained PMB-only model: d=4, C_p=8: 52.7%; d=2, C_p=8:
# 54.5%; d=2, C_p=32: 47.3%; d=3, C_p=32: 71.4%; d=2, C_p=64: 47.3%.
# So d = 3 (49 displacements instead of 81) and C_p = 32 at every level.
bench_motion_block = dict(max_displacement=3, out_channels=32)

# Optimiser of every labelled run and of stages 2-3 (stage 1 keeps its own
# AdamW, _base_/schedules/stage1_flow.py): AdamW lr 1e-3. Measured on val
# (docs/results_synthetic.md): SGD at lr 0.05 or
# 0.02 collapses the baseline to a uniform output, at 0.01-0.002 it learns
# nothing in 300 iterations; AdamW without zero-initialised residuals is the
# only recipe whose loss falls.
bench_optimizer = dict(_delete_=True, type='AdamW', lr=1e-3,
                       weight_decay=1e-4)
# No zero-initialised residual branches or motion fuses: with them every conv
# inside a residual branch starts with an exactly zero gradient (diagnosis run
# 10), and g^l passes no motion at the start.
bench_resnet = dict(zero_init_residual=False)
bench_zero_init_fuse = False

bench_train_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='SampleFrames', clip_len=bench_clip_len, frame_interval=1,
         num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomCrop', size=bench_crop),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
bench_val_pipeline = [
    bench_train_pipeline[0],
    dict(bench_train_pipeline[1], test_mode=True),
    bench_train_pipeline[2],
    dict(type='CenterCrop', crop_size=bench_crop),
    *bench_train_pipeline[4:]
]
# self-supervised stages: a 64x64 window of the 80x80 frames, panning by up
# to 1 px/frame (all the 16 px margin allows over 12 frames) in half the
# clips; the objects themselves move 4.4-6 px/frame
bench_unlabelled_pipeline = [
    *bench_train_pipeline[:3],
    dict(type='RandomCameraMotion', crop_size=bench_crop, max_speed=1,
         prob=0.5),
    *bench_train_pipeline[4:]
]
