"""The packaging lives in setup.cfg. This file adds what setup.cfg cannot
express: ``mmhcml-preload.pth`` beside the package, the ``mmhcml/.mim``
folder OpenMMLab's ``mim`` reads, and ``top_level.txt`` in the order ``mim``
expects.

``mmhcml-preload.pth``
    Lets MMAction2's own tools import ``mmaction.models`` while mmhcml is
    installed (see ``_mmhcml_preload.py``). A ``.pth`` file works only at the
    top of site-packages; it is written into the wheel's root by ``build_py``
    (wheels) and by ``editable_wheel`` (``pip install -e .``) beside
    setuptools' own ``.pth`` files, and pip removes it again on
    ``pip uninstall mmhcml``.

``mmhcml/.mim``
    ``mim search mmhcml`` (and ``mim train`` / ``mim test`` / ``mim
    download``) look for ``<package dir>/.mim/model-index.yml``,
    ``.mim/configs`` and ``.mim/tools``, where ``<package dir>`` is
    ``<dist location>/mmhcml`` if that exists, else ``<dist location>/<first
    line of top_level.txt>`` (openmim 0.3.9, ``mim.utils.get_installed_path``).

    * A wheel gets real copies of ``model-index.yml``, ``configs/`` and
      ``tools/`` under ``mmhcml/.mim/`` (``build_py``), so the paths in
      ``model-index.yml`` and ``configs/hcml/metafile.yml`` resolve inside the
      installed package.
    * An editable install uses the source tree, whose ``mmhcml/.mim/`` holds
      three relative symlinks to the same items. Its dist-info sits in
      site-packages, where no ``mmhcml`` folder exists (setuptools maps the
      import to the source tree), so the first line of the editable wheel's
      ``top_level.txt`` is the absolute path of the source ``mmhcml`` folder:
      ``os.path.join`` of the dist location with an absolute path is that
      path. The editable wheel is specific to this checkout anyway (its
      import finder holds the same absolute path).

``top_level.txt``
    setuptools writes the top-level names sorted, which puts the start-up
    module ``_mmhcml_preload`` before ``mmhcml``; ``mim`` takes the first
    line as the import name, so ``mmhcml`` is written first.
"""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.editable_wheel import editable_wheel
from setuptools.command.egg_info import egg_info

ROOT = os.path.dirname(os.path.abspath(__file__))
PACKAGE = 'mmhcml'
PTH_NAME = 'mmhcml-preload.pth'
PTH_TEXT = 'import _mmhcml_preload\n'
#: Items of the repository root that ``mim`` reads from ``mmhcml/.mim/``.
MIM_ITEMS = ('model-index.yml', 'configs', 'tools')
_MIM_SKIP = ('__pycache__', '*.pyc')


def write_pth(folder: str) -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, PTH_NAME)
    with open(path, 'w') as f:
        f.write(PTH_TEXT)
    return path


def mim_files():
    """``(source, path under .mim)`` of every file the wheel's ``.mim`` holds.

    Raises:
        FileNotFoundError: an item of :data:`MIM_ITEMS` is missing from the
            source tree (an sdist built without ``MANIFEST.in``).
    """
    files = []
    for item in MIM_ITEMS:
        source = os.path.join(ROOT, item)
        if os.path.isfile(source):
            files.append((source, item))
        elif os.path.isdir(source):
            for folder, dirs, names in os.walk(source):
                dirs[:] = sorted(d for d in dirs if d != '__pycache__')
                for name in sorted(names):
                    if name.endswith('.pyc'):
                        continue
                    path = os.path.join(folder, name)
                    files.append((path, os.path.relpath(path, ROOT)))
        else:
            raise FileNotFoundError(
                f'{item!r} (for {PACKAGE}/.mim, read by `mim search '
                f'{PACKAGE}`) is missing from {ROOT}')
    return files


def top_level_text(names, first: str = PACKAGE) -> str:
    """``top_level.txt`` with ``first`` on the first line, the rest sorted."""
    names = [n for n in names if n and n != first]
    return '\n'.join([first, *sorted(set(names))]) + '\n'


class EggInfoPackageFirst(egg_info):
    """``egg_info`` that writes ``mmhcml`` first into ``top_level.txt``."""

    def write_file(self, what, filename, data):
        if os.path.basename(filename) == 'top_level.txt':
            data = top_level_text(data.splitlines())
        super().write_file(what, filename, data)


class BuildPyWithPth(build_py):
    """``build_py`` that puts the ``.pth`` file into a wheel's root and
    fills ``mmhcml/.mim`` with copies of :data:`MIM_ITEMS`."""

    def _mim_dir(self):
        return os.path.join(self.build_lib, PACKAGE, '.mim')

    def run(self):
        super().run()
        if self.editable_mode:
            return
        write_pth(self.build_lib)
        target = self._mim_dir()
        # a fresh copy, so that a config deleted from the source tree does
        # not survive in build/ from an earlier build
        if os.path.islink(target):
            os.unlink(target)
        elif os.path.isdir(target):
            shutil.rmtree(target)
        for source, rel in mim_files():
            dest = os.path.join(target, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(source, dest)

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        target = self._mim_dir()
        return [*outputs, os.path.join(self.build_lib, PTH_NAME),
                *(os.path.join(target, rel) for _, rel in mim_files())]


class EditableWheelWithPth(editable_wheel):
    """``editable_wheel`` that adds the ``.pth`` file to the editable wheel
    and points the first line of its ``top_level.txt`` at the source
    ``mmhcml`` folder (whose ``.mim`` symlinks serve ``mim``).

    ``_install_namespaces`` is where setuptools writes the ``.pth`` files of
    namespace packages into the unpacked wheel, after copying the dist-info
    there; ours goes beside them.
    """

    def _install_namespaces(self, installation_dir, pth_prefix):
        super()._install_namespaces(installation_dir, pth_prefix)
        write_pth(str(installation_dir))
        source = os.path.join(ROOT, PACKAGE)
        if not os.path.isfile(os.path.join(source, '.mim', 'model-index.yml')):
            self.warn(f'{source}/.mim/model-index.yml does not resolve (a '
                      'checkout without symlinks?): `mim search '
                      f'{PACKAGE}` will not find the models')
        top_level = os.path.join(str(installation_dir),
                                 os.path.basename(self.dist_info_dir),
                                 'top_level.txt')
        with open(top_level) as f:
            names = f.read().splitlines()
        with open(top_level, 'w') as f:
            f.write(top_level_text(names, first=source))


setup(cmdclass={'build_py': BuildPyWithPth,
                'egg_info': EggInfoPackageFirst,
                'editable_wheel': EditableWheelWithPth})
