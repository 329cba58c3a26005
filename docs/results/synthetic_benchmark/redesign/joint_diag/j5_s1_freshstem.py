# j1_noheads.py (L_cls only) loading stage 1 with the stem and res2 re-initialised (reset_parts.py)
_base_ = ['./j1_noheads.py']
work_dir = 'work_dirs/jdiag/j5_s1_freshstem'
custom_hooks = [dict(type='LoadStageCheckpointHook', stages=[dict(name='stage1_synthetic', work_dir='work_dirs/jdiag/s1_freshstem')])]
