"""The package's layers point down: the training code never
imports the tools' packages, and ``import mmhcml`` loads only what
registers components. Checked on the import statements themselves."""
import ast
import glob
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PACKAGE = osp.join(ROOT, 'mmhcml')

#: Each layer and the mmhcml packages it must not import.
_TOOLS = ('analysis', 'profiling', 'benchmarks', 'cli', 'deploy', 'apis')
FORBIDDEN = {
    'models': _TOOLS + ('engine', 'datasets', 'visualization'),
    'engine': _TOOLS,
    'datasets': _TOOLS + ('engine', 'models'),
    'visualization': _TOOLS + ('engine', 'datasets', 'models'),
    # apis read checkpoints through engine.checkpoint_io's one loader, as
    # the runner does
    'apis': _TOOLS[:-1],
    'deploy': ('analysis', 'profiling', 'benchmarks', 'cli'),
    'profiling': ('analysis', 'benchmarks', 'cli'),
}


def mmhcml_imports(path):
    """The first-level mmhcml packages a module imports, e.g. {'models'}."""
    module = osp.relpath(path, ROOT)[:-3].split(osp.sep)
    if module[-1] == '__init__':
        module = module[:-1]
    found = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module[:len(module) - node.level + (
                    path.endswith('__init__.py'))]
                name = '.'.join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ''
            names = [name] + [f'{name}.{a.name}' for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for full in names:
            parts = full.split('.')
            if parts[0] == 'mmhcml' and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize('layer', sorted(FORBIDDEN))
def test_layer_imports_nothing_above_it(layer):
    bad = []
    for path in glob.glob(osp.join(PACKAGE, layer, '**', '*.py'),
                          recursive=True):
        for target in mmhcml_imports(path) & set(FORBIDDEN[layer]):
            bad.append(f'{osp.relpath(path, ROOT)} imports mmhcml.{target}')
    assert not bad, '\n'.join(bad)


def test_the_checker_sees_relative_imports():
    hook = osp.join(PACKAGE, 'engine', 'hooks', 'flow_visualization_hook.py')
    assert {'models', 'visualization'} <= mmhcml_imports(hook)


def test_import_mmhcml_loads_no_tool_package():
    code = ('import sys, mmhcml; print(sorted({m.split(".")[1] for m in '
            'sys.modules if m.startswith("mmhcml.")}))')
    out = subprocess.run([sys.executable, '-c', code], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    loaded = set(ast.literal_eval(out.strip().splitlines()[-1]))
    assert loaded.isdisjoint(_TOOLS), loaded
    assert {'models', 'engine', 'datasets'} <= loaded



#: ``tools/<folder>`` -> the package its scripts are the thin front of: each
#: wing of the package has one home and its scripts in a tools folder of
#: the same name (the data scripts front ``mmhcml/datasets``).
TOOL_FOLDERS = {'analysis': 'analysis', 'profiling': 'profiling',
                'deploy': 'deploy', 'data': 'datasets',
                'benchmarks': 'benchmarks'}


def script_imports(path):
    """The first-level mmhcml packages a script imports."""
    found = set()
    for node in ast.walk(ast.parse(open(path).read())):
        names = ([node.module or ''] if isinstance(node, ast.ImportFrom) else
                 [a.name for a in node.names]
                 if isinstance(node, ast.Import) else [])
        found.update(n.split('.')[1] for n in names
                     if n.startswith('mmhcml.'))
    return found


@pytest.mark.parametrize('folder', sorted(TOOL_FOLDERS))
def test_each_tool_folder_fronts_its_package(folder):
    package = TOOL_FOLDERS[folder]
    assert osp.isdir(osp.join(PACKAGE, package))
    scripts = sorted(glob.glob(osp.join(ROOT, 'tools', folder, '*.py')))
    assert scripts, f'tools/{folder}/ has no script'
    strays = [osp.relpath(p, ROOT) for p in scripts
              if package not in script_imports(p)]
    assert not strays, (f'{strays} do not use mmhcml.{package}: their home '
                        'is another tools folder')
    # the engineering measurements are not among the paper's analyses
    if folder == 'analysis':
        assert not [p for p in scripts if 'profiling' in script_imports(p)]

def test_no_grab_bag_utils_module():
    """Helpers live with the layer that owns them (``eval_mode`` in
    ``models/utils/modes.py``, loading in ``apis``); a package-level
    ``_utils.py`` that other layers import would be a grab-bag."""
    found = [osp.relpath(p, ROOT) for p in glob.glob(
        osp.join(PACKAGE, '**', '_utils.py'), recursive=True)]
    assert not found, found


def module_graph(root=ROOT):
    """``{module: modules of the package it imports}`` for every module
    under ``root/mmhcml``, from its import statements (``TYPE_CHECKING``
    blocks included); a package is named by its ``__init__``."""
    paths = glob.glob(osp.join(root, 'mmhcml', '**', '*.py'), recursive=True)
    modules = {}
    for path in paths:
        parts = osp.relpath(path, root)[:-3].split(osp.sep)
        is_pkg = parts[-1] == '__init__'
        modules['.'.join(parts[:-1] if is_pkg else parts)] = (path, is_pkg)
    graph = {}
    for name, (path, is_pkg) in modules.items():
        package = name.split('.')[:None if is_pkg else -1]
        targets = set()
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] \
                    if node.level else []
                module = '.'.join(base + [node.module] if node.module
                                  else base)
                for alias in node.names:
                    full = f'{module}.{alias.name}'
                    targets.add(full if full in modules else module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def import_cycles(graph):
    """The modules of every import circle in ``graph``, one sorted list per
    circle (strongly connected components of more than one module)."""
    order, low, stack, cycles = {}, {}, [], []

    def visit(module):
        order[module] = low[module] = len(order)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            component = stack[stack.index(module):]
            del stack[stack.index(module):]
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return cycles


def test_no_import_circle_between_modules():
    """Issue 15: the house drawn from the imports has no circle (the
    synthetic benchmark is spec -> render -> write, not two modules that
    import each other)."""
    assert import_cycles(module_graph()) == []


def test_the_circle_finder_sees_a_circle(tmp_path):
    pkg = tmp_path / 'mmhcml' / 'data'
    pkg.mkdir(parents=True)
    (tmp_path / 'mmhcml' / '__init__.py').write_text('')
    (pkg / '__init__.py').write_text('from .spec import Spec\n')
    (pkg / 'spec.py').write_text(
        'from typing import TYPE_CHECKING\n'
        'if TYPE_CHECKING:\n    from .render import draw\n')
    (pkg / 'render.py').write_text('from mmhcml.data.spec import Spec\n')
    graph = module_graph(str(tmp_path))
    assert graph['mmhcml.data'] == {'mmhcml.data.spec'}
    assert import_cycles(graph) == [['mmhcml.data.render',
                                     'mmhcml.data.spec']]


#: The backbone's private parts: only ``mmhcml/models/backbones`` may touch
#: them; everything else uses HCMLBackbone's public methods
#: (``forward_levels``, ``stage``, ``modules_up_to``) or ``level_features``.
PRIVATE_BACKBONE = ('_stem', '_stages', '_tail', '_split_backbone',
                    '_run_levels')


def private_backbone_uses(path):
    """``(line, name)`` of every attribute or import of a private backbone
    name in a Python file."""
    found = []
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE_BACKBONE:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom):
            found += [(node.lineno, a.name) for a in node.names
                      if a.name in PRIVATE_BACKBONE]
    return found


def test_private_backbone_parts_stay_in_backbones(tmp_path):
    owner = osp.join(PACKAGE, 'models', 'backbones')
    bad = []
    for folder in ('mmhcml', 'tools', 'tests', 'docs'):
        for path in glob.glob(osp.join(ROOT, folder, '**', '*.py'),
                              recursive=True):
            if path.startswith(owner + osp.sep):
                continue
            bad += [f'{osp.relpath(path, ROOT)}:{line} uses {name}'
                    for line, name in private_backbone_uses(path)]
    assert not bad, '\n'.join(bad)
    # the check itself finds a use
    probe = tmp_path / 'probe.py'
    probe.write_text('x = model.backbone._stages[1]\n'
                     'from m import _split_backbone\n')
    assert sorted(private_backbone_uses(str(probe))) == [(1, "_stages"),
                                                         (2, "_split_backbone")]
