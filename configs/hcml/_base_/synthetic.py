# Runtime, data and schedule of every run on the synthetic motion benchmark
# (tools/data/render_synthetic.py), without a model: hcml_synthetic.py adds
# the HCML model, configs/hcml/tiny/baseline_synthetic.py the plain R2D.
_base_ = [
    './hcml_runtime.py', './datasets/synthetic_motion.py',
    './schedules/warmup_cosine_12e.py'
]
num_classes = 14

# lr for 8 clips on one device
optim_wrapper = dict(optimizer=dict(lr=0.05))
auto_scale_lr = dict(base_batch_size=8)
train_cfg = dict(max_epochs=12, val_interval=2)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=2, max_keep_ckpts=2))
