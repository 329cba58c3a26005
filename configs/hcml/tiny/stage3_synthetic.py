# Stage 3 on the synthetic motion benchmark: levels 1..2 frozen, res4, PMB-3 and
# the level-3 predictors learn from L_con^3 (Eq. 4), starting from stage 2.
_base_ = ['./stage2_synthetic.py']
work_dir = 'work_dirs/synthetic/stage3_synthetic'

# one future step: level 3 of an 8-frame clip has 2 time steps
model = dict(motion_heads=[
    dict(_base_.contrastive_head, level=3, num_steps=1, loss_weight=1.0)])
# the hooks of stage2_synthetic, for stage 3: levels 1-2 frozen, starting
# from stage2_synthetic (mmhcml.engine.schedule.STAGES)
custom_hooks = [dict(hook, stage='stage3') for hook in _base_.custom_hooks]
