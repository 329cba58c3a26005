import os, sys
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../..'))
sys.path.insert(0, ROOT)
import sys, math, numpy as np, cv2
pass
from dataclasses import replace
import mmhcml.datasets.synthetic_motion as sm
import mmhcml.datasets._synthetic_drawing as sd
_sdf = sd.shape_sdf
sd.shape_sdf = lambda shape, u, v: (sd._box(u, v, 0.0, 0.0, 0.95, 0.3) if shape == 'bar' else _sdf(shape, u, v))
rows=[]
for lab in range(14):
    s=sm.sample_clip_spec(lab, sm._clip_rng(0,'val',lab,0), num_frames=16)
    pair=lab//2; kw={'background':('flat','gradient')[s.bg_seed%2]}
    if pair<4:
        d=sm._PAIR_MOTIONS[pair][1]; th=math.atan2(d[1],d[0]); kw.update(shape='bar',angle_start=th,angle_end=th)
    else: kw['shape']=('pacman','latin_cross','triangle')[pair-4]
    c=sm.render_clip(replace(s,**kw),16,80)
    rows.append(np.concatenate([c[2],c[8],c[14]],1))
img=np.concatenate([np.concatenate(rows[0::2],0),np.concatenate(rows[1::2],0)],1)
cv2.imwrite('montage_v2.png', img[...,::-1])
