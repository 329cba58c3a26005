# j1_noheads.py (L_cls only) loading stage 1 only
_base_ = ['./j1_noheads.py']
work_dir = 'work_dirs/jdiag/j3_s1'
custom_hooks = [dict(type='LoadStageCheckpointHook', stages=[dict(name='stage1_synthetic', work_dir='/work/main/work_dirs/synthetic_benchmark_v3/selfsup/stage1')])]
