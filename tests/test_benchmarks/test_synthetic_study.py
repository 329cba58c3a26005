import numpy as np
import pytest
from mmengine.config import Config

from mmhcml.benchmarks import pair_accuracy, summarise_predictions
from mmhcml.benchmarks.report import results_markdown
from mmhcml.benchmarks.synthetic_study import MODELS, StudySettings, _Study

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


def test_summary_has_top1_pair_and_per_class():
    labels = np.array([0, 0, 1, 3])
    scores = np.eye(4)[[0, 1, 1, 2]]
    out = summarise_predictions(scores, labels, PAIRS, 4)
    assert out['top1'] == 0.5 and out['num_samples'] == 4
    assert out['per_class'] == [0.5, 1.0, None, 0.0]
    with pytest.raises(ValueError, match='scores must be'):
        summarise_predictions(scores[:, 0], labels, PAIRS, 4)


def test_run_configs_chain_the_stages_and_parse(tmp_path):
    study = _Study(StudySettings(work_dir=str(tmp_path), epochs=3,
                                 stage_epochs=2))
    paths = {run: study.write_config('biased', run)
             for chain in MODELS.values() for run in chain}
    joint = Config.fromfile(paths['joint'])
    assert joint.train_cfg.max_epochs == 3 and joint.train_cfg.val_interval == 1
    assert joint.work_dir == str(tmp_path / 'biased' / 'joint')
    assert [s['work_dir'] for s in joint.custom_hooks[0]['stages']] == [
        str(tmp_path / 'biased' / f'stage{i}') for i in (1, 2, 3)]
    stage3 = Config.fromfile(paths['stage3'])
    assert stage3.train_cfg.max_epochs == 2
    assert stage3.custom_hooks[0] == dict(type='ProgressiveFreezeHook',
                                          frozen_levels=2)
    assert stage3.train_dataloader.dataset.ann_file.endswith(
        'biased/unlabelled.txt')
    test = Config.fromfile(study.write_test_config('biased', 'joint',
                                                   'val_biased', 1))
    assert test.test_dataloader.dataset.ann_file.endswith('val_biased.txt')
    assert test.test_dataloader.dataset.pipeline == joint.val_pipeline
    baseline = Config.fromfile(paths['baseline'])
    assert baseline.model.type == 'Recognizer3D'


def test_markdown_table_lists_every_model_and_setting():
    entry = dict(top1=0.5, pair_acc=0.75, per_class=[], num_samples=8)
    models = {
        'unbiased': {m: dict(val_1view=entry, val_30view=entry)
                     for m in MODELS},
        'biased': {m: dict(val_1view=entry, val_30view=entry,
                           val_biased_1view=entry) for m in MODELS},
    }
    results = dict(settings=StudySettings().__dict__, models=models,
                   classes=['a'] * 14, total_minutes=1.0)
    table = results_markdown(results)
    assert table.count('| 50.0 | 50.0 | 75.0 | 75.0 |') == 6
    assert 'appearance bias 0.8' in table and 'chance 7.1%' in table
