import sys, numpy as np, torch, contextlib
torch.set_num_threads(2)
from mmengine.config import Config
import mmhcml
from mmengine.registry import init_default_scope; init_default_scope('mmaction')
from mmaction.registry import MODELS
from mmhcml.datasets.video_frames import read_video_frames
import mmhcml.analysis.flow_quality as fq
from mmhcml.analysis.flow_quality import photometric_error, model_pair_flows
cfg = Config.fromfile('configs/hcml/synthetic/stage1_real_footage.py')
model = MODELS.build(cfg.model); sd = torch.load(sys.argv[1], weights_only=False); model.load_state_dict(sd.get('state_dict', sd)); model.eval()
start, end = float(sys.argv[2]), float(sys.argv[3])
@contextlib.contextmanager
def trainbn(m):
    m.eval()
    for mod in m.modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            mod.train(); mod.momentum = 0.0
    try: yield
    finally: m.eval()
for v in ['vtest', 'tree', 'Megamind']:
    fr = read_video_frames(f'../shared/real_footage/{v}.avi', (96, 128), 2); fr = fr[int(start * len(fr)):int(end*len(fr))]
    im = torch.from_numpy(fr).float().permute(0, 3, 1, 2) / 255; a, b = im[:-1], im[1:]
    mf = model_pair_flows(model, fr, 8)
    z = photometric_error(a, b, torch.zeros_like(mf))[0].mean()
    cut = lambda f: float(1 - photometric_error(a, b, f)[0].mean() / z)
    orig = fq.eval_mode; fq.eval_mode = trainbn
    with torch.no_grad(): mf2 = model_pair_flows(model, fr, 8)
    fq.eval_mode = orig
    print(v, 'eval-BN cut %+.4f  batch-stat BN cut %+.4f  median|f| %.3f / %.3f' % (cut(mf), cut(mf2), mf.norm(dim=1).median(), mf2.norm(dim=1).median()))
