"""mmhcml.profiling.cost_volume_benchmark and its script
tools/profiling/benchmark_cost_volume.py on tiny shapes (no timing)."""
import json
import subprocess
import sys

import pytest
import torch

from mmhcml.models.ops import cost_volume_triton as cvt
from mmhcml.profiling import cost_volume_benchmark as bcv


def test_cli_on_cpu_writes_every_level(tmp_path):
    out = tmp_path / 'cv.json'
    proc = subprocess.run(
        [sys.executable, 'tools/profiling/benchmark_cost_volume.py',
         '--device', 'cpu', '--batch', '1', '--frames', '4', '--size', '64',
         '--iters', '1', '--warmup', '0', '--impls', 'unfold', 'fast',
         'triton', '--no-step', '--triton-configs', 'BLOCK_ELEMS=512', '--out',
         str(out)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert set(result['levels']) == {'res2', 'res3', 'res4'}
    res2 = result['levels']['res2']
    assert res2['shape'] == [4, 64, 16, 16]
    assert set(res2['impls']) == {'unfold', 'fast'}  # triton: CUDA only
    assert res2['impls']['fast']['forward']['median_ms'] > 0
    assert 'triton skipped' in proc.stdout
    assert 'triton:BLOCK_ELEMS=512 skipped' in proc.stdout
    assert result['summary']['speedups']['fast_vs_unfold_forward']


@pytest.mark.parametrize('text', ['BLOCK_ELEMS', 'NOPE=4', 'BLOCK_W=-1',
                                  'BLOCK_W=x', ','])
def test_bad_triton_configs_are_named(text):
    with pytest.raises(ValueError, match='--triton-configs'):
        bcv.parse_triton_config(text)


def test_triton_config_is_set_for_the_call_and_restored(monkeypatch):
    seen = {}

    def fake(a, b, d, s, impl):
        seen.update(elems=cvt.BLOCK_ELEMS, unroll=cvt.CHANNEL_UNROLL)
        raise RuntimeError('stop')

    monkeypatch.setattr(bcv, 'cost_volume', fake)
    before = (cvt.BLOCK_ELEMS, cvt.CHANNEL_UNROLL)
    run = bcv.with_triton_config(
        bcv.parse_triton_config('BLOCK_ELEMS=256,CHANNEL_UNROLL=8'))
    with pytest.raises(RuntimeError, match='stop'):
        run(torch.zeros(1), torch.zeros(1))
    assert seen == dict(elems=256, unroll=8)
    assert (cvt.BLOCK_ELEMS, cvt.CHANNEL_UNROLL) == before


def test_temporal_impls_get_one_clip_tensor():
    """An impl marked temporal reads (clips, C, T, H, W): same frame pairs,
    bytes of one tensor + the output."""
    from mmhcml.models.ops import cost_volume, temporal_cost_volume

    def temporal(x):
        return temporal_cost_volume(x, bcv.D, bcv.S, impl='fast')

    temporal.temporal = True
    fns = dict(fast=lambda a, b: cost_volume(a, b, bcv.D, bcv.S,
                                             impl='fast'),
               temporal=temporal)
    res = bcv.measure_level(fns, (6, 4, 8, 8), 'cpu', iters=1, warmup=0,
                            clips=2)
    out_bytes = 6 * 49 * 8 * 8 * 4
    assert res['fast']['inputs_bytes'] == 2 * 6 * 4 * 8 * 8 * 4
    assert res['temporal']['inputs_bytes'] == 6 * 4 * 8 * 8 * 4
    assert res['temporal']['output_bytes'] == out_bytes
    assert res['temporal']['forward_backward']['median_ms'] > 0
