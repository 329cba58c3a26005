import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
import torch.nn.functional as F
import logging; from mmengine.logging import MMLogger; MMLogger.get_current_instance().setLevel(logging.ERROR)
from mmhcml.models.ops import temporal_cost_volume, upsample_flow
torch.manual_seed(0)
cfg = Config.fromfile('configs/hcml/synthetic/stage1_synthetic.py')
model = MODELS.build(cfg.model); model.init_weights(); model.eval()
pmb = model.backbone.motion_blocks['level1']
mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1, 1); std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1, 1)
d = 4; disp = torch.tensor([(dx, dy) for dy in range(-d, d + 1) for dx in range(-d, d + 1)], dtype=torch.float)  # check ordering below
def softarg(cv, tau):
    p = F.softmax(cv / tau, dim=1)  # (B, M, h, w)
    return torch.einsum('bmhw,mc->bchw', p, disp)
for v in VIDEOS:
    a = load(v); n = len(a); lo = int(0.7 * n)
    res = {}
    for s in range(lo, n - 8, 7):
        x = to_t(a[s:s + 8])[None]
        with torch.no_grad():
            feats = model.backbone.backbone.conv1(((x - mean) / std))
            feats = model.backbone.backbone.maxpool(feats); feats = model.backbone.backbone.layer1(feats)
            red = pmb.reduce(feats)
            raw = F.avg_pool3d(x / 255., (1, 4, 4))
            raw = raw - raw.mean(1, keepdim=True)
            fr = x[0].transpose(0, 1) / 255.
            for name, f in (('pmbfeat', red), ('rawpix', raw), ('featcentred', feats - feats.mean(1, keepdim=True))):
                cv = temporal_cost_volume(f, d, 1)[0].transpose(0, 1)[:-1]  # (T-1, M, h, w)
                for tau in (0.02, 0.1):
                    fl = upsample_flow(softarg(cv, tau), (96, 128))
                    res.setdefault((name, tau), []).append((phot(fr[:-1], fr[1:], fl * 0), phot(fr[:-1], fr[1:], fl)))
    for k, r in res.items():
        r = np.array(r).mean(0); print(os.path.basename(v), k, 'cut %.1f%%' % (100 * (1 - r[1] / r[0])))
