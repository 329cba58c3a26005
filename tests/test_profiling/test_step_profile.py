"""tools/profiling/profile_step.py on tiny models (no timing asserted)."""
import json

import pytest
from mmengine.config import Config

from mmhcml.profiling.step_profile import (BREAKDOWN_VARIANTS, op_table,
                                          variant_cfg)
from tests.conftest import tiny_model_cfg


def test_variants_keep_the_heads_they_name():
    base = Config(dict(model=dict(type='Recognizer3D')))
    hcml = Config(dict(model=tiny_model_cfg()))
    kinds = {name: sorted(h['type'] for h in variant_cfg(
        base, hcml, name).get('motion_heads', []))
        for name in BREAKDOWN_VARIANTS}
    assert kinds['baseline'] == [] and kinds['motion_blocks'] == []
    assert kinds['flow_head'] == ['FlowReconstructionHead']
    assert kinds['contrastive_heads'] == ['ContrastiveMotionHead'] * 2
    assert len(kinds['joint']) == 3
    assert variant_cfg(base, hcml, 'baseline')['type'] == 'Recognizer3D'
    with pytest.raises(ValueError, match='variant must be one of'):
        variant_cfg(base, hcml, 'stage1')


def test_op_table_lists_convolutions():
    hcml = Config(dict(model=tiny_model_cfg()))
    table = op_table(variant_cfg(hcml, hcml, 'joint'), shape=(8, 32, 32),
                     batch=1, steps=1, top=50, num_classes=4)
    assert 'convolution' in table and 'Input Shapes' in table


def test_cli_breakdown_json(tmp_path, tiny_config_paths, run_tool):
    out = tmp_path / 'breakdown.json'
    proc = run_tool('tools/profiling/profile_step.py', *tiny_config_paths,
                    '--shape', 8, 32, 32, '--batch', 1, '--iters', 1,
                    '--warmup', 0, '--with-cp', 'flow', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    variants = result['variants']
    assert set(variants) == set(BREAKDOWN_VARIANTS)
    assert variants['baseline']['ratio'] == 1.0
    assert variants['baseline']['delta_ms'] is None
    for name, v in variants.items():
        assert v['median_ms'] > 0, name
    joint = variants['joint']
    assert joint['delta_ms'] == pytest.approx(
        joint['median_ms'] - variants['motion_blocks']['median_ms'])
    assert result['setup']['with_cp'] == 'flow'
    assert 'motion_blocks' in proc.stdout


def test_cli_refuses_no_breakdown_without_ops(run_tool):
    proc = run_tool('tools/profiling/profile_step.py', '--no-breakdown',
                    timeout=120)
    assert proc.returncode == 2 and '--ops' in proc.stderr


def test_deploy_profile_names_the_hcml_parts(tmp_path, tiny_config_paths,
                                             run_tool):
    out = tmp_path / 'deploy.json'
    proc = run_tool('tools/profiling/profile_step.py', *tiny_config_paths,
                    '--deploy', '--shape', 8, 32, 32, '--batch', 1,
                    '--iters', 1, '--threads', 1, '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    # the folded inference path ran: every range of the PMB and g^l timed
    for key in ('pmb.reduce', 'pmb.cost_volume', 'pmb.cost_bn_relu',
                'pmb.fuse', 'hcml.g_fusion'):
        assert result['ranges'][key] > 0, key
        assert key in proc.stdout
    for row in result['ops'].values():
        assert row['delta'] == pytest.approx(row['deploy'] - row['baseline'])
    deltas = [abs(row['delta']) for row in result['ops'].values()]
    assert deltas == sorted(deltas, reverse=True)
    assert result['total_ms']['deploy'] > 0
    assert result['setup']['threads'] == 1
