"""What each level adds: Figure 2 and Table 1 of the paper on the synthetic
benchmark, over one or several study seeds, and claims (f)-(h).

Figure 2 adds the motion learning of one level at a time: PMB-only (no
self-supervision), joint training from stage 1, from stages 1-2 and from
stages 1-3, and a control whose contrastive targets are shuffled in time
(:mod:`.arms`). Table 1 scores the motion features ``P^l`` a supervision
leaves at each level by the efficacy of a light classifier
(:func:`.evaluate.probe_efficacy`).

Several seeds (each a whole study: its own rendering and trainings) pool as
follows: a figure is the mean over seeds; its 95% interval is the percentile
bootstrap that resamples the test clips of every seed (the same clips for
both sides of a paired difference) and averages over seeds.
"""
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from ..analysis.motion_features import efficacy_score
from .metrics import top1_accuracy

__all__ = ['ARMS', 'SUPERVISIONS', 'HIERARCHY_ARRAYS', 'seed_bootstrap',
           'figure2_table', 'table1_efficacy', 'hierarchy_claims',
           'hierarchy_arrays', 'save_seed_arrays', 'load_seed_arrays',
           'hierarchy_results']

#: the file of a study's work directory that keeps what this module needs
#: of its test scores, so that several seeds can be pooled afterwards
HIERARCHY_ARRAYS = 'hierarchy_arrays.npz'
#: the settings Figure 2 trains its arms in
FIGURE2_SETTINGS = ('lowlabel', 'unbiased')

#: Figure 2's arms in the order levels are added -> the study's model name
ARMS = {'pmb_only': 'pmb_only', 'stage1': 'hcml_stage1',
        'stages1-2': 'hcml_stages12', 'stages1-3': 'hcml',
        'stages1-3, time-shuffled': 'hcml_shuffled'}
#: Table 1's supervisions -> (setting, run) whose ``P^l`` they score
SUPERVISIONS = {'action': ('unbiased', 'pmb'),
                'reconstruction': ('selfsup', 'stage3_recon'),
                'contrastive': ('selfsup', 'stage3')}

#: a per-seed statistic: (seed's arrays, clip indices of its test split)
SeedStat = Callable[[dict, np.ndarray], float]


def seed_bootstrap(seeds: Sequence[dict], stat: SeedStat, reps: int = 1000,
                   seed: int = 0) -> dict:
    """Mean of ``stat`` over seeds and its percentile-bootstrap 95% CI.

    Args:
        seeds: Per seed, the arrays of one study (each with ``labels``).
        stat: ``stat(arrays, idx)`` on that seed's test clips ``idx``.
        reps: Resamples; each draws the test clips of every seed with
            replacement.
        seed: Seed of the resampling.

    Returns:
        dict: ``value``, ``ci95`` and ``per_seed`` (the figure of each seed).
    """
    if not seeds:
        raise ValueError('seed_bootstrap needs at least one seed')
    per_seed = [float(stat(a, np.arange(len(a['labels'])))) for a in seeds]
    rng = np.random.default_rng(seed)
    draws = np.empty(reps)
    for r in range(reps):
        draws[r] = np.mean([
            stat(a, rng.integers(0, len(a['labels']), len(a['labels'])))
            for a in seeds])
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return dict(value=float(np.mean(per_seed)), ci95=[float(lo), float(hi)],
                per_seed=per_seed)


def _top1(setting: str, model: str) -> SeedStat:
    return lambda a, idx: top1_accuracy(a['scores'][setting][model][idx],
                                        a['labels'][idx])


def _gain(setting: str, better: str, worse: str) -> SeedStat:
    return lambda a, idx: (_top1(setting, better)(a, idx) -
                           _top1(setting, worse)(a, idx))


def _efficacy(supervision: str, level: int) -> SeedStat:

    def stat(a, idx):
        entry = a['efficacy'][supervision][level]
        test = top1_accuracy(entry['test_scores'][idx], a['labels'][idx])
        return efficacy_score(entry['train_acc'], test, min_gap=1.0 / len(idx))

    return stat


def figure2_table(seeds: Sequence[dict], settings: Sequence[str],
                  reps: int = 1000, seed: int = 0) -> dict:
    """``{setting: {arm: top-1 with CI}}`` for Figure 2's arms."""
    return {s: {arm: seed_bootstrap(seeds, _top1(s, model), reps, seed)
                for arm, model in ARMS.items()} for s in settings}


def table1_efficacy(seeds: Sequence[dict], reps: int = 1000,
                    seed: int = 0) -> dict:
    """``{supervision: {'level<l>': efficacy with CI, train/test top-1}}``.

    Contrastive supervision starts at level 2 (Eq. 4 predicts level
    ``l - 1`` from level ``l``); its chain's level 1 is stage 1's
    reconstruction, so the table leaves that cell out.
    """
    out: Dict[str, dict] = {}
    for sup in SUPERVISIONS:
        levels = sorted(seeds[0]['efficacy'][sup])
        out[sup] = {}
        for level in levels:
            if sup == 'contrastive' and level < 2:
                continue
            entry = seed_bootstrap(seeds, _efficacy(sup, level), reps, seed)
            entry['train_acc'] = float(np.mean(
                [a['efficacy'][sup][level]['train_acc'] for a in seeds]))
            entry['test_acc'] = float(np.mean([
                top1_accuracy(a['efficacy'][sup][level]['test_scores'],
                              a['labels']) for a in seeds]))
            out[sup][f'level{level}'] = entry
    return out


