# j1_noheads.py (L_cls only) loading stages 1-2
_base_ = ['./j1_noheads.py']
work_dir = 'work_dirs/jdiag/j4_s12'
custom_hooks = [dict(type='LoadStageCheckpointHook', stages=[dict(name='stage1_synthetic', work_dir='/work/main/work_dirs/synthetic_benchmark_v3/selfsup/stage1'), dict(name='stage2_synthetic', work_dir='/work/main/work_dirs/synthetic_benchmark_v3/selfsup/stage2')])]
