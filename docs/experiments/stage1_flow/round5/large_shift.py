"""Round 5: end-point error on translating textures, small and large shifts.

``flow_quality.py`` renders shifts up to 4 px/frame; this adds clips up to 8
px/frame (the range a handheld camera reaches at 96x128) to tell whether a
recipe learns motion beyond what its training clips contained:

    python docs/experiments/stage1_flow/round5/large_shift.py CONFIG CKPT
"""
import sys

import mmhcml  # noqa: F401
from mmhcml.analysis.flow_quality import synthetic_epe
from mmhcml.analysis.flow_vis import load_flow_model

model, _ = load_flow_model(sys.argv[1], sys.argv[2], [1])
for shift in (4, 8):
    r = synthetic_epe(model, 8, 64, num_clips=32, max_shift=shift)
    print(f'max_shift {shift}: EPE {r["epe"]:.2f} px (zero flow '
          f'{r["epe_zero"]:.2f} px, {r["clips"]} clips)', flush=True)
