"""Val top-1 / within-pair / pair identity of a trained checkpoint (1 centre view).

python docs/results/synthetic_benchmark/diagnosis/eval_val.py CONFIG CHECKPOINT [DATA_DIR]
"""
import os, sys
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../..'))
sys.path.insert(0, ROOT)
import torch
torch.set_num_threads(1)
from mmhcml.benchmarks.evaluate import ModelRunner, read_split, view_offsets
from mmhcml.benchmarks.metrics import pair_accuracy, pair_identity_accuracy, top1_accuracy
from mmhcml.datasets.synthetic_motion import REVERSAL_PAIRS

data = sys.argv[3] if len(sys.argv) > 3 else ROOT + '/work_dirs/synthetic_benchmark/data'
frames, labels = read_split(data + '/val.txt', data + '/videos')
views = view_offsets(16, 80, 12, 64, 1, 1)
probs, _ = ModelRunner(sys.argv[1], sys.argv[2]).evaluate(frames, views, 12, 64)
print(dict(top1=round(top1_accuracy(probs, labels), 4),
           within_pair=round(pair_accuracy(probs, labels, REVERSAL_PAIRS), 4),
           pair_identity=round(pair_identity_accuracy(probs, labels, REVERSAL_PAIRS), 4)))
