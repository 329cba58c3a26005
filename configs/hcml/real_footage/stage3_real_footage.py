# Stage 3 of configs/hcml/tiny/stage3_synthetic.py on real videos: the
# data and schedule of stage2_real_footage (12-frame clips, so that level 3
# has 3 time steps), starting from it. Measure on the held-out rest:
#   python tools/analysis/contrastive_accuracy.py THIS_CONFIG CKPT VIDEO... --start-fraction 0.7
_base_ = ['./stage2_real_footage.py']
work_dir = 'work_dirs/synthetic/stage3_real_footage'
model = dict(motion_heads=[
    dict(_base_.contrastive_head, level=3, num_steps=1, loss_weight=1.0)])
# the hooks of stage2_real_footage, for stage 3: levels 1-2 frozen, starting
# from stage2_real_footage (mmhcml.engine.schedule.STAGES)
custom_hooks = [dict(hook, stage='stage3') for hook in _base_.custom_hooks]
