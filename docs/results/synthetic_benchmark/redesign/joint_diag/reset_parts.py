"""Stage checkpoints with some parts put back to a fresh initialisation (val
diagnosis of issue 12): s1_freshpmb = stage 1 with PMB-1, g^1 and the flow
head re-initialised; s1_freshstem = stage 1 with the stem and res2
re-initialised; s3_freshstem = stage 3 (stages 1-3) with the stem and res2
re-initialised. Run from the repository root after the study:
    python docs/results/synthetic_benchmark/redesign/joint_diag/reset_parts.py
"""
import glob, os, torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
import mmhcml
init_default_scope('mmaction')
from mmaction.registry import MODELS
W = 'work_dirs/synthetic_benchmark_v3'
cfg = Config.fromfile(f'{W}/configs/selfsup_stage1.py')
torch.manual_seed(123)
m = MODELS.build(cfg.model); m.init_weights()
fresh = m.state_dict()
src = sorted(glob.glob(f'{W}/selfsup/stage1/epoch_*.pth'))[-1]
STEM = ('backbone.backbone.conv1', 'backbone.backbone.layer1')
PMB1 = ('backbone.motion_blocks.level1', 'backbone.motion_fuses.level1',
        'motion_heads.')
stage3 = sorted(glob.glob(f'{W}/selfsup/stage3/epoch_*.pth'))[-1]
for name, prefixes, path in (('s1_freshpmb', PMB1, src),
                             ('s1_freshstem', STEM, src),
                             ('s3_freshstem', STEM, stage3)):
    ck = torch.load(path, map_location='cpu', weights_only=False)
    sd = dict(ck['state_dict'])
    n = 0
    for k in sd:
        if k.startswith(prefixes) and k in fresh:
            sd[k] = fresh[k].clone(); n += 1
    d = f'work_dirs/jdiag/{name}'
    os.makedirs(d, exist_ok=True)
    torch.save(dict(ck, state_dict=sd), f'{d}/epoch_1.pth')
    open(f'{d}/last_checkpoint', 'w').write(f'{d}/epoch_1.pth')
    print(name, 'reset', n, 'tensors')
