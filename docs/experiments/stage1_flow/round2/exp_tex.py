"""Translating textures: supervised vs unsupervised level-1 flow."""
import argparse, time, numpy as np, torch
import os; torch.set_num_threads(int(os.environ.get("NT", 2)))
from mmengine.config import Config
import mmhcml  # noqa
from mmengine.registry import init_default_scope; init_default_scope('mmaction')
from mmaction.registry import MODELS
from mmhcml.datasets.translating_textures import render_translating_textures
from mmhcml.analysis.flow_quality import synthetic_epe
p = argparse.ArgumentParser()
p.add_argument('--config', default='/work/main/configs/hcml/synthetic/stage1_synthetic.py')
p.add_argument('--opt', default='adam'); p.add_argument('--lr', type=float, default=1e-3)
p.add_argument('--iters', type=int, default=300); p.add_argument('--sup', action='store_true')
p.add_argument('--model', default='{}'); p.add_argument('--max-shift', type=int, default=4)
p.add_argument('--size', type=int, default=64); p.add_argument('--batch', type=int, default=4)
p.add_argument('--clip', type=int, default=8); p.add_argument('--evalclip', type=int, default=0); p.add_argument('--tag', default='')
p.add_argument('--feature-size', type=int, default=8)
a = p.parse_args(); torch.manual_seed(0)
cfg = Config.fromfile(a.config); cfg.merge_from_dict({'model': eval(a.model)})
model = MODELS.build(cfg.model); model.init_weights(); model.train()
pre = model.data_preprocessor; mean, std = pre.mean.view(1,3,1,1,1), pre.std.view(1,3,1,1,1)
params = [q for q in model.parameters() if q.requires_grad]
opt = (torch.optim.SGD(params, lr=a.lr, momentum=0.9, weight_decay=1e-4) if a.opt == 'sgd'
       else torch.optim.AdamW(params, lr=a.lr, weight_decay=1e-4))
head = model.motion_heads['rec_l1']; t0 = time.time()
for it in range(1, a.iters + 1):
    d = render_translating_textures(a.batch, a.clip, a.size, a.max_shift, a.feature_size, seed=1000 + it)
    x = torch.from_numpy(d.clips).float().permute(0, 4, 1, 2, 3)
    x = ((x - mean) / std)
    if a.sup:
        _, motion = model.backbone(x, return_motion=True, max_level=1)
        flow = head.pair_flow(motion[1], (a.size, a.size))
        truth = torch.from_numpy(d.flow).repeat_interleave(a.clip - 1, 0).view(-1, 2, 1, 1)
        b = a.size // 8
        loss = (flow - truth)[..., b:-b, b:-b].norm(dim=1).mean()
    else:
        losses = model.loss(x[:, None], None)
        loss = sum(v for k, v in losses.items() if k.startswith('loss'))
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(params, 40); opt.step()
    if it % 50 == 0 or it == a.iters:
        r = synthetic_epe(model, a.clip, a.size, num_clips=16, max_shift=a.max_shift); model.train()
        print(f'[{a.tag}] it {it} loss {loss.item():.4f} epe {r["epe"]:.3f} (zero {r["epe_zero"]:.3f}) {time.time()-t0:.0f}s', flush=True)
