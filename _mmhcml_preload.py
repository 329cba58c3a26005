"""Let MMAction2's own tools import ``mmaction.models`` beside mmhcml.

Installing mmhcml (``pip install -e .`` or a wheel) puts
``mmhcml-preload.pth`` into site-packages; its one line,
``import _mmhcml_preload``, runs this module at interpreter start. It edits
no installed file and imports nothing beyond the standard library: it puts
one finder at the front of ``sys.meta_path`` that acts once, when something
first imports ``mmaction.models``, and otherwise answers nothing.

At that moment it applies the two fixes of :mod:`mmhcml.compat` without
which ``import mmaction.models`` fails on the released stack (the missing
``mmaction.models.localizers.drn`` and VindLU beside a recent
``transformers``). Tools such as ``tools/analysis_tools/confusion_matrix.py``
call ``register_all_modules()``, which imports ``mmaction.models``, before
they read the config whose ``custom_imports`` would load mmhcml; with this
hook they work unchanged. The remaining fixes are applied, as before, when
the config's ``custom_imports`` imports mmhcml.

``mmhcml.compat`` is loaded from its file under a private name, so that the
``mmhcml`` package (which imports ``mmaction.models`` itself) is not imported
from inside the finder. The names of the fixes that acted are in
:data:`APPLIED`.

It also silences the two warnings every command printed on the pinned stack
(:data:`QUIET_WARNINGS`): mmcv-lite's ``MultiScaleDeformableAttention``
import (an mmcv op nothing here uses) and setuptools' ``pkg_resources``
deprecation, raised where mmengine 0.10.7 imports it. Both filters match only
that message from that module and are appended, so a ``-W`` or
``PYTHONWARNINGS`` setting still wins. ``MMHCML_NO_PRELOAD=1`` switches the
whole hook off.
"""
import importlib.util
import os
import sys
import warnings

__all__ = ['APPLIED', 'QUIET_WARNINGS', 'MMActionModelsFinder', 'install',
           'silence_known_warnings']

#: ``(message regex, module regex)`` of the UserWarnings silenced.
QUIET_WARNINGS = (
    (r'Fail to import ``MultiScaleDeformableAttention``',
     r'mmcv\.cnn\.bricks\.transformer$'),
    # first import (mmengine.utils.package_utils) and mmengine's reload
    (r'pkg_resources is deprecated as an API', r'(mmengine\..*|importlib)$'),
)

#: Names of the import fixes this hook applied in this process.
APPLIED = []


def _load_compat():
    """``mmhcml/compat.py`` as a module of its own (stdlib imports only)."""
    spec = importlib.util.find_spec('mmhcml')
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        path = os.path.join(root, 'compat.py')
        if os.path.isfile(path):
            compat_spec = importlib.util.spec_from_file_location(
                '_mmhcml_preload_compat', path)
            module = importlib.util.module_from_spec(compat_spec)
            compat_spec.loader.exec_module(module)
            return module
    return None


class MMActionModelsFinder:
    """Meta-path finder that fixes ``mmaction.models`` before its import.

    It never supplies a module (``find_spec`` returns ``None``); it only
    runs the import fixes the first time ``mmaction.models`` is looked up,
    then removes itself.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != 'mmaction.models':
            return None
        uninstall()
        compat = _load_compat()
        if compat is not None:
            for fix in (compat.fix_missing_drn, compat.fix_multimodal_import):
                if fix():
                    APPLIED.append(fix.__name__)
        return None


def uninstall() -> None:
    """Remove the finder (it acts once)."""
    sys.meta_path[:] = [
        f for f in sys.meta_path if not isinstance(f, MMActionModelsFinder)
    ]


def silence_known_warnings() -> None:
    """Ignore exactly the :data:`QUIET_WARNINGS` (appended filters)."""
    for message, module in QUIET_WARNINGS:
        warnings.filterwarnings('ignore', message=message,
                                category=UserWarning, module=module,
                                append=True)


def install() -> bool:
    """Put the finder in front of ``sys.meta_path``.

    Returns:
        bool: Whether it was installed (not when ``mmaction.models`` is
        already imported, when it is installed already, or when
        ``MMHCML_NO_PRELOAD`` is set). The warning filters are set in all
        cases but the last.
    """
    if os.environ.get('MMHCML_NO_PRELOAD'):
        return False
    silence_known_warnings()
    if 'mmaction.models' in sys.modules:
        return False
    if any(isinstance(f, MMActionModelsFinder) for f in sys.meta_path):
        return False
    sys.meta_path.insert(0, MMActionModelsFinder())
    return True


install()