def hierarchy_claims(seeds: Sequence[dict], reps: int = 1000,
                     seed: int = 0) -> List[dict]:
    """Claims (f)-(h), each with ``value``, ``ci95``, ``target``, ``met``.

    (f) stages 1-3 beat stage 1 alone; (g) the time-shuffled control loses
    that gain; both are paired top-1 differences in the low-label setting
    (the unbiased figures ride along in ``value``). (h) the contrastive
    ``P^l`` is more efficacious than the reconstruction ``P^l`` at levels 2
    and 3.
    """
    n = len(seeds)
    if 'lowlabel' not in common_settings(seeds):
        raise ValueError('claims (f)-(g) need the low-label arms in every '
                         'seed')

    def paired(better, worse, settings=common_settings(seeds)):
        return {s: seed_bootstrap(seeds, _gain(s, better, worse), reps, seed)
                for s in settings}

    f = paired('hcml', 'hcml_stage1')
    g = paired('hcml', 'hcml_shuffled')
    g_rest = paired('hcml_shuffled', 'hcml_stage1')
    h = {}
    for level in (2, 3):
        con, rec = _efficacy('contrastive', level), _efficacy(
            'reconstruction', level)
        h[f'level{level}'] = seed_bootstrap(
            seeds, lambda a, idx, c=con, r=rec: c(a, idx) - r(a, idx), reps,
            seed)

    def brief(entries):
        return ({k: v['value'] for k, v in entries.items()},
                {k: v['ci95'] for k, v in entries.items()})

    f_val, f_ci = brief(f)
    g_val, g_ci = brief(g)
    h_val, h_ci = brief(h)
    return [
        dict(claim='(f) stages 1-3 beat stage 1 alone (top-1 of joint '
             'training from stages 1-3 minus from stage 1; low-label)',
             value=f_val, ci95=f_ci, seeds=n,
             target='low-label paired 95% CI above 0',
             met=bool(f['lowlabel']['ci95'][0] > 0)),
        dict(claim='(g) the time-shuffled control loses that gain (stages '
             '1-3 minus stages 1-3 trained on time-shuffled targets; '
             'low-label)',
             value=dict(g_val, shuffled_minus_stage1={
                 k: v['value'] for k, v in g_rest.items()}),
             ci95=dict(g_ci, shuffled_minus_stage1={
                 k: v['ci95'] for k, v in g_rest.items()}),
             seeds=n, target='low-label paired 95% CI above 0',
             met=bool(g['lowlabel']['ci95'][0] > 0)),
        dict(claim='(h) contrastive efficacy of P^l above reconstruction '
             'efficacy at levels 2-3 (Table 1)',
             value=h_val, ci95=h_ci, seeds=n,
             target='paired 95% CI of the difference above 0 at levels 2 '
             'and 3',
             met=bool(all(v['ci95'][0] > 0 for v in h.values()))),
    ]


def hierarchy_arrays(arrays: dict) -> dict:
    """What this module reads of one study's arrays: the test ``labels``,
    the test ``scores`` of Figure 2's arms (in the settings that trained
    them all) and the ``efficacy`` probes."""
    return dict(
        labels=np.asarray(arrays['labels']),
        scores={s: {m: arrays['scores'][s][m] for m in ARMS.values()}
                for s in FIGURE2_SETTINGS
                if set(ARMS.values()) <= set(arrays['scores'].get(s, {}))},
        efficacy={sup: {lv: dict(train_acc=float(e['train_acc']),
                                 test_scores=e['test_scores'])
                        for lv, e in levels.items()}
                  for sup, levels in arrays['efficacy'].items()})


def save_seed_arrays(path: str, seed_arrays: dict) -> None:
    """Write :func:`hierarchy_arrays` to ``path`` (a ``.npz``)."""
    flat = {'labels': seed_arrays['labels']}
    for s, models in seed_arrays['scores'].items():
        for m, v in models.items():
            flat[f'scores/{s}/{m}'] = v
    for sup, levels in seed_arrays['efficacy'].items():
        for lv, e in levels.items():
            flat[f'efficacy/{sup}/{lv}/train_acc'] = np.asarray(
                e['train_acc'])
            flat[f'efficacy/{sup}/{lv}/test_scores'] = e['test_scores']
    np.savez_compressed(path, **flat)


def load_seed_arrays(path: str) -> dict:
    """Read what :func:`save_seed_arrays` wrote.

    Raises:
        FileNotFoundError: Naming the study run that would write it.
    """
    import os.path as osp
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} does not exist; a finished run of '
            'tools/benchmarks/run_synthetic_benchmark.py writes it into its work '
            'directory')
    out = dict(scores={}, efficacy={})
    with np.load(path) as data:
        for key in data.files:
            parts = key.split('/')
            if parts[0] == 'labels':
                out['labels'] = data[key]
            elif parts[0] == 'scores':
                out['scores'].setdefault(parts[1], {})[parts[2]] = data[key]
            else:
                entry = out['efficacy'].setdefault(parts[1], {}).setdefault(
                    int(parts[2]), {})
                value = data[key]
                entry[parts[3]] = (float(value) if parts[3] == 'train_acc'
                                   else value)
    return out


def common_settings(seeds: Sequence[dict]) -> Tuple[str, ...]:
    """The Figure 2 settings every seed trained the arms of."""
    return tuple(s for s in FIGURE2_SETTINGS
                 if all(s in a['scores'] for a in seeds))


def hierarchy_results(seeds: Sequence[dict], reps: int = 1000,
                      seed: int = 0) -> dict:
    """``figure2``, ``table1`` and ``hierarchy_claims`` over ``seeds`` (the
    settings every seed has)."""
    return dict(figure2=figure2_table(seeds, common_settings(seeds), reps,
                                      seed),
                table1=table1_efficacy(seeds, reps, seed),
                hierarchy_claims=hierarchy_claims(seeds, reps, seed))
