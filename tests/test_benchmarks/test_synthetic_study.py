import numpy as np
import pytest
from mmengine.config import Config

from mmhcml.benchmarks import pair_accuracy, summarise_predictions
from mmhcml.benchmarks.claims import check_claims
from mmhcml.benchmarks.evaluate import ridge_probe, view_offsets
from mmhcml.benchmarks.metrics import bootstrap_ci, pair_identity_accuracy
from mmhcml.benchmarks.report import claims_markdown, results_markdown
from mmhcml.benchmarks.synthetic_study import (MODELS, SETTINGS,
                                               StudySettings, _Study)

PAIRS = ((0, 1), (2, 3))


def test_pair_accuracy_counts_the_choice_within_the_pair():
    labels = np.array([0, 1, 2, 3])
    scores = np.array([[0.6, 0.1, 0.3, 0.0],    # 0 over 1: right
                       [0.5, 0.2, 0.0, 0.3],    # 1 under 0: wrong
                       [0.0, 0.9, 0.05, 0.05],  # 2 vs 3 tied: wrong
                       [0.9, 0.0, 0.0, 0.1]])   # 3 over 2: right
    assert pair_accuracy(scores, labels, PAIRS) == 0.5
    # a model blind to frame order (same score for both partners) is at 0
    assert pair_accuracy(np.ones((4, 4)), labels, PAIRS) == 0.0
    with pytest.raises(ValueError, match='reversal pair'):
        pair_accuracy(np.ones((1, 5)), np.array([4]), PAIRS)
    # pair identity: the top-1 class is 0 (pair 0), 0 (pair 0), 1 (pair 0),
    # 0 (pair 0): right for the two clips of pair 0 only
    assert pair_identity_accuracy(scores, labels, PAIRS) == 0.5


def test_summary_has_top1_pair_and_per_class():
    labels = np.array([0, 0, 1, 3])
    scores = np.eye(4)[[0, 1, 1, 2]]
    out = summarise_predictions(scores, labels, PAIRS, 4)
    assert out['top1'] == 0.5 and out['num_samples'] == 4
    assert out['per_class'] == [0.5, 1.0, None, 0.0]
    assert out['pair_identity'] == 1.0  # 1 is 0's partner, 2 is 3's
    with pytest.raises(ValueError, match='scores must be'):
        summarise_predictions(scores[:, 0], labels, PAIRS, 4)


def test_bootstrap_ci_matches_the_resampling_distribution():
    # two clips, right and wrong: a resample's mean is 0, 0.5 or 1 with
    # probabilities 1/4, 1/2, 1/4; so the 2.5% / 97.5% quantiles are 0 and 1
    # and the 30% / 70% quantiles (a 40% interval) are both 0.5
    values = np.array([0.0, 1.0])

    def mean(idx):
        return float(values[idx].mean())

    assert bootstrap_ci(mean, 2, reps=2000, seed=1) == (0.0, 1.0)
    assert bootstrap_ci(mean, 2, reps=2000, seed=1, level=0.4) == (0.5, 0.5)
    # a constant statistic has a zero-width interval
    assert bootstrap_ci(lambda idx: 0.25, 7, reps=50) == (0.25, 0.25)
    with pytest.raises(ValueError, match='num_samples'):
        bootstrap_ci(mean, 0)


def _scores(labels, right_class, right_pair, num_classes=4):
    """One-hot scores: the own class where right_class, else the partner
    where right_pair, else a class of the other pair."""
    partner = {0: 1, 1: 0, 2: 3, 3: 2}
    out = np.zeros((len(labels), num_classes))
    for i, (label, rc, rp) in enumerate(zip(labels, right_class, right_pair)):
        pick = label if rc else (partner[label] if rp else (label + 2) % 4)
        out[i, pick] = 1.0
        out[i, partner[pick]] = 0.5  # the partner scores second
    return out


def _claims_inputs(n=40):
    labels = np.arange(n) % 4
    half = np.arange(n) % 8 < 4  # half the clips of every class
    every = np.ones(n, bool)
    none = np.zeros(n, bool)
    order_blind = _scores(labels, half, every)  # right pair, coin-flip order
    perfect = _scores(labels, every, every)
    wrong = _scores(labels, none, none)
    scores = dict(
        unbiased=dict(baseline=order_blind, pmb_only=perfect, hcml=perfect),
        biased=dict(baseline=wrong, pmb_only=perfect, hcml=perfect),
        lowlabel=dict(baseline=wrong, pmb_only=order_blind, hcml=perfect))
    probe = dict(hcml={lv: perfect for lv in (1, 2, 3)},
                 baseline={lv: order_blind for lv in (1, 2, 3)})
    return scores, labels, probe


