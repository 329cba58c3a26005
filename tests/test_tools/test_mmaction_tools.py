"""MMAction2's own tools (``mmaction/.mim/tools/``) run HCML configs while
mmhcml is installed: ``mmhcml-preload.pth`` fixes ``import mmaction.models``
for tools that call ``register_all_modules()`` before reading the config."""
import os
import os.path as osp
import pickle
import re
import site
import subprocess
import sys

import mmaction
import torch
from mmengine import Config

from mmaction.registry import MODELS
from tests.conftest import data_overrides

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs/hcml/tiny/hcml_tiny_joint_synthetic.py')
TOOLS = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools')
REINSTALL = ('mmhcml-preload.pth is not installed: reinstall the plugin '
             '(pip install -e .)')


def run(args, env=None, check=True):
    full_env = dict(os.environ, OMP_NUM_THREADS='1', **(env or {}))
    result = subprocess.run([sys.executable, *args], capture_output=True,
                            text=True, timeout=600, cwd=ROOT, env=full_env)
    if check:
        assert result.returncode == 0, (result.stdout[-3000:] +
                                        result.stderr[-3000:])
    return result


def test_preload_pth_is_installed_and_imports_nothing_heavy():
    folders = [*site.getsitepackages(), site.getusersitepackages()]
    assert any(osp.isfile(osp.join(f, 'mmhcml-preload.pth'))
               for f in folders), REINSTALL
    # at start-up only a finder is added: no torch, no mmaction, no mmhcml
    result = run(['-c', 'import sys; print(sorted(m for m in sys.modules '
                  "if m.split('.')[0] in ('torch', 'mmaction', 'mmhcml', "
                  "'mmengine')))"])
    assert result.stdout.strip() == '[]'


def test_mmaction_models_imports_without_importing_mmhcml_first():
    code = ('import sys, mmaction.models, _mmhcml_preload; '
            "print(_mmhcml_preload.APPLIED, 'mmhcml' in sys.modules)")
    fixed = run(['-c', code])
    # the released 1.2.0 wheel lacks localizers/drn (tests/test_compat)
    assert fixed.stdout.split('\n')[-2] == "['fix_missing_drn'] False"
    plain = run(['-c', 'import mmaction.models'],
                env=dict(MMHCML_NO_PRELOAD='1'), check=False)
    assert plain.returncode != 0
    assert "No module named 'mmaction.models.localizers.drn'" in plain.stderr


def test_confusion_matrix_tool(rendered_benchmark, tmp_path):
    cfg = Config.fromfile(CONFIG)
    model = MODELS.build(cfg.model)
    checkpoint = tmp_path / 'tiny.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    out = tmp_path / 'cm.pkl'
    run([osp.join(TOOLS, 'analysis_tools', 'confusion_matrix.py'), CONFIG,
         str(checkpoint), '--out', str(out), '--cfg-options',
         *data_overrides(rendered_benchmark)])
    with open(out, 'rb') as f:
        matrix = pickle.load(f)
    # 14 classes, one validation clip each: every clip counted once
    assert tuple(matrix.shape) == (14, 14)
    assert int(matrix.sum()) == rendered_benchmark['counts']['val'] == 14
    assert (matrix.sum(1) == 1).all()


def test_get_flops_tool():
    result = run([osp.join(TOOLS, 'analysis_tools', 'get_flops.py'), CONFIG,
                  '--shape', '1', '3', '8', '64', '64'])
    cfg = Config.fromfile(CONFIG)
    params = sum(p.numel() for p in MODELS.build(cfg.model).parameters())
    printed = re.search(r'Params: ([0-9.]+)M', result.stdout)
    assert printed, result.stdout[-2000:]
    assert float(printed.group(1)) == round(params / 1e6, 3)
    assert re.search(r'Flops: [0-9.]+[MG]', result.stdout)


def test_print_config_tool():
    result = run([osp.join(TOOLS, 'analysis_tools', 'print_config.py'),
                  CONFIG])
    assert "type='HCMLRecognizer'" in result.stdout
    assert "type='FlowReconstructionHead'" in result.stdout
    assert "imports=[\n        'mmhcml'," in result.stdout or \
        "imports=['mmhcml'" in result.stdout


WARNING_CODE = ('import mmcv.cnn.bricks.transformer\n'
                'from mmengine.utils import is_installed\n'
                "is_installed('mmaction2')\n")


def test_the_two_warnings_every_command_printed_are_silenced():
    quiet = run(['-c', WARNING_CODE])
    assert 'MultiScaleDeformableAttention' not in quiet.stderr
    assert 'pkg_resources is deprecated' not in quiet.stderr
    # without the hook both appear, and an explicit -W setting still wins
    loud = run(['-c', WARNING_CODE], env=dict(MMHCML_NO_PRELOAD='1'))
    assert 'MultiScaleDeformableAttention' in loud.stderr
    assert 'pkg_resources is deprecated' in loud.stderr
    asked = run(['-W', 'always::UserWarning', '-c', WARNING_CODE])
    assert 'MultiScaleDeformableAttention' in asked.stderr
