"""Smoke test of tools/profiling/benchmark.py on tiny models (no timings)."""
import json

import pytest
import torch
from mmengine.config import Config

from mmaction.registry import MODELS
from mmhcml.profiling.model_benchmark import set_with_cp, stage_model_cfg
from mmhcml.engine.hooks.progressive_freeze_hook import freeze_up_to
from tests.conftest import tiny_model_cfg

CASES = {'baseline_inference', 'deploy_inference', 'baseline_train',
         'stage1_train', 'stage2_train', 'stage3_train', 'joint_train'}


def test_stage_configs_keep_only_their_head():
    cfg = Config(dict(model=tiny_model_cfg()))
    stage1, stage3 = (stage_model_cfg(cfg, s) for s in ('stage1', 'stage3'))
    assert stage1['cls_head'] is None and stage3['cls_head'] is None
    assert [(h['type'], h['level']) for h in stage1['motion_heads']] == [
        ('FlowReconstructionHead', 1)]
    assert [(h['type'], h['level']) for h in stage3['motion_heads']] == [
        ('ContrastiveMotionHead', 3)]
    assert stage_model_cfg(cfg, 'joint') == cfg.model
    no_con = Config(dict(model=tiny_model_cfg(heads=('rec', ))))
    assert stage_model_cfg(no_con, 'stage2') is None


def test_saved_activations_counts_each_storage_once():
    from mmhcml.profiling.measure import SavedActivations
    x = torch.randn(4, 8, requires_grad=True)
    w = torch.randn(8, 8, requires_grad=True)
    skip = torch.randn(4, 8)
    with SavedActivations(exclude=[skip]) as saved:
        h = x @ w          # saves x and w
        y = (h * h[:, :8]).sum() + (skip * x).sum()  # h twice, skip excluded
    assert saved.count == 3
    assert saved.nbytes == (x.numel() + w.numel() + h.numel()) * 4
    y.backward()  # the graph is intact


def test_set_with_cp_parts():
    cfg = Config(dict(model=tiny_model_cfg()))
    for parts, backbone, flow in (('none', False, False),
                                  ('flow', False, True), ('all', True, True)):
        out = set_with_cp(cfg, parts)
        assert out.model.backbone.with_cp is backbone
        assert [h.get('with_cp') for h in out.model.motion_heads
                if h['type'] == 'FlowReconstructionHead'] == [flow]
    assert 'with_cp' not in cfg.model.backbone  # the input is not changed
    with pytest.raises(ValueError, match='with_cp must be one of'):
        set_with_cp(cfg, 'yes')


