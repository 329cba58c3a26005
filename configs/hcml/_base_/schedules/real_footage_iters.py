# Iteration-based schedules of the real-footage runs
# (configs/hcml/real_footage/; the data: ../datasets/real_footage.py): the
# lists hold a few long videos, so the runs count iterations, with a warm-up
# for 10% of them, then cosine. Entry configs take `real_footage_loop`,
# `real_footage_scheduler` and `real_footage_hooks` (stage 1) or their
# `real_footage_contrastive_*` forms (stages 2 and 3): names that cannot
# clash with a stage config.
# 3600 iterations: under 10 minutes on the idle 2-core machine with the tiny
# R2D (README, "Real-footage flow")
real_footage_iters = 3600
real_footage_loop = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=real_footage_iters)
real_footage_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=real_footage_iters // 10),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=False,
         begin=real_footage_iters // 10, end=real_footage_iters,
         T_max=real_footage_iters - real_footage_iters // 10)
]
real_footage_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=real_footage_iters,
                    max_keep_ckpts=2, save_best=None))
# stages 2 and 3: 600 iterations each (a few minutes on 2 CPU cores)
real_footage_contrastive_iters = 600
real_footage_contrastive_loop = dict(
    _delete_=True, type='IterBasedTrainLoop',
    max_iters=real_footage_contrastive_iters)
real_footage_contrastive_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=real_footage_contrastive_iters // 10),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=False,
         begin=real_footage_contrastive_iters // 10,
         end=real_footage_contrastive_iters,
         T_max=real_footage_contrastive_iters -
         real_footage_contrastive_iters // 10)
]
real_footage_contrastive_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=real_footage_contrastive_iters,
                    save_best=None))
