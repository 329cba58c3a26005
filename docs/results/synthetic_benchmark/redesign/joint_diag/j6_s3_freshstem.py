# j1_noheads.py (L_cls only) loading stages 1-3 with the stem and res2 re-initialised (reset_parts.py)
_base_ = ['./j1_noheads.py']
work_dir = 'work_dirs/jdiag/j6_s3_freshstem'
custom_hooks = [dict(type='LoadStageCheckpointHook', stages=[dict(name='stage3_synthetic', work_dir='work_dirs/jdiag/s3_freshstem')])]
