"""``mim search mmhcml`` finds the model zoo.

openmim 0.3.9 reads ``<package dir>/.mim/model-index.yml``, where
``<package dir>`` is ``<dist location>/mmhcml`` if that folder exists, else
``<dist location>/<first line of top_level.txt>``
(``mim.utils.get_installed_path``; ``mmengine.utils.get_installed_path`` is
the same rule and serves here as the oracle). The paths inside the index
(``Import``, ``Config``, ``README``) are relative to ``.mim``.

Both wheels are built from a copy of the packaging inputs, without pip, the
network or build isolation (setuptools' PEP 517 hooks in a subprocess):

* the wheel must ship ``mmhcml/.mim`` with copies of ``model-index.yml``,
  the metafiles, every config it names and ``tools/`` (``mim train`` /
  ``mim test``), and list ``mmhcml`` first in ``top_level.txt`` (setuptools
  sorts ``_mmhcml_preload`` first);
* the editable wheel must point the first line of ``top_level.txt`` at the
  source ``mmhcml`` folder, whose ``.mim`` links resolve.

The installed distribution of this environment is checked the same way,
and, where openmim is installed, by ``python -m mim search`` itself.
"""
import importlib.util
import os
import os.path as osp
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest
import yaml

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: What a build reads: packaging files, the package, the preload module and
#: the items setup.py copies into ``mmhcml/.mim``.
BUILD_INPUTS = ('setup.py', 'setup.cfg', 'pyproject.toml', 'MANIFEST.in',
                'README.md', 'LICENSE', '_mmhcml_preload.py',
                'model-index.yml', 'mmhcml', 'configs', 'tools')
REINSTALL = ('reinstall the plugin: cd /work/main && '
             'pip install torch==2.13.0 -e ".[tests]"')
#: Metadata fields that ``mim search --condition`` compares as numbers.
NUMERIC_FIELDS = ('Batch Size', 'Epochs', 'FLOPs', 'Parameters')


def run_python(code, cwd, pythonpath=None):
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env['OMP_NUM_THREADS'] = '1'
    if pythonpath:
        env['PYTHONPATH'] = pythonpath
    out = subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                         cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope='module')
def source(tmp_path_factory):
    """A copy of the build inputs (``mmhcml/.mim`` links kept as links)."""
    src = tmp_path_factory.mktemp('src')
    skip = shutil.ignore_patterns('__pycache__', '*.pyc', '*.egg-info')
    for item in BUILD_INPUTS:
        path = osp.join(ROOT, item)
        if osp.isdir(path):
            shutil.copytree(path, src / item, symlinks=True, ignore=skip)
        else:
            shutil.copy2(path, src / item)
    return src


def build(source, hook):
    """``setuptools.build_meta.<hook>`` run in ``source``; the wheel's path."""
    name = run_python(f"""
        from setuptools import build_meta
        print(build_meta.{hook}('dist'))
        """, cwd=source)
    return osp.join(source, 'dist', name)


def unpack(wheel, folder):
    with zipfile.ZipFile(wheel) as z:
        z.extractall(folder)
    return str(folder)


def mim_package_dir(site, cwd):
    """``get_installed_path('mmhcml')`` with ``site`` first on the path."""
    return run_python("""
        from mmengine.utils import get_installed_path
        print(get_installed_path('mmhcml'))
        """, cwd=cwd, pythonpath=site)


