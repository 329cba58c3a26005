import sys, numpy as np, torch
torch.set_num_threads(1)
from mmengine.config import Config
import mmhcml
from mmengine.registry import init_default_scope; init_default_scope('mmaction')
from mmaction.registry import MODELS
from mmhcml.datasets.video_frames import read_video_frames
from mmhcml.analysis.flow_quality import photometric_error, farneback_flow, model_pair_flows
cfg = Config.fromfile('/work/main/configs/hcml/synthetic/stage1_real_footage.py')
model = MODELS.build(cfg.model); sd = torch.load(sys.argv[1], weights_only=False); model.load_state_dict(sd.get('state_dict', sd)); model.eval()
for v in ['vtest', 'tree', 'Megamind']:
    fr = read_video_frames(f'/work/shared/real_footage/{v}.avi', (96, 128), 2); fr = fr[int(0.7 * len(fr)):]
    im = torch.from_numpy(fr).float().permute(0, 3, 1, 2) / 255; a, b = im[:-1], im[1:]
    mf = model_pair_flows(model, fr, 8)
    fb = torch.from_numpy(np.stack([farneback_flow(fr[t], fr[t+1]) for t in range(len(a))])).permute(0, 3, 1, 2)
    z = photometric_error(a, b, torch.zeros_like(mf))[0].mean()
    cut = lambda f: float(1 - photometric_error(a, b, f)[0].mean() / z)
    static = (fb.norm(dim=1, keepdim=True) < 0.3).float()
    print(f'{v}: model {cut(mf):+.3f} | minus its per-pair mean {cut(mf - mf.mean(dim=(2,3), keepdim=True)):+.3f} | zeroed where FB<0.3px {cut(mf*(1-static)):+.3f} | zeroed where |model|<0.1px {cut(mf*(mf.norm(dim=1,keepdim=True)>=0.1)):+.3f} | mean flow {mf.mean(dim=(0,2,3)).numpy().round(3)} static frac {static.mean():.2f}')
