import sys, torch, time
torch.set_num_threads(1)
from mmengine.config import Config
from mmengine.registry import init_default_scope
import mmhcml
init_default_scope('mmaction')
from mmaction.registry import MODELS, DATASETS
from mmengine.dataset import pseudo_collate
cfg = Config.fromfile(sys.argv[1])
opt_name = sys.argv[2]; lr = float(sys.argv[3]); steps = int(sys.argv[4])
ds = DATASETS.build(cfg.train_dataloader.dataset)
torch.manual_seed(0)
idx = torch.randperm(len(ds))[:16].tolist()
batch = pseudo_collate([ds[i] for i in idx])
model = MODELS.build(cfg.model); model.train()
data = model.data_preprocessor(batch, True)
print('input stats', data['inputs'].shape, float(data['inputs'].mean()), float(data['inputs'].std()))
opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4) if opt_name=='sgd' else torch.optim.AdamW(model.parameters(), lr=lr)
for s in range(steps):
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    opt.zero_grad(); loss.backward(); opt.step()
    if s % 10 == 0: print(s, float(loss), {k: round(float(v),3) for k,v in losses.items()})
