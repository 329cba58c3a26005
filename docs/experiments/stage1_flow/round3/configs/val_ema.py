_base_ = ['./val_noema.py']
work_dir = 'work_dirs/round3/val_ema'
custom_hooks = [dict(type='EMAHook', momentum=0.01, priority='ABOVE_NORMAL')]
