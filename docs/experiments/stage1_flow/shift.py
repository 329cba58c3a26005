"""Translating textures: does stage 1 learn a known global shift?"""
import argparse, random
import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
import patches
from mmhcml.models.recognizers.hcml_recognizer import motion_head_inputs
import torch.nn.functional as F
torch.set_num_threads(1)
import logging; from mmengine.logging import MMLogger; MMLogger.get_current_instance().setLevel(logging.ERROR)
p = argparse.ArgumentParser(); p.add_argument('--cfg', default='configs/hcml/synthetic/stage1_synthetic.py')
p.add_argument('--iters', type=int, default=200); p.add_argument('--opt', default='sgd'); p.add_argument('--lr', type=float, default=0.05)
p.add_argument('--wd', type=float, default=1e-4); p.add_argument('--bs', type=int, default=4); p.add_argument('--T', type=int, default=8)
p.add_argument('--maxshift', type=int, default=3); p.add_argument('--size', type=int, default=64)
p.add_argument('--opts', nargs='*', default=[]); p.add_argument('--seed', type=int, default=0); p.add_argument('--sup', action='store_true'); p.add_argument('--tex', type=int, default=2)
a = p.parse_args()
torch.manual_seed(a.seed); random.seed(a.seed)
cfg = Config.fromfile(a.cfg)
if a.opts: cfg.merge_from_dict({k: eval(v) for k, v in (o.split('=', 1) for o in a.opts)})
model = MODELS.build(cfg.model); model.init_weights(); model.train()
head = model.motion_heads['rec_l1']
mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1, 1); std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1, 1)
def clips(bs, g=None):
    S = a.size; m = a.maxshift * (a.T - 1); C = S + 2 * m
    out = []; shifts = []
    for _ in range(bs):
        tex = torch.rand(1, 3, C // a.tex, C // a.tex, generator=g)
        tex = F.interpolate(tex, size=(C, C), mode='bilinear', align_corners=False)[0] * 255
        dx, dy = random.randint(-a.maxshift, a.maxshift), random.randint(-a.maxshift, a.maxshift)
        fr = [tex[:, m + dy * t: m + dy * t + S, m + dx * t: m + dx * t + S] for t in range(a.T)]
        # frame t+1 = window shifted by (dx,dy): content at x in frame t is at x - dx in t+1 -> flow = (-dx, -dy)
        out.append(torch.stack(fr, 1)); shifts.append((-dx, -dy))
    return torch.stack(out), torch.tensor(shifts, dtype=torch.float)
params = [q for q in model.parameters() if q.requires_grad]
opt = torch.optim.SGD(params, lr=a.lr, momentum=0.9, weight_decay=a.wd) if a.opt == 'sgd' else torch.optim.AdamW(params, lr=a.lr, weight_decay=a.wd)
warm = max(1, a.iters // 10)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: min(1, (i + 1) / warm) * 0.5 * (1 + np.cos(np.pi * min(i, a.iters) / a.iters)))
def epe(x, sh):
    _, motion = model.backbone((x - mean) / std, return_motion=True, max_level=1)
    fl = head.pair_flow(motion[1], x.shape[-2:])
    n = x.shape[0]; gt = sh.repeat_interleave(a.T - 1, 0)[:, :, None, None]
    return (fl - gt)[..., 8:-8, 8:-8].norm(dim=1).mean().item(), fl[..., 8:-8, 8:-8].mean((2, 3))
t0 = time.time()
for it in range(a.iters):
    x, sh = clips(a.bs)
    _, motion = model.backbone((x - mean) / std, return_motion=True, max_level=1)
    losses = head.loss(motion_head_inputs(head, motion), x / 255.)
    loss = sum(v for k, v in losses.items() if k.startswith('loss'))
    if a.sup:
        fl = head.pair_flow(motion[1], x.shape[-2:]); gt = sh.repeat_interleave(a.T - 1, 0)[:, :, None, None]; loss = (fl - gt).norm(dim=1).mean()
    opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    if it % 50 == 0 or it == a.iters - 1:
        with torch.no_grad():
            e, _ = epe(x, sh)
        print(it, {k: round(float(v), 5) for k, v in losses.items()}, 'train-epe %.2f' % e, f'{time.time()-t0:.0f}s', flush=True)
model.eval(); random.seed(123)
with torch.no_grad():
    x, sh = clips(16); e, mf = epe(x, sh)
print('EVAL epe %.3f (zero-flow epe %.3f)' % (e, sh.norm(dim=1).mean()), 'time %.0fs' % (time.time() - t0))
print('gt', sh[:4].tolist(), 'pred', [[round(v, 2) for v in r] for r in mf[::a.T - 1][:4].tolist()])