def test_claims_on_a_hand_made_example():
    scores, labels, probe = _claims_inputs()
    claims = check_claims(scores, labels, probe, PAIRS, reps=300)
    assert [c['claim'][:3] for c in claims] == ['(a)', '(b)', '(c)', '(d)',
                                                '(e)']
    for c in claims:
        assert set(c) == {'claim', 'value', 'ci95', 'target', 'met'}
    a, b, c, d, e = claims
    # (a) the order-blind baseline: 50% within the pair, 100% pair identity
    assert a['value'] == dict(within_pair=0.5, pair_identity=1.0)
    lo, hi = a['ci95']['within_pair']
    assert lo < 0.5 < hi and a['ci95']['pair_identity'] == [1.0, 1.0]
    assert a['met']
    assert b['value'] == 1.0 and b['met']
    # (c) low label: 100% vs 50% top-1, intervals apart
    assert c['value'] == dict(gain=0.5, hcml_top1=1.0, pmb_only_top1=0.5)
    assert c['ci95']['hcml_top1'] == [1.0, 1.0] and c['met']
    assert c['ci95']['pmb_only_top1'][1] < 1.0
    # (d) the baseline loses 50 points under the bias, HCML none
    assert d['value'] == dict(baseline_drop=0.5, hcml_drop=0.0) and d['met']
    assert e['value']['level2'] == dict(hcml=1.0, baseline=0.5) and e['met']
    table = claims_markdown(claims)
    assert table.count('| yes |') == 5


def test_claims_report_unmet_figures():
    scores, labels, probe = _claims_inputs()
    scores['unbiased']['pmb_only'] = scores['unbiased']['baseline']
    scores['lowlabel']['hcml'] = scores['lowlabel']['pmb_only']
    scores['biased']['hcml'] = scores['biased']['baseline']
    probe['hcml'][3] = probe['baseline'][3]
    a, b, c, d, e = check_claims(scores, labels, probe, PAIRS, reps=200)
    assert a['met'] and not b['met'] and b['value'] == 0.5
    assert not c['met'] and c['value']['gain'] == 0.0
    assert not d['met'] and d['value']['hcml_drop'] == 1.0
    assert not e['met']
    assert '**no**' in claims_markdown([b])


def test_view_offsets_are_distinct_windows_and_crops():
    assert view_offsets(16, 80, 12, 64, 1, 1) == [(2, 8, 8)]
    views = view_offsets(16, 80, 12, 64, 3, 3)
    assert len(set(views)) == 9
    assert sorted({v[0] for v in views}) == [0, 2, 4]
    assert sorted({v[1] for v in views}) == [0, 8, 16]
    with pytest.raises(ValueError, match='windows'):
        view_offsets(16, 80, 12, 64, 6, 1)  # only 5 distinct windows
    with pytest.raises(ValueError, match='does not fit'):
        view_offsets(8, 80, 12, 64, 1, 1)


def test_ridge_probe_separates_linear_classes():
    rng = np.random.default_rng(0)
    means = rng.normal(size=(3, 5)) * 4

    def draw(n):
        y = np.arange(n) % 3
        return means[y] + rng.normal(size=(n, 5)), y

    (xt, yt), (xv, yv), (xs, ys) = draw(60), draw(30), draw(30)
    scores, alpha = ridge_probe(xt, yt, xv, yv, xs, 3)
    assert scores.shape == (30, 3) and alpha in (0.1, 1.0, 10.0, 100.0,
                                                 1000.0)
    assert (scores.argmax(1) == ys).mean() > 0.9
    # uninformative features stay near chance
    scores, _ = ridge_probe(rng.normal(size=(60, 5)), yt,
                            rng.normal(size=(30, 5)), yv,
                            rng.normal(size=(30, 5)), 3)
    assert (scores.argmax(1) == ys).mean() < 0.7


