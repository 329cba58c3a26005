"""The synthetic study's Figure 2 / Table 1 arms and claims (f)-(h)."""
import numpy as np
import pytest
from mmengine.config import Config

from mmhcml.benchmarks.arms import RUNS, SELF_SUP, motion_heads
from mmhcml.analysis.motion_features import efficacy_score
from mmhcml.benchmarks.evaluate import probe_efficacy
from mmhcml.benchmarks.hierarchy import (ARMS, hierarchy_claims,
                                         hierarchy_results, load_seed_arrays,
                                         save_seed_arrays, seed_bootstrap,
                                         table1_efficacy)
from mmhcml.benchmarks.synthetic_study import StudySettings, _Study


def test_arms_load_the_stages_figure2_adds():
    assert RUNS['joint_s1'].loads == ('stage1', )
    assert RUNS['joint_s12'].loads == ('stage1', 'stage2')
    assert RUNS['joint'].loads == ('stage1', 'stage2', 'stage3')
    assert RUNS['joint_shuffled'].loads == ('stage1', 'stage2_shuffled',
                                            'stage3_shuffled')
    assert RUNS['stage3_recon'].loads == ('stage2_recon', )
    # a stage never starts from a run trained after it
    for i, run in enumerate(SELF_SUP):
        assert set(RUNS[run].loads) <= set(SELF_SUP[:i])


def test_study_configs_of_the_arms(tmp_path):
    study = _Study(StudySettings(work_dir=str(tmp_path)))
    paths = {key: study.write_config(*key) for key in study.runs()}

    def heads(key):
        cfg = Config.fromfile(paths[key])
        return [(h['type'], h['level'], h.get('shuffle_time', False))
                for h in cfg.model.motion_heads], cfg

    got, s1 = heads(('lowlabel', 'joint_s1'))
    assert got == [('FlowReconstructionHead', 1, False)]
    assert [s['name'] for s in s1.custom_hooks[0]['stages']] == [
        'stage1_synthetic']
    got, _ = heads(('lowlabel', 'joint_s12'))
    assert got == [('FlowReconstructionHead', 1, False),
                   ('ContrastiveMotionHead', 2, False)]
    got, shuffled = heads(('unbiased', 'joint_shuffled'))
    assert got == [('FlowReconstructionHead', 1, False),
                   ('ContrastiveMotionHead', 2, True),
                   ('ContrastiveMotionHead', 3, True)]
    got, _ = heads(('selfsup', 'stage2_shuffled'))
    assert got == [('ContrastiveMotionHead', 2, True)]
    got, recon = heads(('selfsup', 'stage3_recon'))
    assert got == [('FlowReconstructionHead', 3, False)]
    assert recon.custom_hooks[0] == dict(type='ProgressiveFreezeHook',
                                         frozen_levels=2)
    assert recon.custom_hooks[1]['stages'][0]['heads'] == ['rec_l2']
    # the paper's runs keep their config's heads; every run is seeded
    got, joint = heads(('lowlabel', 'joint'))
    assert [g[2] for g in got] == [False] * 3
    assert joint.randomness == dict(seed=0)


def test_motion_heads_reports_a_head_without_source():
    arm = RUNS['joint_s1']._replace(heads=('con_l4', ))
    with pytest.raises(ValueError, match="con_l4"):
        motion_heads(arm, [], [])


def test_efficacy_score_is_tables_formula_with_a_floored_gap():
    assert efficacy_score(0.9, 0.6, min_gap=0.01) == pytest.approx(0.9 / 0.3)
    # no gap (or a negative one): the gap is the floor
    assert efficacy_score(0.8, 0.8, min_gap=1 / 50) == pytest.approx(0.8 * 50)
    assert efficacy_score(0.8, 0.9, min_gap=1 / 50) == pytest.approx(0.8 * 50)
    assert efficacy_score(0.8, 0.9) == float('inf')  # no floor: unbounded
    with pytest.raises(ValueError, match='min_gap'):
        efficacy_score(1.0, 1.0, min_gap=0)


def test_probe_efficacy_on_separable_and_on_noise_features():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 20)
    sep = np.eye(4)[y] * 5 + rng.normal(scale=0.1, size=(80, 4))
    good = probe_efficacy(sep, y, sep, y, sep, y, 4)
    assert good['train_acc'] == 1.0 and good['test_acc'] == 1.0
    assert good['efficacy'] == pytest.approx(80.0)  # 1 / (1 / 80)
    noise = probe_efficacy(rng.normal(size=(80, 30)), y,
                           rng.normal(size=(80, 30)), y,
                           rng.normal(size=(80, 30)), y, 4)
    assert noise['train_acc'] > noise['test_acc']
    assert noise['efficacy'] < 5


