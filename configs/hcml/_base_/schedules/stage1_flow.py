# Optimiser of stage 1 (the flow reconstruction of section 3.2), used by every
# stage-1 config: AdamW, lr 1e-3 (weight decay 1e-4, gradient norm clipped at
# 40 as in hcml_runtime.py). D.2 trains every stage with SGD; in stage 1 SGD
# learns only the flow estimator's bias (a constant flow, 0.02-0.2 px
# everywhere, that raises the photometric error on every real video), while
# AdamW learns flow that follows the motion. Measurements:
# docs/research/stage1_flow_generalisation/. Stages 2, 3 and joint training
# keep D.2's SGD.
# Entry configs take it as
#   optim_wrapper = dict(optimizer={{_base_.stage1_optimizer}})
stage1_optimizer = dict(
    _delete_=True, type='AdamW', lr=1e-3, weight_decay=1e-4)
