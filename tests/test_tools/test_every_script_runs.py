"""Every script under ``tools/`` starts and answers ``--help``: its imports
resolve against the current package and its command line parses."""
import glob
import os.path as osp
import runpy
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPTS = sorted(
    osp.relpath(p, ROOT)
    for p in glob.glob(osp.join(ROOT, 'tools', '**', '*.py'), recursive=True))


def test_the_scripts_are_found():
    assert 'tools/train.py' in SCRIPTS
    assert 'tools/benchmarks/run_synthetic_benchmark.py' in SCRIPTS
    assert len(SCRIPTS) >= 15


@pytest.mark.parametrize('script', SCRIPTS)
def test_script_answers_help(script, monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv', [script, '--help'])
    monkeypatch.setattr(sys, 'path', list(sys.path))
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(osp.join(ROOT, script), run_name='__main__')
    out = capsys.readouterr().out
    assert stop.value.code in (0, None), out
    assert 'usage:' in out.lower(), f'{script} printed no usage:\n{out}'
