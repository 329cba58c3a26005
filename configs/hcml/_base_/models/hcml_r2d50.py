# HCML on R2D-50: Prime Motion Blocks after res2, res3, res4 (levels 1-3),
# the flow reconstruction head at level 1 and contrastive heads at levels 2
# and 3; Eq. 5 weights lambda = 15, gamma^2 = gamma^3 = 0.25.
_base_ = './r2d50.py'

motion_block = dict(
    type='PrimeMotionBlock',
    reduction=4,
    max_displacement=6,
    stride=2,
    fuse_kernel=1,
    # Triton kernels on CUDA (when installed), the pure-PyTorch path elsewhere
    cost_volume_impl='auto')

# with_cp: the dense flow estimator runs again in the backward pass instead
# of keeping its activations (exact; docs/benchmark.md)
flow_head = dict(type='FlowReconstructionHead', level=1, loss_weight=15.0,
                 with_cp=True)
# Eq. 4 with K = 2 future steps, 8 locations, temperature 0.1; the stage and
# joint configs add the level and the loss weight
contrastive_head = dict(
    type='ContrastiveMotionHead', num_steps=2, num_locations=8,
    temperature=0.1)
motion_heads = [
    flow_head,
    dict(contrastive_head, level=2, loss_weight=0.25),
    dict(contrastive_head, level=3, loss_weight=0.25),
]

model = dict(
    type='HCMLRecognizer',
    backbone=dict(
        _delete_=True,
        type='HCMLBackbone',
        backbone={{_base_.r2d50}},
        levels=(1, 2, 3),
        motion_block=motion_block),
    motion_heads=motion_heads)