def test_run_configs_chain_the_stages_and_parse(tmp_path):
    study = _Study(StudySettings(work_dir=str(tmp_path), epochs=3,
                                 lowlabel_epochs=5, stage_epochs=2))
    assert study.runs()[:3] == [('selfsup', 'stage1'), ('selfsup', 'stage2'),
                                ('selfsup', 'stage3')]
    # 7 self-supervised runs (stages 1-3, stages 2-3 time-shuffled, stages
    # 2-3 by reconstruction); per setting baseline, PMB-only, joint, and in
    # low-label and unbiased the three Figure 2 arms
    assert len(study.runs()) == 7 + 3 * len(SETTINGS) + 3 * 2
    paths = {(setting, run): study.write_config(setting, run)
             for setting, run in study.runs()}
    joint = Config.fromfile(paths[('lowlabel', 'joint')])
    assert joint.train_cfg.max_epochs == 5 and joint.train_cfg.val_interval == 5
    assert joint.work_dir == str(tmp_path / 'lowlabel' / 'joint')
    assert joint.train_dataloader.dataset.ann_file.endswith(
        'train_lowlabel.txt')
    assert [s['work_dir'] for s in joint.custom_hooks[0]['stages']] == [
        str(tmp_path / 'selfsup' / f'stage{i}') for i in (1, 2, 3)]
    block = joint.model.backbone.motion_block
    assert block.max_displacement == 3 and block.out_channels == 32
    assert block.type == 'PrimeMotionBlock'
    crop = [t for t in joint.train_dataloader.dataset.pipeline
            if t['type'] == 'RandomCrop']
    assert crop == [dict(type='RandomCrop', size=64)]
    sample = joint.val_dataloader.dataset.pipeline[1]
    assert sample['clip_len'] == 12 and sample['test_mode']
    stage3 = Config.fromfile(paths[('selfsup', 'stage3')])
    assert stage3.train_cfg.max_epochs == 2
    assert stage3.custom_hooks[0] == dict(type='ProgressiveFreezeHook',
                                          frozen_levels=2)
    assert stage3.train_dataloader.dataset.ann_file.endswith(
        'data/unlabelled.txt')
    assert stage3.train_dataloader.dataset.type == 'UnlabelledVideoDataset'
    biased = Config.fromfile(paths[('biased', 'pmb')])
    assert biased.train_dataloader.dataset.ann_file.endswith(
        'train_biased.txt')
    assert biased.model.motion_heads == []
    baseline = Config.fromfile(paths[('unbiased', 'baseline')])
    assert baseline.model.type == 'Recognizer3D'
    assert 'motion_block' not in baseline.model.backbone
    # 8 classes (the translation pairs) x 96 clips / 8 per batch; low-label
    # (4 clips per class by default) 8 x 4 / 8
    assert study.iterations('unbiased', 'pmb') == 3 * 96
    assert study.iterations('lowlabel', 'pmb') == 5 * 4
    # the benchmark's recipe: 8-way heads and datasets, AdamW 1e-3 for every
    # run but stage 1, no zero-initialised residuals or motion fuses
    for cfg in (joint, biased, baseline):
        assert cfg.model.cls_head.num_classes == 8
        assert cfg.train_dataloader.dataset.num_classes == 8
        assert cfg.val_dataloader.dataset.num_classes == 8
        assert cfg.optim_wrapper.optimizer == dict(
            type='AdamW', lr=1e-3, weight_decay=1e-4)
    assert baseline.model.backbone.zero_init_residual is False
    for cfg in (joint, biased, stage3):
        assert cfg.model.backbone.backbone.zero_init_residual is False
        assert cfg.model.backbone.zero_init_fuse is False
    assert stage3.optim_wrapper.optimizer.type == 'AdamW'
    stage1 = Config.fromfile(paths[('selfsup', 'stage1')])
    assert stage1.model.cls_head is None
    assert stage1.optim_wrapper.optimizer == dict(
        type='AdamW', lr=1e-3, weight_decay=1e-4)  # its own (stage1_flow)
    assert set(MODELS) == {'baseline', 'pmb_only', 'hcml'}


