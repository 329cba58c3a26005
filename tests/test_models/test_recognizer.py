import pytest
import torch

from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmhcml.models.recognizers.hcml_recognizer import motion_head_inputs
from tests.conftest import tiny_model_cfg


def samples(n, labelled=True):
    return [ActionDataSample().set_gt_label(i % 4) if labelled else
            ActionDataSample() for i in range(n)]


def clips(n=2, t=8, size=64):
    return torch.randn(n, 1, 3, t, size, size)


def test_losses_of_eq5_and_every_parameter_gets_a_gradient():
    model = MODELS.build(tiny_model_cfg())
    losses = model(clips(), samples(2), mode='loss')
    assert {'loss_cls', 'loss_rec_l1', 'loss_con_l2', 'loss_con_l3',
            'con_acc_l2', 'con_temporal_acc_l3', 'photometric_err_l1'} <= set(losses)
    parsed, _ = model.parse_losses(losses)
    parsed.backward()
    missing = [n for n, p in model.named_parameters()
               if p.requires_grad and (p.grad is None or not p.grad.abs().sum())]
    assert missing == []


def test_motion_heads_are_keyed_by_kind_and_level():
    model = MODELS.build(tiny_model_cfg())
    assert list(model.motion_heads) == ['rec_l1', 'con_l2', 'con_l3']
    cfg = tiny_model_cfg()
    cfg['motion_heads'].append(dict(type='ContrastiveMotionHead', level=2))
    with pytest.raises(ValueError, match="'con_l2'"):
        MODELS.build(cfg)


def test_each_head_gets_the_motion_features_of_its_input_levels(monkeypatch):
    model = MODELS.build(tiny_model_cfg(with_cls_head=False))
    seen = {}
    for key, head in model.motion_heads.items():
        def loss(feats, frames=None, key=key, original=head.loss):
            seen[key] = [f.shape[1:3] for f in feats]  # (channels, steps)
            return original(feats, frames)
        monkeypatch.setattr(head, 'loss', loss)
    losses = model(clips(), samples(2, labelled=False), mode='loss')
    assert {'loss_rec_l1', 'loss_con_l2', 'loss_con_l3'} <= set(losses)
    # P^1 (4 channels, 8 steps), P^2 (8, 4), P^3 (16, 2) in level order
    p1, p2, p3 = (4, 8), (8, 4), (16, 2)
    assert seen == dict(rec_l1=[p1], con_l2=[p1, p2], con_l3=[p2, p3])


def test_a_head_refuses_the_motion_dict():
    model = MODELS.build(tiny_model_cfg(with_cls_head=False))
    motion = {1: torch.zeros(1, 4, 8, 16, 16), 2: torch.zeros(1, 8, 4, 8, 8)}
    con = model.motion_heads['con_l2']
    with pytest.raises(TypeError, match=r'levels \(1, 2\), as a tuple.*'
                       r'got a dict with levels \[1, 2\]'):
        con.loss(motion)
    with pytest.raises(TypeError, match=r'level=1\).loss .* got 2 tensors'):
        model.motion_heads['rec_l1'].loss((motion[1], motion[1]),
                                          torch.zeros(1, 3, 8, 64, 64))
    picked = motion_head_inputs(con, motion)  # (P^1, P^2), not copies
    assert len(picked) == 2
    assert picked[0] is motion[1] and picked[1] is motion[2]


def test_self_supervised_stage_needs_no_labels_and_stops_early(monkeypatch):
    model = MODELS.build(tiny_model_cfg(with_cls_head=False, heads=('rec', )))
    res3 = model.backbone.stage(2)
    monkeypatch.setattr(res3, 'forward', lambda x: pytest.fail('ran res3'))
    losses = model(clips(), samples(2, labelled=False), mode='loss')
    assert set(losses) == {'loss_rec_l1', 'photometric_err_l1',
                           'smoothness_err_l1'}
    with pytest.raises(RuntimeError, match='no cls_head'):
        model.eval()
        model(clips(), samples(2), mode='predict')


