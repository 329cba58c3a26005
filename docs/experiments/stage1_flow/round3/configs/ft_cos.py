_base_ = ['./ft_s1.py']
work_dir = 'work_dirs/round3/ft_cos'
param_scheduler = [dict(_delete_=True, type='CosineAnnealingLR', T_max=300, eta_min=0, by_epoch=False, begin=0, end=300)]
optim_wrapper = dict(optimizer=dict(lr=2e-4))
