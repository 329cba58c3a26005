# joint_study.py without the motion losses: L_cls only, backbone loaded from
# stages 1-3 (issue 12, val only)
_base_ = ['./joint_study.py']
work_dir = 'work_dirs/jdiag/j1_noheads'
model = dict(motion_heads=[])
