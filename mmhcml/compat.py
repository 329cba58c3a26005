"""Compatibility fixes for the released MMAction2 1.2.0 stack, in one place.

``import mmhcml`` calls :func:`apply_all` once, before anything imports
``mmaction.models``. Every fix is narrow, visible (it is recorded in
:data:`APPLIED` and logged once) and never edits files of an installed package:

1. :func:`check_versions` - mmcv / mmengine / mmaction2 outside the supported
   range raise an ``ImportError`` naming the package, the installed version and
   the supported range (instead of MMAction2's bare ``assert``); so does a
   setuptools >= 81, whose missing ``pkg_resources`` breaks mmengine's
   ``mmaction::`` config inheritance.
2. :func:`fix_missing_drn` - the mmaction2 1.2.0 wheel and sdist lack
   ``mmaction/models/localizers/drn`` while ``mmaction/models/localizers``
   imports it, so ``import mmaction.models`` fails. An in-memory module stands
   in for it; its ``DRN`` raises an ``ImportError`` saying why when built.
3. :func:`fix_multimodal_import` - beside a recent ``transformers``,
   mmaction2 1.2.0's VindLU models fail to import
   (``apply_chunking_to_forward`` moved), and with them ``mmaction.models``.
   When their imports would fail, MMAction2 is told the multimodal extras are
   absent, so it registers its own placeholders; the user is told once.
4. :func:`fix_safe_resume` - mmengine 0.10.7 loads checkpoints with
   ``torch.load``'s default, which is ``weights_only=True`` from torch 2.6 on,
   and rejects the ``HistoryBuffer`` and numpy objects its own checkpoints hold.
   Exactly those classes are allow-listed through
   ``torch.serialization.add_safe_globals``; nothing is ever loaded with
   ``weights_only=False``.
5. :func:`fix_cpu_distributed` - mmengine 0.10.7's PyTorch launcher calls
   ``torch.cuda.set_device`` unconditionally, so distributed runs of CPU
   processes (``gloo``) fail on a machine without CUDA. There, the process
   group is initialised without it; asking for ``nccl`` without CUDA gets an
   error that names the fix.
6. :func:`fix_explicit_weights_only` - mmengine 0.10.7 calls ``torch.load``
   without ``weights_only``, so on torch < 2.6 (or with
   ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``) a crafted checkpoint runs code.
   The ``torch`` name inside ``mmengine.runner.checkpoint`` and
   ``mmengine.utils.dl_utils.hub`` is rebound to a view of torch whose
   ``load`` is :func:`mmhcml.engine.checkpoint_io.safe_load`: every loader
   MMEngine has (local files, URLs, ``open-mmlab://`` ...) passes
   ``weights_only=True`` explicitly, and refusals, empty, truncated and
   non-dict files get messages of their own.
7. :func:`fix_file_client_warnings` - MMAction2 1.2.0's decoding transforms
   still create mmengine's deprecated ``FileClient`` / ``HardDiskBackend``,
   so every training and test command logs the same two deprecation
   warnings, once per data loader worker. A logging filter on MMEngine's
   loggers drops exactly those two messages; every other warning passes.
"""
import importlib
import importlib.util
import logging
import os
import pickle
import sys
import types
import warnings
from typing import Callable, Dict, List, Optional, Tuple

from importlib_metadata import PackageNotFoundError, version

__all__ = [
    'SUPPORTED_VERSIONS', 'APPLIED', 'apply_all', 'check_versions',
    'fix_missing_drn', 'fix_multimodal_import', 'fix_safe_resume',
    'fix_cpu_distributed', 'fix_explicit_weights_only',
    'fix_file_client_warnings', 'checkpoint_safe_globals'
]

#: distribution name -> (minimum inclusive, maximum exclusive, module name).
SUPPORTED_VERSIONS: Dict[str, Tuple[str, str, str]] = {
    'mmengine': ('0.10.0', '0.11.0', 'mmengine'),
    'mmcv': ('2.0.0', '2.2.0', 'mmcv'),
    'mmaction2': ('1.2.0', '1.3.0', 'mmaction'),
}
# mmcv is installed either as ``mmcv`` (with ops) or ``mmcv-lite``.
_DISTRIBUTION_ALIASES = {'mmcv': ('mmcv', 'mmcv-lite')}

