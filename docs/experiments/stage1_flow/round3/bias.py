import sys, numpy as np, torch
torch.set_num_threads(2)
from mmengine.config import Config
import mmhcml
from mmengine.registry import init_default_scope; init_default_scope('mmaction')
from mmaction.registry import MODELS
from mmhcml.datasets.video_frames import read_video_frames
from mmhcml.analysis.flow_quality import photometric_error, farneback_flow, model_pair_flows
cfg = Config.fromfile('configs/hcml/synthetic/stage1_real_footage.py')
model = MODELS.build(cfg.model); sd = torch.load(sys.argv[1], weights_only=False); model.load_state_dict(sd.get('state_dict', sd)); model.eval()
start, end = float(sys.argv[2]), float(sys.argv[3])
for v in ['vtest', 'tree', 'Megamind']:
    fr = read_video_frames(f'../shared/real_footage/{v}.avi', (96, 128), 2); fr = fr[int(start * len(fr)):int(end*len(fr))]
    im = torch.from_numpy(fr).float().permute(0, 3, 1, 2) / 255; a, b = im[:-1], im[1:]
    mf = model_pair_flows(model, fr, 8)
    fb = torch.from_numpy(np.stack([farneback_flow(fr[t], fr[t+1]) for t in range(len(a))])).permute(0, 3, 1, 2)
    z = photometric_error(a, b, torch.zeros_like(mf))[0].mean()
    cut = lambda f: float(1 - photometric_error(a, b, f)[0].mean() / z)
    static = (fb.norm(dim=1, keepdim=True) < 0.3)
    s = static.expand_as(mf)
    ms = mf[s].view(-1) if False else mf.permute(1,0,2,3)[:, static[:,0]]
    print(v, 'cut', round(cut(mf),4), 'static frac', float(static.float().mean()))
    print('  static px: mean', ms.mean(1).numpy().round(4), 'std', ms.std(1).numpy().round(4), 'median |f|', float(ms.norm(dim=0).median()))
    # per-pair mean over static pixels
    pm = torch.stack([mf[t][:, static[t,0]].mean(1) for t in range(len(mf))])
    print('  per-pair static mean: abs mean', pm.abs().mean(0).numpy().round(4), 'std over pairs', pm.std(0).numpy().round(4))
    for thr in [0.02, 0.05, 0.1, 0.2]:
        print(f'  zero |model|<{thr}: {cut(mf*(mf.norm(dim=1,keepdim=True)>=thr)):+.4f}', end='')
    print(f'  shrink 0.9: {cut(mf*0.9):+.4f} 1.1: {cut(mf*1.1):+.4f}  minus static-mean: {cut(mf - pm[:,:,None,None]):+.4f}')
