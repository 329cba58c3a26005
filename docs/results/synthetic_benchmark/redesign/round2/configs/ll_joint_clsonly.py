# Round 2, run 5 (issue 12, val): the one-bar study's low-label joint run with
# L_cls only, the stage weights as initialisation. Needs the study of run 1:
#   python tools/train.py THIS
_base_ = ['../../../../../../work_dirs/synthetic_benchmark_v3/configs/lowlabel_joint.py']
work_dir = 'work_dirs/synthetic_benchmark_v3/lowlabel/r2_clsonly'
model = dict(motion_heads=[])
_v3 = 'work_dirs/synthetic_benchmark_v3/selfsup'
custom_hooks = [dict(type='LoadStageCheckpointHook', stages=[
    dict(name=f'stage{s}_synthetic', work_dir=f'{_v3}/stage{s}') for s in (1, 2, 3)])]
