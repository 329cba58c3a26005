"""H-label/H-codec: do decoded training videos match the re-rendered spec of their label?"""
import os, sys
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../..'))
sys.path.insert(0, ROOT)

import numpy as np, decord, time
from mmhcml.datasets.synthetic_motion import (_clip_rng, sample_clip_spec, render_clip, MOTION_CLASSES)
root=ROOT + '/work_dirs/synthetic_benchmark/data'
lines=open(f'{root}/train.txt').read().split('\n')[:-1]
for k in [0, 30, 100, 200, 335]:
    rel, lab = lines[k].split(); lab=int(lab)
    i = int(rel.split('_')[-1][:4])
    spec = sample_clip_spec(lab, _clip_rng(0,'train',lab,i), num_frames=16)
    t=time.time(); ref = render_clip(spec, 16, 80).astype(np.float64); rt=time.time()-t
    vr = decord.VideoReader(f'{root}/videos/{rel}')
    dec = vr.get_batch(list(range(len(vr)))).asnumpy().astype(np.float64)
    mse = ((dec-ref)**2).mean(); psnr = 10*np.log10(255**2/mse)
    # how big is the object signal: frame minus background median
    diff = np.abs(ref[8]-np.median(ref[8].reshape(-1,3),0)).sum(-1)
    print(rel, lab, MOTION_CLASSES[lab], dec.shape, f'psnr {psnr:.1f} dB  render {rt*1000:.0f} ms  err_max {np.abs(dec-ref).max():.0f}')
