# "PMB without Self-Sup" on the synthetic motion benchmark: Prime Motion
# Blocks at levels 1-3 trained on L_cls alone, from scratch.
_base_ = ['../_base_/hcml_synthetic.py']
work_dir = 'work_dirs/synthetic/pmb_synthetic'

model = dict(motion_heads=[])
