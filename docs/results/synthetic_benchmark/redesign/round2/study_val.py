"""Val top-1 (end of training) and loss_cls trajectory of every run of a study work dir."""
import sys, glob, re
W = sys.argv[1]
for setting in ('unbiased', 'biased', 'lowlabel'):
    for run in ('baseline', 'pmb', 'joint'):
        logs = sorted(glob.glob(f'{W}/{setting}/{run}/*/*.log'))
        if not logs: continue
        t = open(logs[-1]).read()
        acc = re.findall(r'acc/top1: ([0-9.]+)', t)
        loss = [float(x) for x in re.findall(r'loss_cls: ([0-9.]+)', t)]
        k = next((i for i, l in enumerate(loss) if l < 1.95), None)
        print(f'{setting:9s} {run:8s} val top1 {acc[-1] if acc else "-":>7s}  loss_cls<1.95 from log line {k} of {len(loss)}, last {loss[-1] if loss else "-"}')
