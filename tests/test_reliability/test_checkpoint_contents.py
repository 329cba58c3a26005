"""What a checkpoint contains: every read goes through ``safe_load``, which
names the file on every failure, requires names -> tensors and finite float
weights (naming the first bad key), for every user-facing path (test tool,
``load_from``, the API loader, the deploy strip tool)."""
import os
import os.path as osp
import re
import zipfile

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmaction.registry import MODELS
from mmhcml.apis import load_model
from mmhcml.cli import test as test_tool
from mmhcml.deploy import strip_side_branch
from mmhcml.engine.checkpoint_io import (NonFiniteCheckpointError,
                                         UnreadableCheckpointError,
                                         UnsafeCheckpointError, safe_load)
from tests.conftest import data_overrides

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(ROOT, 'configs/hcml/tiny/hcml_tiny_joint_synthetic.py')


class _Payload:

    def __reduce__(self):
        return os.getcwd, ()


@pytest.fixture(scope='module')
def tiny_state():
    torch.manual_seed(0)
    return MODELS.build(Config.fromfile(TINY).model).state_dict()


def nan_checkpoint(tmp_path, state, key='cls_head.fc_cls.weight'):
    state = {k: v.clone() for k, v in state.items()}
    state[key].view(-1)[3] = float('nan')
    path = str(tmp_path / 'diverged.pth')
    torch.save({'state_dict': state, 'meta': {}}, path)
    return path


def test_non_finite_weights_refused_on_every_path(rendered_benchmark,
                                                  tmp_path, tiny_state):
    path = nan_checkpoint(tmp_path, tiny_state)
    expected = r"diverged.pth' holds non-finite weights: " \
        r"'cls_head.fc_cls.weight' has 1 NaN/Inf value"
    # tools/test.py (used to exit 0 with a score)
    with pytest.raises(NonFiniteCheckpointError, match=expected):
        test_tool.main([TINY, path, '--work-dir', str(tmp_path / 't'),
                        '--cfg-options', *data_overrides(rendered_benchmark)])
    # load_from (used to surface later as a loss error blaming the batch)
    cfg = Config.fromfile(TINY)
    cfg.merge_from_dict(dict(
        o.split('=', 1) for o in data_overrides(rendered_benchmark)))
    cfg.work_dir, cfg.load_from = str(tmp_path / 'w'), path
    runner = Runner.from_cfg(cfg)
    with pytest.raises(NonFiniteCheckpointError, match=expected):
        runner.load_or_resume()
    # the API loader of the analysis tools and the demo
    with pytest.raises(NonFiniteCheckpointError, match=expected):
        load_model(TINY, path)
    # an Inf in a buffer is found too; integer tensors are not checked
    state = dict(tiny_state)
    state['backbone.backbone.bn1.running_var'] = torch.tensor([float('inf')])
    torch.save(state, str(tmp_path / 'bare.pth'))
    with pytest.raises(NonFiniteCheckpointError, match='bn1.running_var'):
        safe_load(str(tmp_path / 'bare.pth'))
    safe_load(str(tmp_path / 'bare.pth'), check_state=False)  # on purpose


@pytest.mark.parametrize('content,match', [
    ({'state_dict': {'w': 1.0}}, r"'state_dict' maps 'w' to a float"),
    ({'w': [1, 2]}, r"bare dict\) maps 'w' to a list"),
    ({'state_dict': [torch.zeros(1)]}, r"'state_dict' is a list, not a dict"),
    ({'state_dict': {}}, r'is empty, it holds no weights'),
    ({'model': {'w': torch.zeros(1)}}, r"maps 'model' to a dict"),
])
def test_state_dict_must_map_names_to_tensors(tmp_path, content, match):
    path = str(tmp_path / 'odd.pth')
    torch.save(content, path)
    with pytest.raises(UnreadableCheckpointError) as error:
        safe_load(path)
    assert 'odd.pth' in str(error.value)
    assert re.search(match, str(error.value))


def test_foreign_files_are_named_not_reader_errors(tmp_path):
    with zipfile.ZipFile(tmp_path / 'archive.pth', 'w') as archive:
        archive.writestr('data/readme.txt', 'not a checkpoint')
    (tmp_path / 'text.pth').write_text('just some text, not a checkpoint')
    (tmp_path / 'noise.pth').write_bytes(bytes(range(7, 250)) * 4)
    for name in ('archive.pth', 'text.pth', 'noise.pth'):
        with pytest.raises(UnreadableCheckpointError,
                           match=rf"'{tmp_path / name}' is .*not a torch "
                           'checkpoint'):
            safe_load(str(tmp_path / name))


def test_strip_tool_reads_through_the_one_loader(tmp_path, tiny_state):
    out = str(tmp_path / 'out')
    unsafe = str(tmp_path / 'unsafe.pth')
    torch.save({'state_dict': tiny_state, 'meta': _Payload()}, unsafe)
    with pytest.raises(UnsafeCheckpointError, match='unsafe.pth'):
        strip_side_branch(TINY, unsafe, out)
    (tmp_path / 'empty.pth').write_bytes(b'')
    with pytest.raises(UnreadableCheckpointError, match=r'empty.pth.*0 bytes'):
        strip_side_branch(TINY, str(tmp_path / 'empty.pth'), out)
    whole = str(tmp_path / 'whole.pth')
    torch.save({'state_dict': tiny_state, 'meta': {}}, whole)
    data = open(whole, 'rb').read()
    (tmp_path / 'cut.pth').write_bytes(data[:len(data) // 2])
    with pytest.raises(UnreadableCheckpointError, match=r'cut.pth.*truncated'):
        strip_side_branch(TINY, str(tmp_path / 'cut.pth'), out)
    with pytest.raises(NonFiniteCheckpointError, match='diverged.pth'):
        strip_side_branch(TINY, nan_checkpoint(tmp_path, tiny_state), out)
    assert not osp.exists(out)  # nothing written for a refused file
