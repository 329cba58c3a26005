"""Tables and plots of the synthetic benchmark study."""
import glob
import json
import os.path as osp
from typing import Dict, List

import numpy as np

__all__ = ['write_report', 'results_markdown', 'claims_markdown',
           'hierarchy_markdown', 'plot_figure2', 'write_seed_pool',
           'MODEL_NAMES', 'SETTING_NAMES']

MODEL_NAMES = {'baseline': 'Baseline R2D', 'pmb_only': 'R2D + PMB (no self-sup)',
               'hcml': 'HCML (PMB + self-sup)'}
SETTING_NAMES = {'unbiased': 'unbiased', 'biased': 'appearance-biased',
                 'lowlabel': 'low-label'}


def _pct(value) -> str:
    return '-' if value is None else f'{100 * value:.1f}'


def _with_ci(entry: dict, key: str) -> str:
    if entry is None or key not in entry:
        return '-'
    lo, hi = entry[f'{key}_ci95']
    return f'{_pct(entry[key])} [{_pct(lo)}, {_pct(hi)}]'


def _fmt(value) -> str:
    if isinstance(value, dict):
        return ', '.join(f'{k}: {_fmt(v)}' for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(_fmt(v) for v in value) + ']'
    if isinstance(value, float):
        return f'{value:.3f}'
    return str(value)


def claims_markdown(claims: List[dict]) -> str:
    """The claims list as a markdown table."""
    lines = ['| claim | value | 95% CI | target | met |', '|---|---|---|---|---|']
    for c in claims:
        lines.append(f'| {c["claim"]} | {_fmt(c["value"])} | '
                     f'{_fmt(c["ci95"])} | {c["target"]} | '
                     f'{"yes" if c["met"] else "**no**"} |')
    return '\n'.join(lines) + '\n'


def results_markdown(results: dict) -> str:
    """Table 2 rows, the probe table and the claims (markdown)."""
    s = results['settings']
    multi = results['views']['multi_key']
    count = multi[len('test_'):-len('view')]
    lines = [
        '## Table 2 on the synthetic benchmark (test split)', '',
        '| training | model | top-1 | within-pair acc. | pair-identity acc. '
        f'| top-1, {count} views | within-pair, {count} views | top-1 on '
        'val_biased |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for setting, models in results['models'].items():
        for name, entry in models.items():
            if name not in MODEL_NAMES:  # Figure 2's arms: their own table
                continue
            lines.append(
                f'| {SETTING_NAMES[setting]} | {MODEL_NAMES[name]} | '
                f'{_with_ci(entry["test_1view"], "top1")} | '
                f'{_with_ci(entry["test_1view"], "within_pair")} | '
                f'{_with_ci(entry["test_1view"], "pair_identity")} | '
                f'{_with_ci(entry.get(multi), "top1")} | '
                f'{_with_ci(entry.get(multi), "within_pair")} | '
                f'{_with_ci(entry.get("val_biased_1view"), "top1")} |')
    classes = len(results['classes'])
    n_test = next(iter(next(iter(results['models'].values())).values()))[
        'test_1view']['num_samples']
    lines += [
        '',
        f'All figures in %, [95% percentile-bootstrap interval over the '
        f'{n_test} test clips, {s["bootstrap"]} resamples]; {classes} '
        f'classes: chance {100 / classes:.1f}% top-1, 50% within a reversal '
        f'pair, {100 / len(results["reversal_pairs"]):.1f}% pair identity. '
        'One view unless marked; ' + results['views']['multi'] + '. '
        f'Training: unbiased / appearance-biased (bias '
        f'{s["appearance_bias"]}): {s["train_per_class"]} clips per class, '
        f'{s["epochs"]} epochs; low-label: {s["lowlabel_per_class"]} clips '
        f'per class, {s["lowlabel_epochs"]} epochs; the HCML stages: '
        f'{s["stage_epochs"]} epoch(s) each on {s["unlabelled"]} unlabelled '
        f'clips. {s["clip_len"]}-frame {s["crop"]}x{s["crop"]} clips from '
        f'{s["frames"]}-frame {s["size"]}x{s["size"]} videos.',
        '',
        '## Linear probe of pooled level-l features (Table 1 style, test)',
        '',
        '| model (unbiased training) | level | channels | top-1 | '
        'within-pair acc. |',
        '|---|---|---|---|---|',
    ]
    for name, levels in results['probe'].items():
        for level, entry in levels.items():
            lines.append(f'| {MODEL_NAMES[name]} | {level[-1]} | '
                         f'{entry["channels"]} | {_with_ci(entry, "top1")} | '
                         f'{_with_ci(entry, "within_pair")} |')
    lines += ['', 'Ridge regression on globally averaged Z^l (F^l for the '
              'baseline), fitted on the train split, ridge strength chosen '
              'on val.', '']
    if 'figure2' in results:
        lines.append(hierarchy_markdown(results))
    lines += ['## Claims', '', claims_markdown(results['claims'])]
    if 'total_minutes' in results:
        lines.append(f'Total wall time {results["total_minutes"]:.1f} min.')
    return '\n'.join(lines) + '\n'


def hierarchy_markdown(results: dict) -> str:
    """Figure 2 (top-1 per arm) and Table 1 (efficacy of ``P^l``) as
    markdown, from ``results['figure2']`` and ``results['table1']``."""
    first = next(iter(results['figure2'].values()))
    arm_names = list(first)
    seeds = len(first[arm_names[0]]['per_seed'])
    lines = [f'## What each level adds (Figure 2, test top-1 %, {seeds} '
             'seed(s))', '',
             '| training | ' + ' | '.join(arm_names) + ' |',
             '|---|' + '---|' * len(arm_names)]
    for setting, arms in results['figure2'].items():
        cells = [f'{_pct(e["value"])} [{_pct(e["ci95"][0])}, '
                 f'{_pct(e["ci95"][1])}]' for e in arms.values()]
        lines.append(f'| {SETTING_NAMES[setting]} | ' + ' | '.join(cells)
                     + ' |')
    lines += ['', 'Each arm is joint training (Eq. 5 with the heads of the '
              'levels it adds) from the self-supervised stages named; '
              'pmb_only has no self-supervision; the time-shuffled arm '
              'trains stages 2-3 and joint training on contrastive targets '
              'permuted in time. [95% bootstrap interval over test clips, '
              'pooled over seeds.]', '',
              f'## Efficacy of the motion features P^l (Table 1, {seeds} '
              'seed(s))', '',
              '| supervision | level 1 | level 2 | level 3 |',
              '|---|---|---|---|']
    for sup, levels in results['table1'].items():
        cells = []
        for level in (1, 2, 3):
            e = levels.get(f'level{level}')
            cells.append('-' if e is None else (
                f'{e["value"]:.1f} [{e["ci95"][0]:.1f}, {e["ci95"][1]:.1f}] '
                f'({_pct(e["train_acc"])} / {_pct(e["test_acc"])})'))
        lines.append(f'| {sup} | ' + ' | '.join(cells) + ' |')
    lines += ['', 'Efficacy = Acc_train / (Acc_train - Acc_test) of a ridge '
              'probe on globally averaged P^l (train split, alpha chosen on '
              'val), the gap floored at 1/N_test; (train / test top-1 %). '
              'action: PMB-only trained on labels; reconstruction: Eq. 2-3 '
              'at every level (stage 1, then levels 2 and 3 frozen in turn '
              'as in stages 2-3); contrastive: the paper\'s stages 1-3.', '']
    return '\n'.join(lines) + '\n'


def plot_figure2(results: dict, path: str) -> None:
    """Top-1 of Figure 2's arms with their intervals, one panel per
    setting."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    settings = list(results['figure2'])
    fig, axes = plt.subplots(1, len(settings), figsize=(5 * len(settings),
                                                         3.5), squeeze=False)
    for ax, setting in zip(axes[0], settings):
        arms = results['figure2'][setting]
        values = np.array([100 * e['value'] for e in arms.values()])
        ci = np.array([[100 * c for c in e['ci95']] for e in arms.values()])
        xs = np.arange(len(arms))
        ax.bar(xs, values, color=['grey'] + ['C0'] * (len(arms) - 2)
               + ['C3'])
        ax.errorbar(xs, values, yerr=[values - ci[:, 0], ci[:, 1] - values],
                    fmt='none', ecolor='k', capsize=3)
        ax.set_xticks(xs, list(arms), rotation=25, ha='right', fontsize=8)
        ax.set_ylabel('test top-1 (%)')
        ax.set_ylim(max(0, values.min() - 20), 100)
        ax.set_title(f'adding levels, {SETTING_NAMES[setting]} training')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


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
            if name not in results['models'][setting]:
                continue  # a study without Table 2's baseline
            values = [np.nan if v is None else 100 * v for v in results[
                'models'][setting][name]['test_1view']['per_class']]
            ax.bar(x + (i - 1) * width, values, width, label=MODEL_NAMES[name])
        ax.axhline(100 / len(classes), color='grey', lw=0.8, ls='--')
        ax.set_xticks(x, classes, rotation=40, ha='right', fontsize=8)
        ax.set_ylabel('top-1 (%)')
        ax.set_ylim(0, 100)
        ax.set_title(f'per-class test accuracy, {SETTING_NAMES[setting]} '
                     'training, 1 view')
    axes[0, 0].legend(fontsize=8, ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_probe(results: dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for ax, key, chance in ((axes[0], 'within_pair', 50),
                            (axes[1], 'top1', 100 / len(results['classes']))):
        for name, levels in results['probe'].items():
            lv = sorted(levels)
            values = np.array([100 * levels[k][key] for k in lv])
            ci = np.array([[100 * c for c in levels[k][f'{key}_ci95']]
                           for k in lv])
            xs = [int(k[-1]) for k in lv]
            ax.errorbar(xs, values, yerr=[values - ci[:, 0],
                                          ci[:, 1] - values],
                        marker='o', capsize=3, label=MODEL_NAMES[name])
        ax.axhline(chance, color='grey', lw=0.8, ls='--')
        ax.set_xlabel('level l')
        ax.set_xticks([1, 2, 3])
        ax.set_ylabel(f'{key} (%)')
        ax.set_title(f'linear probe of pooled level-l features: {key}')
    axes[0].legend(fontsize=8)
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
    from .synthetic_study import SETTINGS
    rows_of = ['selfsup', *SETTINGS]
    fig, axes = plt.subplots(1, len(rows_of), figsize=(4.5 * len(rows_of),
                                                       3.5), squeeze=False)
    for ax, setting in zip(axes[0], rows_of):
        runs = [run for where, run in study.runs() if where == setting]
        for run in runs:
            rows = _scalars(study.run_dir(setting, run))
            loss = [(r['step'], r['loss']) for r in rows if 'loss' in r]
            if loss:
                ax.plot(*zip(*loss), label=run, lw=1)
        ax.set_title(f'training loss ({setting})')
        ax.set_xlabel('iteration')
        ax.set_yscale('log')
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_flow(study, arrays: dict, path: str, examples: int) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import torch

    from ..analysis.flow_vis import (flow_grid, load_flow_model,
                                     predict_level_flows)
    from ..datasets.synthetic_motion import MOTION_CLASSES
    s = study.s
    # HCML of the unbiased setting; a sweep seed (no Table 2) trains it
    # in the low-label setting only
    config, checkpoint = study.model_run(
        'unbiased' if s.table2 else 'lowlabel', 'hcml')
    model, _ = load_flow_model(config, checkpoint, [1])
    frames_all, labels = arrays['flow_frames'], arrays['labels']
    step = max(len(labels) // examples, 1)
    chosen = list(range(0, len(labels), step))[:examples]
    t0, off = (s.frames - s.clip_len) // 2, (s.size - s.crop) // 2
    fig, axes = plt.subplots(1, len(chosen), figsize=(3.2 * len(chosen), 7),
                             squeeze=False)
    dp = model.data_preprocessor
    for ax, k in zip(axes[0], chosen):
        frames = frames_all[k, t0:t0 + s.clip_len, off:off + s.crop,
                            off:off + s.crop]
        clip = torch.from_numpy(np.ascontiguousarray(frames)).permute(
            3, 0, 1, 2)[None].float()
        clip = (clip - dp.mean) / dp.std
        with torch.no_grad():
            flow = predict_level_flows(model, clip, [1])[1]
        grid = flow_grid(frames[:4], flow.flow[0, :3].numpy(),
                         flow.pairs[:3])
        ax.imshow(grid)
        ax.set_title(f'{MOTION_CLASSES[int(labels[k])]}\nframe t | t+1 | '
                     'flow', fontsize=9)
        ax.axis('off')
    fig.suptitle('HCML level-1 flow (flow head of the joint model)')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(study, results: dict, arrays: dict,
                 plots: bool = True) -> Dict[str, str]:
    """Write results.json, results.md and (``plots``) the plots."""
    out = study.out
    paths = dict(json=osp.join(out, 'results.json'),
                 markdown=osp.join(out, 'results.md'),
                 per_class=osp.join(out, 'per_class_accuracy.png'),
                 probe=osp.join(out, 'probe_levels.png'),
                 curves=osp.join(out, 'training_curves.png'),
                 flow=osp.join(out, 'flow_examples.png'),
                 figure2=osp.join(out, 'figure2_levels.png'))
    results['outputs'] = paths
    with open(paths['json'], 'w') as f:
        json.dump(results, f, indent=2)
    with open(paths['markdown'], 'w') as f:
        f.write('# Synthetic motion benchmark: Table 2 measured\n\n')
        f.write(results_markdown(results))
    if plots:
        _plot_per_class(results, paths['per_class'])
        _plot_probe(results, paths['probe'])
        _plot_curves(study, paths['curves'])
        _plot_flow(study, arrays, paths['flow'], study.s.flow_examples)
        plot_figure2(results, paths['figure2'])
    return paths


def write_seed_pool(study_dirs: List[str], out: str, reps: int = 1000,
                    seed: int = 0) -> Dict[str, str]:
    """Pool finished studies (one per seed) into Figure 2, Table 1 and
    claims (f)-(h) (:func:`.hierarchy.hierarchy_results`).

    Writes ``hierarchy.json``, ``hierarchy.md`` and ``figure2_levels.png``
    into ``out``.

    Raises:
        FileNotFoundError: If a directory holds no finished study.
    """
    import os

    from .hierarchy import (HIERARCHY_ARRAYS, hierarchy_results,
                            load_seed_arrays)
    seeds = [load_seed_arrays(osp.join(d, HIERARCHY_ARRAYS))
             for d in study_dirs]
    results = hierarchy_results(seeds, reps, seed)
    results['claims'] = results.pop('hierarchy_claims')
    results['studies'] = [osp.abspath(d) for d in study_dirs]
    os.makedirs(out, exist_ok=True)
    paths = dict(json=osp.join(out, 'hierarchy.json'),
                 markdown=osp.join(out, 'hierarchy.md'),
                 figure2=osp.join(out, 'figure2_levels.png'))
    with open(paths['json'], 'w') as f:
        json.dump(results, f, indent=2)
    with open(paths['markdown'], 'w') as f:
        f.write(f'# What each level adds: {len(seeds)} seeds pooled\n\n')
        f.write('Studies: ' + ', '.join(study_dirs) + '\n\n')
        f.write(hierarchy_markdown(results))
        f.write('## Claims\n\n' + claims_markdown(results['claims']))
    plot_figure2(results, paths['figure2'])
    return paths
