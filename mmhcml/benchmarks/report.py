"""Tables and plots of the synthetic benchmark study."""
import glob
import json
import os.path as osp
from typing import Dict, List

import numpy as np

__all__ = ['write_report', 'results_markdown']

MODEL_NAMES = {'baseline': 'Baseline R2D', 'pmb_only': 'R2D + PMB (no self-sup)',
               'hcml': 'HCML (PMB + self-sup)'}


def _pct(value) -> str:
    return '-' if value is None else f'{100 * value:.1f}'


def results_markdown(results: dict) -> str:
    """The results table (markdown) of a study."""
    s = results['settings']
    lines = [
        '| training data | model | top-1, 1 view | top-1, 30 views | '
        'within-pair acc., 1 view | within-pair acc., 30 views | '
        'top-1 on biased val, 1 view |',
        '|---|---|---|---|---|---|---|',
    ]
    for setting, models in results['models'].items():
        label = ('unbiased' if setting == 'unbiased' else
                 f'appearance bias {s["appearance_bias"]}')
        for name, entry in models.items():
            biased = entry.get('val_biased_1view', {}).get('top1')
            lines.append(
                f'| {label} | {MODEL_NAMES[name]} | '
                f'{_pct(entry["val_1view"]["top1"])} | '
                f'{_pct(entry["val_30view"]["top1"])} | '
                f'{_pct(entry["val_1view"]["pair_acc"])} | '
                f'{_pct(entry["val_30view"]["pair_acc"])} | {_pct(biased)} |')
    chance = 100 / len(results['classes'])
    lines += [
        '',
        f'All figures in %, on the unbiased validation split '
        f'({results["models"]["unbiased"]["baseline"]["val_1view"]["num_samples"]} '
        f'clips, {len(results["classes"])} classes: chance {chance:.1f}% top-1, '
        '50% within a reversal pair) unless marked biased. '
        f'Training: {s["train_per_class"]} clips per class, {s["epochs"]} '
        f'epochs ({s["stage_epochs"]} per self-supervised stage on '
        f'{s["unlabelled"]} unlabelled clips), {s["size"]}x{s["size"]} px, '
        f'8-frame clips from {s["frames"]}-frame videos. Total time '
        f'{results["total_minutes"]:.1f} min.',
    ]
    return '\n'.join(lines) + '\n'


def _plot_per_class(results: dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    classes = results['classes']
    settings = list(results['models'])
    fig, axes = plt.subplots(len(settings), 1,
                             figsize=(12, 3.2 * len(settings)), squeeze=False)
    width = 0.8 / len(MODEL_NAMES)
    x = np.arange(len(classes))
    for ax, setting in zip(axes[:, 0], settings):
        for i, name in enumerate(MODEL_NAMES):
            values = [np.nan if v is None else 100 * v for v in
                      results['models'][setting][name]['val_1view']['per_class']]
            ax.bar(x + (i - 1) * width, values, width, label=MODEL_NAMES[name])
        ax.axhline(100 / len(classes), color='grey', lw=0.8, ls='--')
        ax.set_xticks(x, classes, rotation=40, ha='right', fontsize=8)
        ax.set_ylabel('top-1 (%)')
        ax.set_ylim(0, 100)
        ax.set_title(f'per-class accuracy, {setting} training, 1 view')
    axes[0, 0].legend(fontsize=8, ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _scalars(run_dir: str) -> List[dict]:
    files = sorted(glob.glob(osp.join(run_dir, '*', 'vis_data',
                                      'scalars.json')))
    rows = []
    for file in files:
        with open(file) as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def _plot_curves(study, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from .synthetic_study import MODELS, SETTINGS
    fig, axes = plt.subplots(len(SETTINGS), 2, figsize=(12, 3.5 * len(SETTINGS)),
                             squeeze=False)
    for row, setting in enumerate(SETTINGS):
        for name, chain in MODELS.items():
            for run in chain:
                rows = _scalars(study.run_dir(setting, run))
                loss = [(r['step'], r['loss']) for r in rows if 'loss' in r]
                if loss:
                    label = name if run == chain[-1] else f'{name}: {run}'
                    axes[row, 0].plot(*zip(*loss), label=label, lw=1)
                acc = [(r['step'], 100 * r['acc/top1']) for r in rows
                       if 'acc/top1' in r]
                if acc:
                    axes[row, 1].plot(*zip(*acc), marker='o', label=name)
        axes[row, 0].set_title(f'training loss ({setting} training)')
        axes[row, 0].set_xlabel('iteration')
        axes[row, 0].legend(fontsize=7)
        axes[row, 1].set_title(f'val top-1 % ({setting} training, 1 view)')
        axes[row, 1].set_xlabel('epoch')
        axes[row, 1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_flow(study, path: str, examples: int) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import torch

    from ..analysis.flow_vis import (flow_grid, load_flow_model,
                                     predict_level_flows)
    from ..analysis._utils import read_video_clip
    from ..datasets.synthetic_motion import MOTION_CLASSES
    config = osp.join(study.out, 'configs', 'unbiased_joint.py')
    model, _ = load_flow_model(config, study.checkpoint('unbiased', 'joint'),
                               [1])
    data = osp.join(study.out, 'data', 'unbiased')
    with open(osp.join(data, 'val.txt')) as f:
        entries = [line.split() for line in f if line.strip()]
    step = max(len(entries) // examples, 1)
    chosen = entries[::step][:examples]
    fig, axes = plt.subplots(1, len(chosen), figsize=(3.2 * len(chosen), 7),
                             squeeze=False)
    dp = model.data_preprocessor
    for ax, (video, label) in zip(axes[0], chosen):
        frames = read_video_clip(osp.join(data, 'videos', video), 8,
                                 study.s.size)
        clip = torch.from_numpy(frames).permute(3, 0, 1, 2)[None].float()
        clip = (clip - dp.mean) / dp.std
        flow = predict_level_flows(model, clip, [1])[1]
        grid = flow_grid(frames[:4], flow.flow[0, :3].numpy(),
                         flow.pairs[:3])
        ax.imshow(grid)
        ax.set_title(f'{MOTION_CLASSES[int(label)]}\nframe t | t+1 | flow',
                     fontsize=9)
        ax.axis('off')
    fig.suptitle('HCML level-1 flow (flow head of the joint model)')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(study, results: dict) -> Dict[str, str]:
    """Write results.json, results.md and the plots into the work dir."""
    out = study.out
    paths = dict(json=osp.join(out, 'results.json'),
                 markdown=osp.join(out, 'results.md'),
                 per_class=osp.join(out, 'per_class_accuracy.png'),
                 curves=osp.join(out, 'training_curves.png'),
                 flow=osp.join(out, 'flow_examples.png'))
    results['outputs'] = paths
    with open(paths['json'], 'w') as f:
        json.dump(results, f, indent=2)
    with open(paths['markdown'], 'w') as f:
        f.write('# Synthetic motion benchmark: Table 2 measured\n\n')
        f.write(results_markdown(results))
    _plot_per_class(results, paths['per_class'])
    _plot_curves(study, paths['curves'])
    _plot_flow(study, paths['flow'], study.s.flow_examples)
    return paths
