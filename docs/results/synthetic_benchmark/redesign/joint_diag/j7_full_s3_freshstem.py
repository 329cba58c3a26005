# joint_study.py (Eq. 5) loading stages 1, 2 and stage 3 with the stem and
# res2 re-initialised (reset_parts.py)
_base_ = ['./joint_study.py']
work_dir = 'work_dirs/jdiag/j7_full_s3_freshstem'
custom_hooks = [dict(type='LoadStageCheckpointHook', stages=[dict(name='stage1_synthetic', work_dir='/work/main/work_dirs/synthetic_benchmark_v3/selfsup/stage1', heads=['rec_l1']), dict(name='stage2_synthetic', work_dir='/work/main/work_dirs/synthetic_benchmark_v3/selfsup/stage2', heads=['con_l2']), dict(name='stage3_synthetic', work_dir='work_dirs/jdiag/s3_freshstem', heads=['con_l3'])])]