def _seed(rng, gain, shuffled_gain, con_better, n=40):
    """Scores of the arms: ``hcml`` right on a ``gain`` fraction more clips
    than ``hcml_stage1``."""
    labels = rng.integers(0, 4, n)

    def scores(correct):
        s = rng.normal(size=(n, 4))
        s[np.arange(n), labels] += np.where(np.arange(n) < correct, 10, -10)
        return s

    base = n // 4
    arms = dict(pmb_only=scores(base), hcml_stage1=scores(base),
                hcml_stages12=scores(base + int(gain * n) // 2),
                hcml=scores(base + int(gain * n)),
                hcml_shuffled=scores(base + int(shuffled_gain * n)))
    eff = {}
    for sup in ('action', 'reconstruction', 'contrastive'):
        eff[sup] = {}
        for lv in (1, 2, 3):
            right = n // 2 if (sup == 'contrastive' and con_better) else n // 4
            eff[sup][lv] = dict(train_acc=1.0, test_scores=scores(right))
    return dict(labels=labels, scores={'lowlabel': arms, 'unbiased': arms},
                efficacy=eff)


def test_claims_f_to_h_met_and_unmet():
    rng = np.random.default_rng(1)
    good = [_seed(rng, 0.5, 0.0, True) for _ in range(3)]
    claims = hierarchy_claims(good, reps=200)
    assert [c['met'] for c in claims] == [True, True, True]
    assert claims[0]['value']['lowlabel'] == pytest.approx(0.5)
    assert claims[0]['seeds'] == 3
    # the shuffled control keeps the gain: (g) fails; no gain: (f) fails;
    # contrastive no better than reconstruction: (h) fails
    bad = [_seed(rng, 0.0, 0.0, False) for _ in range(3)]
    assert [c['met'] for c in hierarchy_claims(bad, reps=200)] == [
        False, False, False]
    kept = [_seed(rng, 0.5, 0.5, True) for _ in range(3)]
    assert [c['met'] for c in hierarchy_claims(kept, reps=200)] == [
        True, False, True]


def test_seed_bootstrap_averages_seeds_and_resamples_each():
    seeds = [dict(labels=np.zeros(10), v=np.full(10, 0.2)),
             dict(labels=np.zeros(10), v=np.full(10, 0.6))]
    out = seed_bootstrap(seeds, lambda a, idx: a['v'][idx].mean(), reps=50)
    assert out['value'] == pytest.approx(0.4)
    assert out['per_seed'] == pytest.approx([0.2, 0.6])
    assert out['ci95'] == pytest.approx([0.4, 0.4])


def test_seed_arrays_round_trip(tmp_path):
    seed = _seed(np.random.default_rng(2), 0.5, 0.0, True)
    path = str(tmp_path / 'h.npz')
    save_seed_arrays(path, seed)
    back = load_seed_arrays(path)
    np.testing.assert_array_equal(back['labels'], seed['labels'])
    for model in ARMS.values():
        np.testing.assert_array_equal(back['scores']['lowlabel'][model],
                                      seed['scores']['lowlabel'][model])
    assert back['efficacy']['contrastive'][3]['train_acc'] == 1.0
    table = table1_efficacy([back], reps=20)
    assert 'level1' not in table['contrastive']  # Eq. 4 starts at level 2
    assert set(table['action']) == {'level1', 'level2', 'level3'}
    with pytest.raises(FileNotFoundError, match='run_synthetic_benchmark'):
        load_seed_arrays(str(tmp_path / 'missing.npz'))


def test_combine_pools_seed_directories(tmp_path):
    import importlib.util
    import json
    import os.path as osp
    spec = importlib.util.spec_from_file_location(
        'run_synthetic_benchmark',
        osp.join(osp.dirname(__file__), '..', '..', 'tools', 'benchmarks',
                 'run_synthetic_benchmark.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    rng = np.random.default_rng(4)
    dirs = []
    for k in range(3):
        d = tmp_path / f'seed{k}'
        d.mkdir()
        save_seed_arrays(str(d / 'hierarchy_arrays.npz'),
                         _seed(rng, 0.5, 0.0, True))
        dirs.append(str(d))
    out = tmp_path / 'pooled'
    tool.main(['--combine', *dirs, '--work-dir', str(out), '--bootstrap',
               '100'])
    with open(out / 'hierarchy.json') as f:
        pooled = json.load(f)
    assert [c['met'] for c in pooled['claims']] == [True, True, True]
    assert len(pooled['figure2']['lowlabel']['stages1-3']['per_seed']) == 3
    assert (out / 'figure2_levels.png').stat().st_size > 0
    with pytest.raises(FileNotFoundError, match='hierarchy_arrays'):
        tool.main(['--combine', str(tmp_path), '--work-dir', str(out)])


def test_a_sweep_seed_without_table2_trains_only_what_figure2_needs(tmp_path):
    full = _Study(StudySettings(work_dir=str(tmp_path)))
    lean = _Study(StudySettings(work_dir=str(tmp_path), table2=False))
    assert lean.settings() == ('lowlabel', 'unbiased')
    assert set(lean.runs()) < set(full.runs())
    assert not [r for r in lean.runs() if r[1] == 'baseline']
    assert not [r for r in lean.runs() if r[0] == 'biased']
    # Figure 2's low-label arms, Table 1's PMB-only (unbiased) and its
    # self-supervised chains are still trained
    for run in ('pmb', 'joint', 'joint_s1', 'joint_s12', 'joint_shuffled'):
        assert ('lowlabel', run) in lean.runs()
    assert [r for r in lean.runs() if r[0] == 'unbiased'] == [
        ('unbiased', 'pmb')]
    assert ('selfsup', 'stage3_recon') in lean.runs()


def test_pooling_keeps_the_settings_every_seed_has():
    rng = np.random.default_rng(5)
    full = _seed(rng, 0.5, 0.0, True)
    lean = _seed(rng, 0.5, 0.0, True)
    del lean['scores']['unbiased']
    pooled = hierarchy_results([full, lean], reps=50)
    assert list(pooled['figure2']) == ['lowlabel']
    assert list(pooled['hierarchy_claims'][0]['value']) == ['lowlabel']
    no_low = _seed(rng, 0.5, 0.0, True)
    del no_low['scores']['lowlabel']
    with pytest.raises(ValueError, match='low-label'):
        hierarchy_claims([no_low], reps=10)