def test_markdown_tables_list_every_model_setting_and_level():
    entry = dict(top1=0.5, top1_ci95=[0.4, 0.6], within_pair=0.75,
                 within_pair_ci95=[0.7, 0.8], pair_identity=0.9,
                 pair_identity_ci95=[0.85, 0.95], per_class=[],
                 num_samples=280)
    models = {s: {m: dict(test_1view=entry) for m in MODELS}
              for s in SETTINGS}
    for m in MODELS:
        models['unbiased'][m]['test_9view'] = entry
    probe = {m: {f'level{lv}': dict(entry, channels=16, alpha=1.0)
                 for lv in (1, 2, 3)} for m in MODELS}
    scores, labels, probe_scores = _claims_inputs()
    results = dict(settings=StudySettings().__dict__, models=models,
                   probe=probe, classes=['a'] * 14,
                   reversal_pairs=[[0, 1]] * 7,
                   views=dict(multi='9 distinct views', multi_key='test_9view'),
                   claims=check_claims(scores, labels, probe_scores, PAIRS,
                                       reps=50),
                   total_minutes=12.5)
    table = results_markdown(results)
    assert table.count('| 50.0 [40.0, 60.0] | 75.0 [70.0, 80.0] | '
                       '90.0 [85.0, 95.0] |') == 9
    assert 'top-1, 9 views' in table and '280 test clips' in table
    assert 'chance 7.1%' in table and '14.3% pair identity' in table
    assert table.count('| HCML (PMB + self-sup) | ') == 3 + 3
    assert 'Total wall time 12.5 min' in table


class _FakeStudy:
    """Stands in for _Study in _train_all: each run is a short sleep."""

    def __init__(self, tmp_path, jobs, fail=None):
        import types
        self.s = types.SimpleNamespace(jobs=jobs, resume=False)
        self.tmp, self.fail = tmp_path, fail
        self.timings, self.events = {}, []

    def dependencies(self, setting, run):
        return _Study.dependencies(self, setting, run)

    def run_dir(self, setting, run):
        return str(self.tmp / setting / run)

    def epochs(self, setting, run):
        return 1

    def iterations(self, setting, run):
        return 1

    def start(self, setting, run, threads):
        import subprocess
        import sys
        import time
        self.events.append(('start', (setting, run), time.time(), threads))
        code = 3 if (setting, run) == self.fail else 0
        return subprocess.Popen([sys.executable, '-c',
                                 f'import time; time.sleep(0.3); exit({code})'])

    def check_exit(self, setting, run, code):
        import time
        self.events.append(('end', (setting, run), time.time(), code))
        if code:
            raise RuntimeError(f'{run} failed (exit {code})')


def test_runs_train_side_by_side_after_their_stages(tmp_path, monkeypatch):
    import os
    import time

    from mmhcml.benchmarks import synthetic_study as ss
    monkeypatch.setattr(os, 'cpu_count', lambda: 4)
    runs = [('selfsup', 'stage1'), ('selfsup', 'stage2'),
            ('selfsup', 'stage3'), ('unbiased', 'baseline'),
            ('unbiased', 'pmb'), ('unbiased', 'joint')]
    study = _FakeStudy(tmp_path, jobs=2)
    state = dict(done=0.0, train_time=0.0)
    ss._train_all(study, runs, {r: 1.0 for r in runs}, state,
                  lambda: 'ETA -', time.time())
    starts = {e[1]: e[2] for e in study.events if e[0] == 'start'}
    ends = {e[1]: e[2] for e in study.events if e[0] == 'end'}
    assert set(starts) == set(runs) and state['done'] == 6.0
    # every stage and the joint run start only after the stages they load
    for run in runs:
        for dep in study.dependencies(*run):
            assert starts[run] >= ends[dep], (run, dep)
    # the baseline did not wait for the stage chain: it ran beside stage 1
    assert starts[('unbiased', 'baseline')] < ends[('selfsup', 'stage1')]
    # never more than 2 at once, each with cpu_count // jobs = 2 threads
    for t in starts.values():
        assert sum(starts[r] <= t < ends[r] for r in runs) <= 2
    assert {e[3] for e in study.events if e[0] == 'start'} == {2}


def test_a_failed_run_stops_the_study(tmp_path):
    import time

    from mmhcml.benchmarks import synthetic_study as ss
    runs = [('selfsup', 'stage1'), ('unbiased', 'baseline'),
            ('selfsup', 'stage2')]
    study = _FakeStudy(tmp_path, jobs=2, fail=('selfsup', 'stage1'))
    with pytest.raises(RuntimeError, match='stage1 failed'):
        ss._train_all(study, runs, {r: 1.0 for r in runs},
                      dict(done=0.0, train_time=0.0), lambda: '', time.time())
    # stage 2 never started: it needs stage 1
    assert ('selfsup', 'stage2') not in {e[1] for e in study.events}
    with pytest.raises(ValueError, match='jobs must be'):
        ss._train_all(_FakeStudy(tmp_path, jobs=0), runs, {}, {},
                      lambda: '', time.time())