def test_stage_freezing_matches_the_progressive_schedule():
    stage3 = stage_model_cfg(Config(dict(model=tiny_model_cfg())), 'stage3')
    model = MODELS.build(stage3).train()
    freeze_up_to(model, 2)
    frozen = {id(p) for m in model.backbone.modules_up_to(2)
              for p in m.parameters()}
    for p in model.parameters():
        assert p.requires_grad == (id(p) not in frozen)
    bns = [m for m in model.backbone.modules_up_to(2)[-1].modules()
           if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert bns and not any(bn.training for bn in bns)
    assert model.backbone.motion_blocks['level3'].training


def test_cli_writes_json_with_positive_ratios(tmp_path, tiny_config_paths,
                                              run_tool):
    out = tmp_path / 'bench.json'
    proc = run_tool('tools/profiling/benchmark.py', *tiny_config_paths,
                    '--shape', 8, 32, 32, '--batch', 2, '--iters', 1,
                    '--warmup', 0, '--cost-volume-impl', 'auto',
                    '--with-cp', 'all', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert {'device', 'device_name', 'torch', 'setup', 'flops', 'cases',
            'ratios', 'targets'} <= set(result)
    assert set(result['cases']) == CASES
    assert result['setup']['cost_volume_impl'] == 'auto'
    assert result['setup']['with_cp'] == 'all'
    for case in result['cases'].values():
        assert case['median_ms'] > 0 and case['peak_bytes'] >= 0
    assert result['cases']['deploy_inference']['clips_per_s'] > 0
    assert result['cases']['joint_train']['iters_per_s'] > 0
    assert result['cases']['joint_train']['saved_bytes'] > \
        result['cases']['baseline_train']['saved_bytes'] > 0
    assert 'saved_bytes' not in result['cases']['deploy_inference']
    assert result['ratios']['saved_activations'] > 1
    for key in ('flops', 'deploy_wall_clock', 'joint_step', 'stage1_step',
                'stage2_step', 'stage3_step'):
        assert result['ratios'][key] > 0, key
    assert result['ratios']['flops'] > 1  # PMBs add FLOPs
    assert set(result['targets']) == {'flops', 'deploy_wall_clock',
                                      'joint_step', 'peak_memory'}
    assert 'PASS' in proc.stdout or 'FAIL' in proc.stdout
    assert result['device_name'] in proc.stdout


def test_ratio_summary_hand_computed():
    from mmhcml.profiling.model_benchmark import ratio_summary
    s = ratio_summary([1.4, 1.0, 1.2, 1.1, 3.0])
    # sorted 1.0 1.1 1.2 1.4 3.0; inclusive quartiles at 1.1 and 1.4
    assert s['median'] == pytest.approx(1.2)
    assert (s['q1'], s['q3']) == pytest.approx((1.1, 1.4))
    assert (s['min'], s['max'], s['repeats']) == (1.0, 3.0, 5)
    assert ratio_summary([]) is None
    assert ratio_summary([2.0])['q1'] == 2.0


def test_interleaved_rounds_pair_the_cases_round_by_round(monkeypatch):
    """Repeats alternate the order; a ratio is taken within each repeat,
    so a load that doubles with every repeat leaves it unchanged."""
    from mmhcml.profiling import model_benchmark as mb
    order = []

    def fake_time_call(fn, device):
        repeat = len(order) // 4  # 2 cases x 2 calls per repeat
        order.append(fn.__name__)
        return {'base': 10.0, 'hcml': 11.0}[fn.__name__] * 2**repeat

    def base():
        pass

    def hcml():
        pass

    monkeypatch.setattr(mb, 'time_call', fake_time_call)
    timed = mb.interleaved_repeats(dict(base=base, hcml=hcml), 'cpu',
                                   repeats=4, iters=2)
    assert order == ['base', 'base', 'hcml', 'hcml', 'hcml', 'hcml',
                     'base', 'base'] * 2
    assert timed['base'] == [10.0, 20.0, 40.0, 80.0]
    assert len(timed['_calls']['hcml']) == 8
    ratios = mb._ratios(dict(hcml=dict(flops=2), baseline=dict(flops=1)), {},
                        dict(deploy_inference=timed['hcml'],
                             baseline_inference=timed['base']))
    assert ratios['deploy_wall_clock'] == pytest.approx(1.1)
    assert ratios['ratio_spread']['deploy_wall_clock']['max'] == \
        pytest.approx(1.1)
    assert ratios['joint_step'] is None and ratios['flops'] == 2


def test_cli_inference_only_reports_the_spread(tmp_path, tiny_config_paths,
                                               run_tool):
    out = tmp_path / 'bench.json'
    proc = run_tool('tools/profiling/benchmark.py', *tiny_config_paths,
                    '--shape', 8, 32, 32, '--batch', 1, '--repeats', 3,
                    '--cases', 'inference', '--threads', 1, '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert set(result['cases']) == {'baseline_inference', 'deploy_inference'}
    spread = result['ratios']['ratio_spread']['deploy_wall_clock']
    assert spread['repeats'] == 3
    assert spread['min'] <= spread['median'] <= spread['max']
    assert len(result['cases']['deploy_inference']['repeat_ms']) == 3
    assert result['setup']['threads'] == 1
    assert len(result['setup']['load_avg']) == 2
    assert result['ratios']['joint_step'] is None
    assert 'median of 3 repeats' in proc.stdout
    assert 'joint_step' in proc.stdout and 'n/a' in proc.stdout


def test_settle_runs_each_case_untimed_right_before_its_timed_calls(
        monkeypatch):
    """``settle``: a case's untimed calls come immediately before its
    timed ones in every repeat (timed on its own memory state), and are
    not counted."""
    from mmhcml.profiling import model_benchmark as mb
    events = []

    def fake_time_call(fn, device):
        fn()
        events[-1] = events[-1] + '*'  # the call just made was timed
        return 1.0

    def base():
        events.append('base')

    def hcml():
        events.append('hcml')

    monkeypatch.setattr(mb, 'time_call', fake_time_call)
    timed = mb.interleaved_repeats(dict(base=base, hcml=hcml), 'cpu',
                                   repeats=2, iters=1, settle=2)
    assert events == ['base', 'base', 'base*', 'hcml', 'hcml', 'hcml*',
                      'hcml', 'hcml', 'hcml*', 'base', 'base', 'base*']
    assert timed['base'] == [1.0, 1.0]
    with pytest.raises(ValueError, match='settle'):
        mb.interleaved_repeats(dict(base=base), 'cpu', repeats=1, settle=-1)
