"""Every script kept under docs/ runs against the current code: each answers
``--help`` (which imports everything it uses), and the figure script draws."""
import glob
import os
import os.path as osp
import subprocess
import sys

import pytest

from tests.test_docs.markdown_links import ROOT

SCRIPTS = sorted(osp.relpath(p, ROOT) for p in glob.glob(
    osp.join(ROOT, 'docs', '**', '*.py'), recursive=True))


def run(args, **kwargs):
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300,
                          **kwargs)


def test_docs_hold_the_figure_script():
    assert 'docs/figures/architecture.py' in SCRIPTS


@pytest.mark.parametrize('script', SCRIPTS)
def test_script_answers_help(script):
    result = run([script, '--help'])
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'usage:' in result.stdout


def test_architecture_figure_draws(tmp_path):
    out = tmp_path / 'architecture.png'
    result = run(['docs/figures/architecture.py', '--out', str(out)])
    assert result.returncode == 0, result.stderr[-2000:]
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
