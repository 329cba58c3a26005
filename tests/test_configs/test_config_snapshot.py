"""Every shipped entry config resolves to the dict recorded in
``tests/data/config_snapshot.json``, except the differences listed (and
explained) in :data:`INTENDED_DIFFERENCES`.

The snapshot proves that restructuring ``configs/`` (bases, schedules,
stage-checkpoint chains) changes no value a runner reads. It was
generated at commit 5bece03, before the restructuring, with::

    python tests/test_configs/test_config_snapshot.py --update

A config whose values change on purpose is re-recorded with the same
command, in the commit that changes it, so the diff of the JSON shows what
moved.
"""
import argparse
import copy
import functools
import glob
import json
import os
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SNAPSHOT = osp.join(ROOT, 'tests', 'data', 'config_snapshot.json')

#: Keys (dotted paths) that may differ from the snapshot, per config (``'*'``:
#: every config), each with the reason. Everything else must match exactly.
INTENDED_DIFFERENCES = {
    '*': {
        # _base_/models/r2d50.py now inherits MMAction2's
        # mmaction::_base_/models/i3d_r50.py, and MMEngine marks a
        # dict inherited across packages with the scope it came from. The
        # models are built in the mmaction scope either way
        # (default_scope='mmaction', where mmhcml registers its components).
        'model._scope_',
        # The R(2+1)D-101 input pipelines left the dataset bases:
        # their helper variables are gone from every config, and the
        # configs/hcml/r2plus1d101/ configs derive their pipelines from the
        # inherited ones with _base_/models/r2plus1d101_inputs.py. The
        # dataloaders that hold the pipelines are compared in full.
        *(f'{step}_r2plus1d101' for step in (
            'sample', 'sample_val', 'sample_test', 'rescale',
            'train_pipeline', 'unlabelled_pipeline', 'val_pipeline',
            'test_pipeline')),
        'r2plus1d101_inputs',
        # _base_/models/hcml_r2d50.py names its heads' settings once; the
        # stage configs build their heads from them. The heads
        # themselves (model.motion_heads) are compared in full.
        'flow_head',
        'contrastive_head',
        # The heads take their Eq. 2-3 / Eq. 4 losses as registered modules,
        # named once in _base_/models/hcml_r2d50.py with every paper knob
        # (zeta, alpha, eps, tau) written out; the heads that use them
        # (model.motion_heads) are compared in full.
        'reconstruction_loss',
        'contrastive_loss',
        # _base_/hcml_runtime.py names D.2's SGD once; the stage-2
        # configs go back to it from stage 1's AdamW. The optimisers
        # themselves (optim_wrapper) are compared in full.
        'sgd_optimizer',
    },
}

#: Hooks compared by the state they are built with rather than by their
#: config text: the schedule hooks may be written in their ``stage=`` form
#: (read from mmhcml.engine.schedule) instead of spelling the levels and the
#: checkpoint chain out; built, both forms must hold the same
#: ``frozen_levels`` / ``stages``.
SCHEDULE_HOOKS = ('ProgressiveFreezeHook', 'LoadStageCheckpointHook')


def is_entry_config(path):
    """A config a user trains or tests: outside ``_base_`` and built on a
    base (data files such as ``configs/hcml/real_footage/splits.py`` are
    read by tools, not by the runner)."""
    if '_base_' in path.split(os.sep):
        return False
    with open(path) as handle:
        return '_base_' in handle.read()


def entry_configs(root=ROOT):
    """Paths (relative to ``root``) of every config a user can pass."""
    paths = glob.glob(osp.join(root, 'configs', '**', '*.py'), recursive=True)
    return sorted(osp.relpath(p, root) for p in paths if is_entry_config(p))


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


def _drop(cfg, keys):
    """Remove the key at the path ``keys`` from ``cfg``, if it is there."""
    for key in keys[:-1]:
        cfg = cfg.get(key) if isinstance(cfg, dict) else None
    if isinstance(cfg, dict):
        cfg.pop(keys[-1], None)


def _canonical_hooks(hooks):
    """``custom_hooks`` with every schedule hook replaced by its type and
    the public attributes of the hook it builds."""
    from mmaction.registry import HOOKS
    out = []
    for hook in hooks or []:
        if hook.get('type') in SCHEDULE_HOOKS:
            built = HOOKS.build(copy.deepcopy(hook))
            state = {k: v for k, v in vars(built).items()
                     if not k.startswith('_')}
            hook = _relative(dict(type=hook['type'], **state), ROOT)
        out.append(hook)
    return out


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
    recorded = copy.deepcopy(_load().get(path))
    if recorded is None:
        pytest.fail(f'{path} is not in {osp.relpath(SNAPSHOT, ROOT)}')
    current = resolve(path)
    allowed = INTENDED_DIFFERENCES.get('*', set()) | INTENDED_DIFFERENCES.get(
        path, set())
    for dotted in allowed:
        for cfg in (current, recorded):
            _drop(cfg, dotted.split('.'))
    for key in sorted(set(recorded) | set(current)):
        if key == 'custom_hooks':
            assert _canonical_hooks(current.get(key)) == _canonical_hooks(
                recorded.get(key)), f'{path}: custom_hooks build other hooks'
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