def check_model_index(package_dir):
    """What ``mim search`` reads resolves under ``package_dir/.mim``.

    Returns:
        list[dict]: the models of every imported metafile.
    """
    mim = osp.join(package_dir, '.mim')
    with open(osp.join(mim, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    models = []
    for meta in index['Import']:
        with open(osp.join(mim, meta)) as f:
            metafile = yaml.safe_load(f)
        for collection in metafile['Collections']:
            assert osp.isfile(osp.join(mim, collection['README'])), collection
        for model in metafile['Models']:
            assert osp.isfile(osp.join(mim, model['Config'])), model['Name']
        models += metafile['Models']
    for tool in ('train.py', 'test.py'):  # mim train / mim test
        assert osp.isfile(osp.join(mim, 'tools', tool)), tool
    return models


def source_models():
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    names = []
    for meta in index['Import']:
        with open(osp.join(ROOT, meta)) as f:
            names += [m['Name'] for m in yaml.safe_load(f)['Models']]
    return names


def _names_and_top_level(z):
    names = z.namelist()
    return names, next(z.read(n).decode() for n in names
                       if n.endswith('.dist-info/top_level.txt'))


def test_wheel_ships_the_model_index_where_mim_reads_it(source, tmp_path):
    wheel = build(source, 'build_wheel')
    with zipfile.ZipFile(wheel) as z:
        names, top_level = _names_and_top_level(z)
        # the copies are of the current source files, not stale ones
        for rel in ('model-index.yml', 'configs/hcml/metafile.yml',
                    'configs/hcml/joint_k400.py', 'tools/train.py'):
            with open(osp.join(ROOT, rel), 'rb') as f:
                assert z.read(f'mmhcml/.mim/{rel}') == f.read(), rel
    assert top_level.splitlines() == ['mmhcml', '_mmhcml_preload']
    # the start-up hook still ships at the wheel's root
    assert {'mmhcml-preload.pth', '_mmhcml_preload.py'} <= set(names)
    assert not [n for n in names if '__pycache__' in n or n.endswith('.pyc')]
    # every config of the source tree ships, and only those
    shipped = {n[len('mmhcml/.mim/'):] for n in names
               if n.startswith('mmhcml/.mim/configs/')}
    expected = set()
    for folder, dirs, files in os.walk(osp.join(ROOT, 'configs')):
        dirs[:] = [d for d in dirs if d != '__pycache__']
        expected |= {osp.relpath(osp.join(folder, f), ROOT) for f in files
                     if not f.endswith('.pyc')}
    assert shipped == expected

    site = unpack(wheel, tmp_path / 'site')
    package_dir = mim_package_dir(site, cwd=tmp_path)
    assert package_dir == osp.join(site, 'mmhcml')
    models = check_model_index(package_dir)
    assert [m['Name'] for m in models] == source_models()


def test_editable_wheel_points_mim_at_the_source_tree(source, tmp_path):
    wheel = build(source, 'build_editable')
    with zipfile.ZipFile(wheel) as z:
        names, top_level = _names_and_top_level(z)
    assert 'mmhcml-preload.pth' in names
    # the import names stay listed after the path mim reads
    assert top_level.splitlines() == [
        str(source / 'mmhcml'), '_mmhcml_preload', 'mmhcml']

    site = unpack(wheel, tmp_path / 'site')
    assert not osp.exists(osp.join(site, 'mmhcml'))
    package_dir = mim_package_dir(site, cwd=tmp_path)
    assert package_dir == str(source / 'mmhcml')
    check_model_index(package_dir)


def test_mim_search_numbers_are_numbers():
    """``mim search --condition 'flops<4e10'`` compares every model's value:
    a string such as "not measured" stops it with a TypeError."""
    with open(osp.join(ROOT, 'configs', 'hcml', 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    for model in models:
        for field in NUMERIC_FIELDS:
            value = model['Metadata'].get(field)
            assert value is None or isinstance(value, (int, float)), (
                f"{model['Name']}: Metadata.{field} = {value!r} is not a "
                'number (leave it out when unknown)')


def test_installed_distribution_resolves_for_mim(tmp_path):
    """The mmhcml installed in this environment (wheel or editable)."""
    if importlib.util.find_spec('mmengine') is None:
        pytest.skip('mmengine is not installed')
    package_dir = mim_package_dir(None, cwd=tmp_path)
    assert osp.isfile(osp.join(package_dir, '.mim', 'model-index.yml')), (
        f'mim reads {package_dir}/.mim/model-index.yml, which is missing: '
        + REINSTALL)
    check_model_index(package_dir)


@pytest.mark.skipif(importlib.util.find_spec('mim') is None,
                    reason='openmim is not installed')
def test_mim_search_lists_the_models(tmp_path):
    valid = run_python("""
        from mim.commands.search import get_model_info
        print(sorted(get_model_info('mmhcml', to_dict=True)))
        """, cwd=tmp_path)
    assert valid == str(sorted(source_models()))
