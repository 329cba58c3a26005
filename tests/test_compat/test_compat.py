"""Each compatibility fix of mmhcml.compat, tested in a fresh interpreter
where the fix must act before anything imports ``mmaction.models``."""
import os
import pickle
import subprocess
import sys
import textwrap

import pytest
import torch

from mmhcml import compat

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def run_python(code, extra_path=None):
    # without the start-up hook of mmhcml-preload.pth, which would apply the
    # import fixes itself (tests/test_tools/test_mmaction_tools.py)
    env = dict(os.environ, MMHCML_NO_PRELOAD='1')
    paths = [p for p in (extra_path, ROOT, env.get('PYTHONPATH')) if p]
    env['PYTHONPATH'] = os.pathsep.join(paths)
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          capture_output=True, text=True, env=env, timeout=300)


def test_released_mmaction_lacks_drn_and_import_mmhcml_fixes_it():
    plain = run_python('import mmaction.models')
    fixed = run_python('''
        import mmhcml, sys
        import mmaction.models
        from mmaction.registry import MODELS
        assert 'fix_missing_drn' in mmhcml.compat.APPLIED
        assert MODELS.get('HCMLRecognizer') is not None
        from mmaction.models.localizers import DRN
        try:
            DRN()
        except ImportError as e:
            print('DRN:', e)
    ''')
    assert fixed.returncode == 0, fixed.stderr
    assert 'does not ship mmaction/models/localizers/drn' in fixed.stdout
    if plain.returncode == 0:
        pytest.skip('this mmaction2 ships localizers/drn: nothing to fix')
    assert "No module named 'mmaction.models.localizers.drn'" in plain.stderr


_ANY_NAME = (
    "class _Any(type):\n"
    "    def __getattr__(cls, name):\n"
    "        if name.startswith('__'):\n"
    "            raise AttributeError(name)\n"
    "        return lambda *args, **kwargs: None\n"
    "def __getattr__(name):\n"
    "    if name.startswith('__'):\n"
    "        raise AttributeError(name)\n"
    "    return _Any(name, (), {})\n")


def make_fake_transformers(root):
    """A transformers 4.50 look-alike: every name VindLU imports exists except
    the three helpers that recent releases removed from modeling_utils."""
    pkg = root / 'transformers'
    for sub in ('', 'models', 'models/beit'):
        (pkg / sub).mkdir(parents=True, exist_ok=True)
        (pkg / sub / '__init__.py').write_text(_ANY_NAME)
    for mod in ('models/beit/modeling_beit', 'activations',
                'configuration_utils', 'file_utils', 'modeling_outputs'):
        (pkg / f'{mod}.py').write_text(_ANY_NAME)
    (pkg / 'modeling_utils.py').write_text('class PreTrainedModel: pass\n')
    for sub in ('timm', 'timm/models', 'timm/models/layers'):
        (root / sub).mkdir()
        (root / sub / '__init__.py').write_text(_ANY_NAME)
    dist = root / 'transformers-4.50.0.dist-info'
    dist.mkdir()
    (dist / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: transformers\nVersion: 4.50.0\n')
    return str(root)


def test_recent_transformers_disables_multimodal_models_once(tmp_path):
    site = make_fake_transformers(tmp_path)
    # compat.py loaded by path, so that ``import mmhcml`` does not fix it all
    plain = run_python(f'''
        import importlib.util
        spec = importlib.util.spec_from_file_location(
            'compat_only', {os.path.join(ROOT, 'mmhcml', 'compat.py')!r})
        c = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(c)
        c.fix_missing_drn()
        import mmaction.models
    ''', extra_path=site)
    assert plain.returncode != 0
    assert 'apply_chunking_to_forward' in plain.stderr
    fixed = run_python('''
        import warnings
        warnings.simplefilter('always')
        import mmhcml
        import mmaction.models
        assert 'fix_multimodal_import' in mmhcml.compat.APPLIED
        from mmaction.registry import MODELS
        print(MODELS.get('VindLUVQA'))
    ''', extra_path=site)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stderr.count("MMAction2's multimodal models (VindLU) are "
                              'unavailable') == 1
    assert "cannot import name 'apply_chunking_to_forward'" in fixed.stderr


def test_multimodal_fix_is_a_no_op_when_transformers_works():
    result = run_python('''
        import mmhcml.compat as c
        c.fix_missing_drn()
        print(c.fix_multimodal_import(probe=lambda: None))
    ''')
    assert result.stdout.strip() == 'False', result.stderr


def test_mmengine_checkpoint_state_loads_with_weights_only(tmp_path):
    from mmengine.logging import HistoryBuffer, MessageHub
    hub = MessageHub.get_instance('compat_test')
    hub.update_scalar('train/loss', 1.5)
    hub.update_info('iter', 3)
    state = dict(message_hub=hub.state_dict(), buffer=HistoryBuffer([1, 2], [1, 1]),
                 meta=dict(seed=1))
    path = tmp_path / 'ckpt.pth'
    torch.save(state, path)
    loaded = torch.load(path, map_location='cpu')  # weights_only default
    assert loaded['buffer'].current() == 2
    assert loaded['message_hub']['log_scalars']['train/loss'].current() == 1.5


def test_resume_allow_list_excludes_arbitrary_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ('echo pwned',))

    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        torch.save({'state_dict': {}, 'x': Evil()}, f)
    with pytest.raises(pickle.UnpicklingError, match='system'):
        torch.load(path, map_location='cpu')
    assert os.system not in compat.checkpoint_safe_globals()


