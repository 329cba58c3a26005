import os, sys
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../..'))
sys.path.insert(0, ROOT)
import sys, numpy as np, torch
torch.set_num_threads(1); pass
from mmengine.config import Config
from mmengine.registry import init_default_scope
import mmhcml  # noqa
init_default_scope('mmaction')
from mmaction.registry import MODELS
z = np.load(sys.argv[1]); X, y = z['a'], z['b']  # a probe.py --v2 --bgs flat,gradient cache
cfg = Config.fromfile(ROOT + '/configs/hcml/synthetic/baseline_synthetic.py')
torch.manual_seed(0); m = MODELS.build(cfg.model); m.init_weights(); m.train()
mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1, 1); std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1, 1)
idx = np.arange(0, 336, 24)[:8]
x = (torch.from_numpy(X[idx, 4:8, 8:72, 8:72]).float().permute(0, 4, 1, 2, 3) - mean) / std
print('input', x.shape, float(x.mean()), float(x.std()))
f = m.backbone(x); print('feat', f.shape, 'std over batch', float(f.std(0).mean()), 'mean', float(f.mean()))
pooled = f.mean((2, 3, 4)); print('pooled std over batch', float(pooled.std(0).mean()), 'pooled mean abs', float(pooled.abs().mean()))
logit = m.cls_head(f); print('logits std over batch', float(logit.std(0).mean()), logit[:2])
loss = torch.nn.functional.cross_entropy(logit, torch.from_numpy(y[idx])); loss.backward()
for n, p in m.named_parameters():
    if p.grad is not None and ('conv1.conv' in n or 'fc_cls' in n or 'layer4.1.conv2' in n): print(n, float(p.grad.norm()), float(p.norm()))
