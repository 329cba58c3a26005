# base20.py with AdamW lr 1e-3 (this stop's second 20-epoch baseline run)
_base_ = ['./base20.py']
work_dir = '/work/exp/b12/adam20'
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=1e-4))