def test_getattr_in_checkpoints_reaches_only_history_buffer_statistics(tmp_path):
    from mmengine.logging import HistoryBuffer

    class Sneaky:
        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__init__'))

    path = tmp_path / 'sneaky.pth'
    torch.save({'x': Sneaky()}, path)
    with pytest.raises(pickle.UnpicklingError, match='only allows'):
        torch.load(path, map_location='cpu')


@pytest.mark.parametrize('dist,found,match', [
    ('mmcv', '2.2.0', r'mmcv>=2.0.0,<2.2.0 but mmcv==2.2.0'),
    ('mmengine', '0.9.0', r'mmengine>=0.10.0,<0.11.0 but mmengine==0.9.0'),
    ('mmaction2', None, r'mmaction2 is not installed'),
])
def test_version_check_names_package_and_range(dist, found, match):
    good = {'mmcv': '2.1.0', 'mmengine': '0.10.7', 'mmaction2': '1.2.0',
            'setuptools': '84.2.1'}
    versions = dict(good, **{dist: found})
    with pytest.raises(ImportError, match=match):
        compat.check_versions(get_version=versions.get)
    compat.check_versions(get_version=good.get)


def test_missing_pkg_resources_names_setuptools():
    good = {'mmcv': '2.1.0', 'mmengine': '0.10.7', 'mmaction2': '1.2.0',
            'setuptools': '84.2.1'}
    with pytest.raises(ImportError, match=r'setuptools \(84.2.1\) has none'):
        compat.check_versions(get_version=good.get,
                              has_pkg_resources=lambda: False)
    compat.check_versions(get_version=good.get, has_pkg_resources=lambda: True)


def test_cpu_launcher_refuses_nccl_with_a_fix(monkeypatch):
    import mmengine.dist.utils as dist_utils
    if torch.cuda.is_available():
        pytest.skip('the fix only acts without CUDA')
    assert getattr(dist_utils._init_dist_pytorch, '_mmhcml_cpu', False)
    with pytest.raises(ValueError, match="backend='gloo'"):
        dist_utils._init_dist_pytorch('nccl')


def test_only_the_two_file_client_warnings_are_silenced():
    import io
    import logging

    from mmengine.fileio import FileClient, HardDiskBackend
    from mmengine.logging import MMLogger, print_log
    assert 'fix_file_client_warnings' in compat.APPLIED
    logger = MMLogger.get_instance('test_file_client_warnings')
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        # what MMAction2 1.2.0's DecordInit / RawFrameDecode trigger
        FileClient('disk')
        HardDiskBackend()
        print_log('"FileClient" is mentioned but this is another warning',
                  logger='test_file_client_warnings',
                  level=logging.WARNING)
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert 'will be deprecated in future' not in text
    assert 'this is another warning' in text
    # idempotent: applying again adds no second filter
    assert compat.fix_file_client_warnings() is False
    assert sum(type(f).__name__ == '_DropFileClientWarnings'
               for f in logger.filters) == 1
