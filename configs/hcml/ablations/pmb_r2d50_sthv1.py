# Table 2, "PMB without Self-Sup" on Something-V1: R2D-50 with the Prime
# Motion Blocks at levels 1-3 trained on L_cls alone (no side branch, no
# self-supervised stages).
_base_ = ['./hcml_r2d50_sthv1_1clip.py']
work_dir = 'work_dirs/ablations/pmb_r2d50_sthv1'

# the single-clip HCML config without the side branch (no motion heads, no
# stage checkpoints)
model = dict(motion_heads=[])
custom_hooks = []
