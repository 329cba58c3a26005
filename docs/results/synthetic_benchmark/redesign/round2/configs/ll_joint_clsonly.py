# low-label joint, L_cls only: the stages' weights as initialisation
_base_ = ['./ll_joint.py']
work_dir = '/work/main/work_dirs/synthetic_benchmark_v3/lowlabel/jd2_clsonly'
model = dict(motion_heads=[])
custom_hooks = [dict(type='LoadStageCheckpointHook', stages=[dict(name='stage1_synthetic', work_dir='/work/main/work_dirs/synthetic_benchmark_v3/selfsup/stage1'), dict(name='stage2_synthetic', work_dir='/work/main/work_dirs/synthetic_benchmark_v3/selfsup/stage2'), dict(name='stage3_synthetic', work_dir='/work/main/work_dirs/synthetic_benchmark_v3/selfsup/stage3')])]
