"""Where LoadStageCheckpointHook looks for an earlier stage after --work-dir."""
import os.path as osp

import pytest

from mmhcml.engine.hooks.load_stage_checkpoint_hook import \
    LoadStageCheckpointHook

STAGE2 = dict(name='stage2_sthv1', work_dir='work_dirs/stage2_sthv1')


def test_relative_stage_dir_is_beside_this_runs_work_dir(tmp_path):
    run = str(tmp_path / 'runs' / 'exp1' / 'stage3_sthv1')
    assert LoadStageCheckpointHook.stage_dir(STAGE2, run) == str(
        tmp_path / 'runs' / 'exp1' / 'stage2_sthv1')
    # default work dirs: the configured folder
    default = osp.abspath('work_dirs/stage3_sthv1')
    assert LoadStageCheckpointHook.stage_dir(STAGE2, default) == \
        osp.abspath('work_dirs/stage2_sthv1')
    # deeper defaults keep only the stage's own folder name
    deep = dict(name='s2', work_dir='work_dirs/r2plus1d101/stage2_k400/')
    assert LoadStageCheckpointHook.stage_dir(deep, '/a/b/stage3_k400') == \
        '/a/b/stage2_k400'


def test_absolute_stage_dir_is_used_as_given(tmp_path):
    stage = dict(name='stage1', work_dir=str(tmp_path / 'elsewhere'))
    assert LoadStageCheckpointHook.stage_dir(
        stage, '/runs/x/stage2') == str(tmp_path / 'elsewhere')
    assert LoadStageCheckpointHook.stage_dir(STAGE2) == STAGE2['work_dir']


def test_final_checkpoint_found_beside_the_run(tmp_path):
    stage_dir = tmp_path / 'runs' / 'exp1' / 'stage2_sthv1'
    stage_dir.mkdir(parents=True)
    (stage_dir / 'epoch_150.pth').write_bytes(b'x')
    (stage_dir / 'last_checkpoint').write_text(str(stage_dir / 'epoch_150.pth'))
    folder = LoadStageCheckpointHook.stage_dir(
        STAGE2, str(tmp_path / 'runs' / 'exp1' / 'stage3_sthv1'))
    assert LoadStageCheckpointHook.final_checkpoint(STAGE2, folder) == str(
        stage_dir / 'epoch_150.pth')
    # a run elsewhere does not pick it up, and says where it looked
    other = LoadStageCheckpointHook.stage_dir(
        STAGE2, str(tmp_path / 'runs' / 'exp2' / 'stage3_sthv1'))
    with pytest.raises(FileNotFoundError, match='exp2/stage2_sthv1/last_'):
        LoadStageCheckpointHook.final_checkpoint(STAGE2, other)


class _Log:
    """Collects what the hook logs."""

    def __init__(self):
        self.lines = []

    def info(self, text):
        self.lines.append(('info', text))

    def warning(self, text):
        self.lines.append(('warning', text))


def stage1_run(folder, epoch, max_epochs, seed=0):
    """A stage-1 run folder as MMEngine leaves it: its checkpoint (meta and
    message hub recording how far it got) and ``last_checkpoint``."""
    import torch
    from mmaction.registry import MODELS
    from tests.conftest import tiny_model_cfg
    torch.manual_seed(seed)
    model = MODELS.build(tiny_model_cfg(with_cls_head=False, heads=('rec', )))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f'epoch_{epoch}.pth'
    torch.save(dict(
        state_dict=model.state_dict(), meta=dict(epoch=epoch, iter=3 * epoch),
        message_hub=dict(log_scalars={}, resumed_keys={}, runtime_info=dict(
            max_epochs=max_epochs, max_iters=3 * max_epochs))), path)
    (folder / 'last_checkpoint').write_text(str(path))
    return model.state_dict()


def load_stage1(folder, allow_partial=False):
    """The hook's before_train into a stage-2 model: (model, log)."""
    from types import SimpleNamespace

    from mmaction.registry import MODELS
    from tests.conftest import tiny_model_cfg
    model = MODELS.build(tiny_model_cfg(with_cls_head=False,
                                        heads=('rec', 'con2')))
    hook = LoadStageCheckpointHook(
        stages=[dict(name='stage1', work_dir=str(folder), heads=['rec_l1'])],
        allow_partial=allow_partial)
    log = _Log()
    hook.before_train(SimpleNamespace(model=model, logger=log,
                                      work_dir=str(folder.parent / 'stage2')))
    return model, log.lines


def test_unfinished_stage_refused_unless_allow_partial(tmp_path):
    from mmhcml.engine.checkpoint_io import UnfinishedCheckpointError
    stage1_run(tmp_path / 'stage1', epoch=1, max_epochs=4)
    with pytest.raises(UnfinishedCheckpointError,
                       match=r'epoch_1.pth stopped at epoch 1 of 4 '
                       r'\(iteration 3 of 12\).*did not finish.*'
                       r'allow_partial=True'):
        load_stage1(tmp_path / 'stage1')
    _, log = load_stage1(tmp_path / 'stage1', allow_partial=True)
    assert ('warning', 'LoadStageCheckpointHook: allow_partial=True: the '
            f'stage1 checkpoint {tmp_path}/stage1/epoch_1.pth stopped at '
            'iteration 3 of 12; starting from it anyway') in log
    stage1_run(tmp_path / 'stage1', epoch=4, max_epochs=4)  # finished
    load_stage1(tmp_path / 'stage1')
    with pytest.raises(ValueError, match='allow_partial must be True or'):
        LoadStageCheckpointHook(stages=[STAGE2], allow_partial='yes')


def test_moved_or_copied_run_folder_loads_its_own_checkpoint(tmp_path):
    import shutil

    import torch
    name = 'backbone.backbone.conv1.conv.weight'
    weights = stage1_run(tmp_path / 'old' / 'stage1', 4, 4, seed=1)
    shutil.move(str(tmp_path / 'old'), str(tmp_path / 'moved'))
    model, log = load_stage1(tmp_path / 'moved' / 'stage1')
    assert torch.equal(model.state_dict()[name], weights[name])
    text = log[-1][1]
    assert f'from {tmp_path}/moved/stage1/epoch_4.pth ({tmp_path}/moved/' \
        f'stage1/last_checkpoint names {tmp_path}/old/stage1/epoch_4.pth, ' \
        'which no longer exists (was the run folder moved or copied?)' in text
    # copied, and the old place trains on: the copy's own file is loaded
    shutil.copytree(tmp_path / 'moved', tmp_path / 'old')
    stage1_run(tmp_path / 'old' / 'stage1', 4, 4, seed=2)
    (tmp_path / 'moved' / 'stage1' / 'last_checkpoint').write_text(
        str(tmp_path / 'old' / 'stage1' / 'epoch_4.pth'))
    model, log = load_stage1(tmp_path / 'moved' / 'stage1')
    assert torch.equal(model.state_dict()[name], weights[name])
    assert 'which is outside this folder' in log[-1][1]
