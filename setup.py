"""The packaging lives in setup.cfg. This file only adds ``mmhcml-preload.pth``
to the installed files, so that MMAction2's own tools can import
``mmaction.models`` while mmhcml is installed (see ``_mmhcml_preload.py``).

A ``.pth`` file works only at the top of site-packages, which setup.cfg
cannot express; it is written into the wheel's root by ``build_py`` (wheels)
and by ``editable_wheel`` (``pip install -e .``) beside setuptools' own
``.pth`` files, and pip removes it again on ``pip uninstall mmhcml``.
"""
import os

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.editable_wheel import editable_wheel

PTH_NAME = 'mmhcml-preload.pth'
PTH_TEXT = 'import _mmhcml_preload\n'


def write_pth(folder: str) -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, PTH_NAME)
    with open(path, 'w') as f:
        f.write(PTH_TEXT)
    return path


class BuildPyWithPth(build_py):
    """``build_py`` that also puts the ``.pth`` file into a wheel's root."""

    def run(self):
        super().run()
        if not self.editable_mode:
            write_pth(self.build_lib)

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return [*outputs, os.path.join(self.build_lib, PTH_NAME)]


class EditableWheelWithPth(editable_wheel):
    """``editable_wheel`` that adds the ``.pth`` file to the editable wheel.

    ``_install_namespaces`` is where setuptools writes the ``.pth`` files of
    namespace packages into the unpacked wheel; ours goes beside them.
    """

    def _install_namespaces(self, installation_dir, pth_prefix):
        super()._install_namespaces(installation_dir, pth_prefix)
        write_pth(str(installation_dir))


setup(cmdclass={'build_py': BuildPyWithPth,
                'editable_wheel': EditableWheelWithPth})
