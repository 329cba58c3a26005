# The clips R(2+1)D-101 trains and tests on (appendix D.2): T=32 frames and
# the short side rescaled into [256, 340] (R2D-50: the dataset bases' T=16 on
# Kinetics-400, T=32 on Something-V1/V2, short side in [256, 320]). The
# sampler's stride and every other step stay the dataset's.
# Per transform type, the arguments that replace the dataset pipeline's; the
# configs in configs/hcml/r2plus1d101/ apply them to the pipelines they inherit:
#   pipeline=[dict(step, **_base_.r2plus1d101_inputs.get(step['type'], {}))
#             for step in <inherited pipeline>]
r2plus1d101_inputs = dict(
    SampleFrames=dict(clip_len=32),
    RandomRescale=dict(scale_range=(256, 340)))