_HISTORY_BUFFER_STATISTICS = frozenset(('min', 'max', 'current', 'mean'))

#: Names of the fixes that changed something in this process.
APPLIED: List[str] = []
_DONE = False

_DRN_MODULES = ('mmaction.models.localizers.drn',
                'mmaction.models.localizers.drn.drn')
#: What mmaction2 1.2.0's VindLU imports from third-party packages.
_VINDLU_IMPORTS = (
    ('transformers.modeling_utils',
     ('PreTrainedModel', 'apply_chunking_to_forward',
      'find_pruneable_heads_and_indices', 'prune_linear_layer')),
    ('transformers.models.beit.modeling_beit', ('BeitAttention', 'BeitLayer')),
    ('timm.models.layers', ('DropPath', )),
    ('einops', ()),
)


def _version_tuple(text: str) -> Tuple[int, ...]:
    parts = []
    for piece in text.split('+')[0].split('.'):
        digits = ''.join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
        if not piece.isdigit():  # e.g. '0rc4': stop after the number
            break
    return tuple(parts)


def _installed_version(dist: str) -> Optional[str]:
    for name in _DISTRIBUTION_ALIASES.get(dist, (dist, )):
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return None


def _has_pkg_resources() -> bool:
    return importlib.util.find_spec('pkg_resources') is not None


def check_versions(
        get_version: Callable[[str], Optional[str]] = _installed_version,
        has_pkg_resources: Callable[[], bool] = _has_pkg_resources) -> None:
    """Raise ``ImportError`` when an OpenMMLab dependency is missing or off.

    Args:
        get_version (Callable): Maps a distribution name to its installed
            version or ``None``. Defaults to reading the package metadata.
        has_pkg_resources (Callable): Whether ``pkg_resources`` can be
            imported; mmengine 0.10.7 resolves ``mmaction::`` config bases
            through it, and setuptools dropped it in recent releases.

    Raises:
        ImportError: Names the package, the installed version and the
            supported range, and how to install a supported one.
    """
    for dist, (low, high, _) in SUPPORTED_VERSIONS.items():
        found = get_version(dist)
        hint = (f'install one with `pip install "{dist}>={low},<{high}"`'
                if dist != 'mmcv' else
                f'install one with `pip install "mmcv-lite>={low},<{high}"` '
                '(or a full mmcv build in that range)')
        if found is None:
            raise ImportError(
                f'mmhcml needs {dist}>={low},<{high} but {dist} is not '
                f'installed; {hint}.')
        if not (_version_tuple(low) <= _version_tuple(found) <
                _version_tuple(high)):
            raise ImportError(
                f'mmhcml supports {dist}>={low},<{high} but {dist}=={found} '
                f'is installed; {hint}.')
    if not has_pkg_resources():
        raise ImportError(
            'mmengine 0.10.7 needs pkg_resources (to resolve mmaction:: '
            'config bases), but the installed setuptools '
            f'({get_version("setuptools")}) has none; install one that has '
            'it with `pip install "setuptools<81"`.')


def _drn_placeholder_module() -> types.ModuleType:

    class DRN:  # noqa: D401 - mirrors the missing class's name
        """Stand-in for MMAction2's DRN, absent from the 1.2.0 release."""

        def __init__(self, *args, **kwargs) -> None:
            raise ImportError(
                'DRN is not available: the released mmaction2 1.2.0 package '
                'does not ship mmaction/models/localizers/drn. Install '
                'mmaction2 from source to use it.')

    module = types.ModuleType(_DRN_MODULES[1])
    module.__doc__ = ('mmhcml.compat stand-in for the module missing from '
                      'the mmaction2 1.2.0 release.')
    module.DRN = DRN
    return module


