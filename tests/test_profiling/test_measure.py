"""The timing helpers every benchmark shares (mmhcml.profiling.measure)."""
import time

import pytest

from mmhcml.profiling.measure import (check_iters, time_call, time_it,
                                      write_result)


def test_time_call_measures_the_call_in_milliseconds():
    ms = time_call(lambda: time.sleep(0.03), 'cpu')
    assert 30 <= ms < 3000  # a 30 ms sleep, in ms (not s, not us)


def test_time_it_runs_warmup_untimed_then_times_each_call():
    calls = []
    result = time_it(lambda: calls.append(1), 'cpu', iters=4, warmup=2)
    assert len(calls) == 6
    assert result['min_ms'] <= result['median_ms']
    assert set(result) == {'median_ms', 'mean_ms', 'min_ms'}


@pytest.mark.parametrize('iters, warmup', [(0, 0), (1, -1)])
def test_check_iters_names_both_values(iters, warmup):
    with pytest.raises(ValueError, match=f'iters={iters}, warmup={warmup}'):
        check_iters(iters, warmup)
    with pytest.raises(ValueError, match='iters must be >= 1'):
        time_it(lambda: None, 'cpu', iters=iters, warmup=warmup)


def test_write_result_saves_to_out_and_says_so(tmp_path, capsys):
    import json
    write_result({'ratio': 1.5}, None)
    assert capsys.readouterr().out == '' and not list(tmp_path.iterdir())
    out = tmp_path / 'sub' / 'result.json'
    write_result({'ratio': 1.5}, str(out))
    assert json.loads(out.read_text()) == {'ratio': 1.5}
    assert capsys.readouterr().out == f'wrote {out}\n'
