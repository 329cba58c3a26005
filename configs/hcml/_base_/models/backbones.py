# The backbones of the paper's Table 8, on MMAction2's ResNet3d family.
# Both are trained from scratch (no ImageNet weights).

# R2D-50: ResNet-50 bottlenecks with 1x3x3 convs only, conv1 1x7x7 stride
# 1x2x2, temporal stride 2 at res3 and res4 (output T, T/2, T/4, T/4 frames).
r2d50 = dict(
    type='ResNet3d',
    depth=50,
    pretrained=None,
    pretrained2d=False,
    conv1_kernel=(1, 7, 7),
    conv1_stride_t=1,
    pool1_stride_t=1,
    inflate=(0, 0, 0, 0),
    spatial_strides=(1, 2, 2, 2),
    temporal_strides=(1, 2, 2, 1),
    with_pool2=False,
    norm_eval=False,
    zero_init_residual=True)

# R(2+1)D-101: the R2D layout at depth 101 plus, in res4 and res5
# ("top-heavy"), a 3x1x1 temporal conv between the first 1x1x1 and the 1x3x3
# conv of every bottleneck.
r2plus1d101 = dict(
    r2d50,
    type='ResNet2Plus1dTopHeavy',
    depth=101,
    temporal_conv_stages=(0, 0, 1, 1))
