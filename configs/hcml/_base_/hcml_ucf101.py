# HCML R2D-50 on UCF-101: runtime, model and data for fine-tuning from a
# Kinetics-400 checkpoint (appendix D.2): 30 epochs, batch 32, lr 0.002; the
# 5 warm-up epochs are our choice (the paper gives none).
_base_ = [
    './hcml_runtime.py', './models/hcml_r2d50.py', './datasets/ucf101.py'
]
model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))

optim_wrapper = dict(optimizer=dict(lr=0.002))
auto_scale_lr = dict(base_batch_size=32)
