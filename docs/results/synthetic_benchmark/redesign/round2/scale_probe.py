"""Scale of appearance F^l vs motion residual g^l(P^l) and L_cls gradient norms,
for the joint model from scratch vs from stage checkpoints (issue 12 diag)."""
import sys, glob, copy, torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
import mmhcml
init_default_scope('mmaction')
from mmaction.registry import MODELS, DATASETS
from mmengine.dataset import pseudo_collate
W = 'work_dirs/synthetic_benchmark_v3'
cfg = Config.fromfile(f'{W}/configs/unbiased_joint.py')
ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
ds = DATASETS.build(ds_cfg)
torch.manual_seed(0)
idx = torch.randperm(len(ds))[:16].tolist()
batch = pseudo_collate([ds[i] for i in idx])

def build(ckpts):
    torch.manual_seed(1)
    m = MODELS.build(cfg.model); m.init_weights()
    for c in ckpts:
        sd = torch.load(c, map_location='cpu', weights_only=False)['state_dict']
        missing = m.load_state_dict(sd, strict=False)
    m.train()
    return m

def probe(m, tag):
    rec = {}
    hooks = []
    for lv, blk in m.backbone.motion_blocks.items():
        def h(mod, inp, out, lv=lv):
            rec[lv] = (inp[0].detach(), out.detach())
        hooks.append(blk.register_forward_hook(h))
    data = m.data_preprocessor(copy.deepcopy(batch), True)
    m.zero_grad()
    losses = m(**data, mode='loss')
    for hh in hooks: hh.remove()
    lc = losses['loss_cls']
    lc.backward()
    out = [tag, f"loss_cls={lc.item():.3f}"]
    for lv, (x, p) in rec.items():
        fuse = m.backbone.motion_fuses[lv]
        with torch.no_grad():
            g = fuse(p)
        out.append(f"{lv}: rms F={x.pow(2).mean().sqrt():.3f} rms g(P)={g.pow(2).mean().sqrt():.3f} "
                   f"ratio={g.pow(2).mean().sqrt()/x.pow(2).mean().sqrt():.3f} gamma_g={fuse.norm.weight.abs().mean():.3f}")
    def gn(prefix):
        s = 0.0
        for n, p in m.named_parameters():
            if n.startswith(prefix) and p.grad is not None:
                s += p.grad.pow(2).sum().item()
        return s ** 0.5
    for pre in ('backbone.backbone.conv1', 'backbone.backbone.layer1', 'backbone.motion_blocks.level1',
                'backbone.motion_fuses.level1', 'backbone.backbone.layer2', 'backbone.motion_blocks.level2',
                'backbone.backbone.layer3', 'backbone.backbone.layer4', 'cls_head'):
        out.append(f"  grad|{pre}|={gn(pre):.2e}")
    wn = {pre: sum(p.pow(2).sum().item() for n, p in m.named_parameters() if n.startswith(pre))**0.5
          for pre in ('backbone.backbone.conv1', 'backbone.backbone.layer1', 'backbone.motion_blocks.level1')}
    out.append(f"  weight norms {wn}")
    print('\n'.join(out), flush=True)

def last(d):
    return sorted(glob.glob(f'{W}/selfsup/{d}/epoch_*.pth'))[-1]
probe(build([]), 'scratch')
probe(build([last('stage1')]), 'stage1')
if len(sys.argv) > 1:
    probe(build([last('stage1'), last('stage2'), last('stage3')]), 'stages1-3')
