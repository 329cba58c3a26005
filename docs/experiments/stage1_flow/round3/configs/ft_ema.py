_base_ = ['./ft_s1.py']
work_dir = 'work_dirs/round3/ft_ema'
custom_hooks = [dict(type='EMAHook', momentum=0.01, priority='ABOVE_NORMAL')]
