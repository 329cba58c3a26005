"""Every shipped entry config resolves to the dict recorded in
``tests/data/config_snapshot.json``, except the differences listed (and
explained) in :data:`INTENDED_DIFFERENCES`.

The snapshot proves that restructuring ``configs/`` (bases, schedules,
stage-checkpoint chains; issue 15) changes no value a runner reads. It was
generated at commit 5bece03, before the restructuring, with::

    python tests/test_configs/test_config_snapshot.py --update

A config whose values change on purpose is re-recorded with the same
command, in the commit that changes it, so the diff of the JSON shows what
moved.
"""
import argparse
import functools
import glob
import json
import os
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SNAPSHOT = osp.join(ROOT, 'tests', 'data', 'config_snapshot.json')

#: Top-level keys of an entry config that may differ from the snapshot,
#: each with the reason. Only helper variables that the runner never reads
#: belong here; every key MMEngine's Runner consumes (model, dataloaders,
#: hooks, optim_wrapper, schedules, evaluators, ...) must match exactly.
INTENDED_DIFFERENCES = {}


def entry_configs(root=ROOT):
    """Paths (relative to ``root``) of every config a user can pass."""
    paths = glob.glob(osp.join(root, 'configs', '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(p, root) for p in paths if '_base_' not in p.split(os.sep))


def _relative(value, root):
    """``value`` with absolute paths to the checkout or to site-packages
    replaced by ``<root>`` / ``<site>``, tuples as lists (JSON)."""
    if isinstance(value, dict):
        return {str(k): _relative(v, root) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_relative(v, root) for v in value]
    if isinstance(value, str):
        import mmaction
        site = osp.dirname(osp.dirname(osp.abspath(mmaction.__file__)))
        return value.replace(root, '<root>').replace(site, '<site>')
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return repr(value)


def resolve(path, root=ROOT):
    """The full dict of the config at ``root/path``, JSON-ready."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(root, path))
    return _relative(cfg.to_dict(), root)


def generate(root=ROOT):
    return {path: resolve(path, root) for path in entry_configs(root)}


@functools.lru_cache(maxsize=1)
def _load():
    with open(SNAPSHOT) as f:
        return json.load(f)


def test_the_set_of_entry_configs_is_unchanged():
    assert entry_configs() == sorted(_load()), (
        'entry configs were added or removed; re-record the snapshot '
        '(see the module docstring) if that is intended')


@pytest.mark.parametrize('path', entry_configs())
def test_config_resolves_to_its_snapshot(path):
    recorded = _load().get(path)
    if recorded is None:
        pytest.fail(f'{path} is not in {osp.relpath(SNAPSHOT, ROOT)}')
    current = resolve(path)
    allowed = INTENDED_DIFFERENCES.get(path, {})
    for key in sorted(set(recorded) | set(current)):
        if key in allowed:
            continue
        assert current.get(key) == recorded.get(key), (
            f'{path}: top-level key {key!r} differs from the snapshot')


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--update', action='store_true',
                        help=f'write {osp.relpath(SNAPSHOT, ROOT)}')
    parser.add_argument('--root', default=ROOT,
                        help='checkout whose configs are resolved')
    args = parser.parse_args()
    sys.path.insert(0, osp.abspath(args.root))
    snapshot = generate(osp.abspath(args.root))
    text = json.dumps(snapshot, indent=1, sort_keys=True) + '\n'
    if args.update:
        with open(SNAPSHOT, 'w') as f:
            f.write(text)
        print(f'{len(snapshot)} configs written to {SNAPSHOT}')
    else:
        sys.stdout.write(text)