def test_inference_never_runs_the_side_branch(monkeypatch):
    model = MODELS.build(tiny_model_cfg()).eval()
    for head in model.motion_heads.values():
        monkeypatch.setattr(head, 'forward',
                            lambda *a, **k: pytest.fail('side branch ran'))
    with torch.no_grad():
        out = model(clips(), samples(2), mode='predict')
        model(clips(), mode='tensor')
    assert len(out) == 2


def test_output_unchanged_without_side_branch_weights():
    full = MODELS.build(tiny_model_cfg())
    deploy = MODELS.build(tiny_model_cfg(heads=()))
    state = {k: v for k, v in full.state_dict().items()
             if not k.startswith('motion_heads.')}
    assert len(state) < len(full.state_dict())
    deploy.load_state_dict(state, strict=True)
    full.eval(), deploy.eval()
    x = clips()
    with torch.no_grad():
        a = full(x, samples(2), mode='predict')
        b = deploy(x, samples(2), mode='predict')
    for sa, sb in zip(a, b):
        torch.testing.assert_close(sa.pred_score, sb.pred_score)


def test_frames_are_mapped_back_to_unit_range():
    model = MODELS.build(tiny_model_cfg())
    raw = torch.randint(0, 256, (2, 3, 4, 8, 8)).float()
    dp = model.data_preprocessor
    normalised = (raw - dp.mean) / dp.std
    torch.testing.assert_close(model.frames_in_unit_range(normalised),
                               raw / 255.0)


@pytest.mark.parametrize('t', [2, 4, 8])
def test_training_shapes_for_clip_lengths(t):
    cfg = tiny_model_cfg(temporal_strides=(1, 1, 1, 1))
    model = MODELS.build(cfg)
    losses = model(clips(t=t), samples(2), mode='loss')
    assert all(torch.isfinite(v).all() for v in losses.values())


@pytest.mark.parametrize('heads,levels,match', [
    (('con2', ), (2, 3), 'levels'),
    (('rec', ), (2, 3), 'levels'),
])
def test_heads_need_their_levels(heads, levels, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(tiny_model_cfg(heads=heads, levels=levels))


def test_unknown_head_type_and_empty_model_are_refused():
    cfg = tiny_model_cfg()
    cfg['motion_heads'].append(dict(type='I3DHead', level=1))
    with pytest.raises(ValueError, match='motion_heads'):
        MODELS.build(cfg)
    with pytest.raises(ValueError, match='neither'):
        MODELS.build(tiny_model_cfg(with_cls_head=False, heads=()))


def test_init_weights_reaches_the_motion_heads():
    # the heads sit in a ModuleDict: init_weights must still run their own
    # init_weights (zero_init_flow) and init_cfg
    cfg = tiny_model_cfg(heads=('rec', 'con2'))
    cfg['motion_heads'][0]['zero_init_flow'] = True
    cfg['motion_heads'][1]['init_cfg'] = dict(type='Constant', val=0.5,
                                              layer='Conv3d')
    model = MODELS.build(cfg)
    model.init_weights()
    rec, con = model.motion_heads['rec_l1'], model.motion_heads['con_l2']
    assert rec.predict_flow.weight.abs().sum().item() == 0
    assert rec.predict_flow.bias.abs().sum().item() == 0
    convs = [m for m in con.modules() if isinstance(m, torch.nn.Conv3d)]
    assert convs and all(torch.all(m.weight == 0.5) for m in convs)
    # so the untrained flow is exactly zero everywhere
    flow = rec(torch.randn(1, rec.in_channels, 3, 8, 8))
    assert torch.count_nonzero(flow) == 0
    # zero_init_flow=False keeps PyTorch's initialisation
    plain_cfg = tiny_model_cfg(heads=('rec', ))
    plain_cfg['motion_heads'][0]['zero_init_flow'] = False
    plain = MODELS.build(plain_cfg)
    plain.init_weights()
    assert plain.motion_heads['rec_l1'].predict_flow.weight.abs().sum() > 0


@pytest.mark.parametrize('bad', ['4', 0, 2.0])
def test_num_classes_of_the_wrong_type_is_named(bad):
    cfg = tiny_model_cfg()
    cfg['cls_head']['num_classes'] = bad
    with pytest.raises(ValueError, match='cls_head.num_classes'):
        MODELS.build(cfg)
