# j1_noheads.py (L_cls only) loading stage 1 with PMB-1, g^1 and the flow head re-initialised (reset_parts.py)
_base_ = ['./j1_noheads.py']
work_dir = 'work_dirs/jdiag/j5_s1_freshpmb'
custom_hooks = [dict(type='LoadStageCheckpointHook', stages=[dict(name='stage1_synthetic', work_dir='work_dirs/jdiag/s1_freshpmb')])]
