"""mmhcml: Hierarchical Contrastive Motion Learning (BMVC 2021) for MMAction2.

Importing the package applies the compatibility fixes of :mod:`mmhcml.compat`
(before anything imports ``mmaction.models``) and registers every component
in MMAction2's registries, so configs load it with
``custom_imports = dict(imports=['mmhcml'], allow_failed_imports=False)``.
The tools' packages (``analysis``, ``profiling``, ``benchmarks``, ``cli``,
``deploy``, ``visualization``) register nothing and are imported only by
those who use them.
"""
from . import compat

compat.apply_all()

from . import datasets, engine, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'compat', 'datasets', 'engine', 'models']
