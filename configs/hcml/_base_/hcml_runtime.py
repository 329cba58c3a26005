# Runtime and optimisation shared by every HCML config (appendix D.2):
# synchronised SGD with momentum 0.9, lr 0.0025 per GPU at 8 clips per GPU,
# i.e. lr 0.02 for the reference 8 GPUs x 8 clips = 64 (pass --auto-scale-lr
# to scale it linearly to another total batch), linear warm-up then cosine.
_base_ = ['mmaction::_base_/default_runtime.py']
custom_imports = dict(imports=['mmhcml'], allow_failed_imports=False)

# D.2's SGD; the stages after stage 1 (which uses AdamW,
# schedules/stage1_flow.py) go back to it with
#   optim_wrapper = dict(optimizer=dict(_base_.sgd_optimizer, _delete_=True))
sgd_optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4)
optim_wrapper = dict(
    optimizer=sgd_optimizer, clip_grad=dict(max_norm=40, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=64)

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200, val_begin=1,
                 val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    # atomic saves, last_checkpoint written after a complete save, --resume
    # falls back to the newest checkpoint that loads; keep >= 2 so there is
    # one to fall back on
    checkpoint=dict(type='SafeCheckpointHook', interval=5, max_keep_ckpts=3,
                    save_best='auto'),
    # a checkpoint of another model is refused, listing the keys; see
    # docs/reliability.md to load part of a model on purpose
    checkpoint_match=dict(type='CheckpointMatchHook'),
    # stop at the first NaN/Inf loss, naming the term
    finite_loss=dict(type='NonFiniteLossHook'),
    # generator states in checkpoints: --resume continues bit-identically
    random_state=dict(type='RandomStateHook'))