def fix_missing_drn() -> bool:
    """Make ``mmaction.models.localizers.drn`` importable when it is missing.

    Returns:
        bool: Whether the stand-in was installed.
    """
    if 'mmaction.models' in sys.modules or _DRN_MODULES[1] in sys.modules:
        return False
    # ``find_spec`` of a submodule would import ``mmaction.models`` itself,
    # which is what fails: look on disk beside the top-level package instead.
    spec = importlib.util.find_spec('mmaction')
    roots = list(spec.submodule_search_locations or []) if spec else []
    if not roots or any(
            os.path.isdir(os.path.join(r, 'models', 'localizers', 'drn'))
            for r in roots):
        return False
    inner = _drn_placeholder_module()
    package = types.ModuleType(_DRN_MODULES[0])
    package.__path__ = []  # a package, so that ``.drn.drn`` resolves
    package.drn = inner
    package.DRN = inner.DRN
    sys.modules[_DRN_MODULES[0]] = package
    sys.modules[_DRN_MODULES[1]] = inner
    return True


def _multimodal_import_error() -> Optional[str]:
    """Why VindLU's third-party imports would fail here, or ``None``."""
    for module_name, names in _VINDLU_IMPORTS:
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # any failure inside the package counts
            return f'{type(error).__name__}: {error}'
        missing = [n for n in names if not hasattr(module, n)]
        if missing:
            return (f"cannot import name {missing[0]!r} from "
                    f"{module_name!r}")
    return None


def fix_multimodal_import(
        probe: Callable[[], Optional[str]] = _multimodal_import_error
) -> bool:
    """Keep ``import mmaction.models`` working when VindLU cannot import.

    MMAction2 decides from the ``transformers`` version alone; a recent
    ``transformers`` (or one without ``timm``) then breaks the whole of
    ``mmaction.models``. Here the actual imports are probed first.

    Args:
        probe (Callable): Returns why the multimodal models would fail to
            import, or ``None``. Defaults to probing their imports.

    Returns:
        bool: Whether MMAction2's multimodal models were switched off.
    """
    if 'mmaction.models' in sys.modules:
        return False
    dependency = importlib.import_module('mmaction.utils.dependency')
    if not dependency.WITH_MULTIMODAL:
        return False
    reason = probe()
    if reason is None:
        return False
    dependency.WITH_MULTIMODAL = False
    warnings.warn(
        "mmhcml: MMAction2's multimodal models (VindLU) are unavailable in "
        f'this process because their imports fail ({reason}); with '
        'mmaction2 1.2.0 this happens beside a recent transformers. HCML does '
        'not use them.',
        stacklevel=2)
    return True


def _history_buffer_method(owner: type, name: str):
    """The only ``getattr`` a checkpoint may call: a HistoryBuffer statistic.

    MMEngine pickles :class:`HistoryBuffer`'s registered statistics methods
    as ``getattr(HistoryBuffer, 'mean')``. Allow-listing the builtin
    ``getattr`` would hand a checkpoint every attribute of every loaded
    object; this stand-in answers just those lookups and refuses the rest.
    """
    from mmengine.logging import HistoryBuffer
    # the defaults exist on the class before any buffer registers them
    allowed = _HISTORY_BUFFER_STATISTICS | set(HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({owner!r}, {name!r}); mmhcml only '
        'allows the statistics methods of mmengine HistoryBuffer')


def checkpoint_safe_globals() -> list:
    """The globals MMEngine checkpoints need beyond torch's defaults.

    Message hub state holds :class:`mmengine.logging.HistoryBuffer` objects
    whose buffers are numpy arrays and scalars, and whose statistics methods
    are pickled through ``getattr`` (answered by a restricted stand-in).
    """
    import numpy as np
    from mmengine.logging import HistoryBuffer

    core = getattr(np, '_core', None) or np.core
    allowed = [
        HistoryBuffer, np.ndarray, np.dtype, core.multiarray._reconstruct,
        core.multiarray.scalar, (_history_buffer_method, 'builtins.getattr'),
        (_history_buffer_method, '__builtin__.getattr')
    ]
    # numpy >= 1.25 pickles dtypes through their per-type classes.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType') and isinstance(getattr(dtypes, name),
                                                     type)
        ]
    return allowed


def fix_safe_resume() -> bool:
    """Allow-list the classes MMEngine checkpoints hold, for torch >= 2.6.

    Returns:
        bool: Whether classes were added to torch's safe globals.
    """
    import torch
    serialization = torch.serialization
    if not hasattr(serialization, 'add_safe_globals'):
        return False
    serialization.add_safe_globals(checkpoint_safe_globals())
    return True


