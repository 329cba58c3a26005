import sys, numpy as np, torch, torch.nn.functional as F
torch.set_num_threads(1)
from mmengine.config import Config
import mmhcml
from mmengine.registry import init_default_scope; init_default_scope('mmaction')
from mmaction.registry import MODELS
from mmhcml.datasets.video_frames import read_video_frames
from mmhcml.analysis.flow_quality import photometric_error, farneback_flow, model_pair_flows
cfg = Config.fromfile('configs/hcml/synthetic/stage1_real_footage.py')
model = MODELS.build(cfg.model); sd = torch.load(sys.argv[1], weights_only=False); model.load_state_dict(sd.get('state_dict', sd)); model.eval()
# usage: where.py CKPT START END VIDEO... [--farneback]  (--farneback: split Farneback's
# error change instead of the model's)
FB = '--farneback' in sys.argv
args = [a for a in sys.argv if a != '--farneback']
start, end = float(args[2]), float(args[3])
for v in args[4:]:
    fr = read_video_frames(f'../shared/real_footage/{v}.avi', (96, 128), 2); fr = fr[int(start * len(fr)):int(end*len(fr))]
    im = torch.from_numpy(fr).float().permute(0, 3, 1, 2) / 255; a, b = im[:-1], im[1:]
    mf = model_pair_flows(model, fr, 8)
    fb = torch.from_numpy(np.stack([farneback_flow(fr[t], fr[t+1]) for t in range(len(a))])).permute(0, 3, 1, 2)
    _, ez = photometric_error(a, b, torch.zeros_like(mf)); _, em = photometric_error(a, b, fb if FB else mf)
    if ez.dim()==4: ez=ez.sum(1); em=em.sum(1)
    moving = (fb.norm(dim=1) >= 0.3).float()
    # distance bands via dilation
    d1 = F.max_pool2d(moving[:,None], 9, 1, 4)[:,0]; d2 = F.max_pool2d(moving[:,None], 25, 1, 12)[:,0]
    bands = {'moving': moving, 'static<=4px': (d1>0)&(moving==0), 'static 4-12px': (d2>0)&(d1==0), 'static >12px': d2==0}
    tot = float(ez.sum())
    print(v, 'error shares: zero %.4f' % (ez.mean()), 'model %.4f' % em.mean(), 'diff as %% of zero-flow total')
    for k, m in bands.items():
        m = m.bool()
        print(f'  {k:15s} frac {float(m.float().mean()):.2f}  zero {float(ez[m].sum())/tot*100:6.1f}%  model-zero {float((em-ez)[m].sum())/tot*100:+6.1f}%  median|f| {float(mf.norm(dim=1)[m].median()):.3f}')