def fix_cpu_distributed() -> bool:
    """Let mmengine's PyTorch launcher start CPU-only process groups.

    Returns:
        bool: Whether the launcher was wrapped (only without CUDA).
    """
    import torch
    if torch.cuda.is_available():
        return False
    dist_utils = importlib.import_module('mmengine.dist.utils')
    original = dist_utils._init_dist_pytorch
    if getattr(original, '_mmhcml_cpu', False):
        return False

    def _init_dist_pytorch(backend, init_backend='torch', **kwargs):
        if backend == 'nccl':
            raise ValueError(
                "env_cfg.dist_cfg.backend='nccl' needs CUDA GPUs, and none "
                "is available: use backend='gloo' for CPU processes, e.g. "
                '--cfg-options env_cfg.dist_cfg.backend=gloo')
        if init_backend != 'torch':
            return original(backend, init_backend=init_backend, **kwargs)
        torch.distributed.init_process_group(backend=backend, **kwargs)

    _init_dist_pytorch._mmhcml_cpu = True
    dist_utils._init_dist_pytorch = _init_dist_pytorch
    return True


#: MMEngine modules whose ``torch.load`` calls are made weights-only.
_MMENGINE_LOADING_MODULES = ('mmengine.runner.checkpoint',
                             'mmengine.utils.dl_utils.hub')


class _WeightsOnlyTorch(types.ModuleType):
    """``torch`` as MMEngine's loading modules see it: ``load`` is safe."""

    def __init__(self, torch_module: types.ModuleType) -> None:
        super().__init__('torch')
        self._torch = torch_module

    def __getattr__(self, name: str):
        return getattr(self._torch, name)

    @staticmethod
    def load(f, map_location=None, **kwargs):
        from mmhcml.engine.checkpoint_io import safe_load
        return safe_load(f, map_location=map_location, **kwargs)


def fix_explicit_weights_only() -> bool:
    """Make every checkpoint MMEngine loads pass ``weights_only=True``.

    Returns:
        bool: Whether a module's ``torch`` was rebound.
    """
    import torch
    changed = False
    for name in _MMENGINE_LOADING_MODULES:
        module = importlib.import_module(name)
        if isinstance(getattr(module, 'torch', None), _WeightsOnlyTorch):
            continue
        module.torch = _WeightsOnlyTorch(torch)
        changed = True
    return changed


#: The beginnings of the two deprecation messages of mmengine.fileio that
#: MMAction2 1.2.0's own transforms trigger (see fix 7).
FILE_CLIENT_WARNINGS = (
    '"FileClient" will be deprecated in future.',
    '"HardDiskBackend" is the alias of "LocalBackend" and the former will '
    'be deprecated in future.',
)


class _DropFileClientWarnings(logging.Filter):
    """Drops the records of :data:`FILE_CLIENT_WARNINGS`, nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not message.startswith(FILE_CLIENT_WARNINGS)


def _add_file_client_filter(logger: logging.Logger) -> None:
    if not any(isinstance(f, _DropFileClientWarnings) for f in logger.filters):
        logger.addFilter(_DropFileClientWarnings())


def fix_file_client_warnings() -> bool:
    """Silence the two ``FileClient`` deprecation warnings (fix 7).

    Every existing :class:`~mmengine.logging.MMLogger` gets the filter, and
    so does every one created later (``MMLogger.__init__`` is wrapped).

    Returns:
        bool: Whether ``MMLogger`` was wrapped now.
    """
    from mmengine.logging import MMLogger
    for logger in list(MMLogger._instance_dict.values()):
        _add_file_client_filter(logger)
    if getattr(MMLogger.__init__, '_mmhcml_filters', False):
        return False
    original = MMLogger.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        _add_file_client_filter(self)

    __init__._mmhcml_filters = True
    __init__.__wrapped__ = original
    MMLogger.__init__ = __init__
    return True


def apply_all() -> List[str]:
    """Apply every fix once; returns the names of the fixes that acted."""
    global _DONE
    if _DONE:
        return APPLIED
    check_versions()
    _DONE = True
    for fix in (fix_missing_drn, fix_multimodal_import, fix_safe_resume,
                fix_cpu_distributed, fix_explicit_weights_only,
                fix_file_client_warnings):
        if fix():
            APPLIED.append(fix.__name__)
    return APPLIED
