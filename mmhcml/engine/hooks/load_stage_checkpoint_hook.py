"""Stage chaining of the progressive schedule (section 3.2, appendix D.2).

Stage 2 starts from stage 1's final weights, stage 3 from stage 2's, and
joint training from all three (the backbone of stage 3 and the motion head
each stage trained).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import find_latest_checkpoint

from mmaction.registry import HOOKS
from ..checkpoint_io import (check_finished, resolve_last_checkpoint,
                             safe_load)
from ..schedule import stage_chain

__all__ = [
    'LoadStageCheckpointHook', 'check_backbone_keys', 'check_stage_heads'
]


def check_backbone_keys(model_state: Dict[str, torch.Tensor],
                        checkpoint_state: Dict[str, torch.Tensor],
                        source: str) -> None:
    """Raise ``ValueError`` unless the backbone keys and shapes agree.

    The error lists the missing and unexpected keys, and shape mismatches,
    so that a checkpoint of the wrong stage or backbone is recognisable.
    """
    ours = {k: v for k, v in model_state.items() if k.startswith('backbone.')}
    theirs = {
        k: v
        for k, v in checkpoint_state.items() if k.startswith('backbone.')
    }
    missing = sorted(set(ours) - set(theirs))
    unexpected = sorted(set(theirs) - set(ours))
    mismatched = sorted(k for k in set(ours) & set(theirs)
                        if ours[k].shape != theirs[k].shape)
    if missing or unexpected or mismatched:

        def show(keys):
            head = ', '.join(keys[:8])
            return f'{head}, ... ({len(keys)} in all)' if len(keys) > 8 else (
                head or '-')

        raise ValueError(
            f'{source} does not fit this model\'s backbone (a checkpoint of '
            f'another backbone or schedule?)\n  missing keys: {show(missing)}'
            f'\n  unexpected keys: {show(unexpected)}\n  shape mismatches: '
            f'{show(mismatched)}')


def check_stage_heads(checkpoint_state: Dict[str, torch.Tensor],
                      heads: Sequence[str], source: str) -> None:
    """Raise ``ValueError`` unless the checkpoint holds these motion heads.

    The backbones of all stages have the same keys, so the heads a stage
    trained are what tell its checkpoint apart from another stage's.
    """
    found = sorted({
        k.split('.')[1]
        for k in checkpoint_state if k.startswith('motion_heads.')
    })
    missing = [h for h in heads if h not in found]
    if missing:
        raise ValueError(
            f'{source} is not the expected stage\'s: it lacks the motion '
            f'heads {missing} (missing keys motion_heads.{missing[0]}.*); '
            f'its motion heads are {found or "none"} (unexpected for this '
            'stage)')


@HOOKS.register_module()
class LoadStageCheckpointHook(Hook):
    """Load the final checkpoints of earlier stages before training starts.

    Each stage's final checkpoint is the one its ``work_dir/last_checkpoint``
    names (written by MMEngine's ``CheckpointHook``). Stages load in order,
    so later ones win; the backbone of each must match this model exactly,
    motion heads are taken where this model has them and skipped otherwise.
    Nothing is loaded when the run resumes from a checkpoint of its own.

    Each file is read by :func:`mmhcml.engine.checkpoint_io.safe_load`
    (names -> finite tensors), and must come from a run that finished its
    schedule: a stage that died in its first epoch of four is refused,
    naming the epoch it reached, unless ``allow_partial=True``. A
    ``last_checkpoint`` naming a path that is gone (the runs folder was
    moved) or outside the stage's folder resolves to the checkpoint of that
    name inside the folder; the log names the file loaded and why
    (:func:`mmhcml.engine.checkpoint_io.resolve_last_checkpoint`).

    Where a stage is looked for (the rule behind ``--work-dir``): a relative
    ``work_dir`` names a folder *beside this run's work_dir*,
    ``<parent of this run's work_dir>/<last part of the stage's work_dir>``;
    an absolute one is used as given. With the shipped configs' default
    work dirs (``work_dirs/<config name>``) this is the configured folder;
    after ``--work-dir runs/exp1/stage2_sthv1``, stage 3 run with
    ``--work-dir runs/exp1/stage3_sthv1`` finds stage 2 in
    ``runs/exp1/stage2_sthv1`` without editing the hook.

    Note:
        The weights are loaded in ``before_train``: MMEngine initialises the
        model's weights *after* ``before_run``, which would overwrite them.
        ``priority = 'VERY_HIGH'`` puts them in place before any other hook
        sees the model at the start of training.

    Args:
        stages (Sequence[dict]): Each ``dict(name=..., work_dir=...)``
            (``work_dir`` as described above),
            optionally with ``config`` (shown in the error message) and
            ``heads``, the motion heads that stage trained (e.g.
            ``['con_l2']``): a checkpoint without them is one of another
            stage and is refused. Defaults to ``None``: built from ``stage``
            and ``run``.
        stage (str, optional): The stage this run trains; the stages it
            loads, their work dirs, configs and heads come from the schedule
            table (:func:`mmhcml.engine.schedule.stage_chain`). Defaults to
            ``None``.
        run (str, optional): With ``stage``: the name pattern of the
            schedule's runs, e.g. ``'r2plus1d101/{stage}_k400'``. Defaults
            to ``None``.
        allow_partial (bool): Start from a stage checkpoint whose run
            stopped before the end of its schedule (a warning says how far
            it got). Defaults to ``False``.
        work_dir (str, optional): With ``stage``: the pattern of the
            loaded runs' work dirs, with ``{name}`` (the run's name) and/or
            ``{stage}``, e.g. ``'work_dirs/synthetic/{name}'``. Defaults to
            ``None``: ``'work_dirs/{name}'``.
        config (str, optional): With ``stage``: the pattern of the loaded
            runs' configs, e.g. ``'configs/hcml/tiny/{name}.py'``. Defaults
            to ``None``: ``'configs/hcml/{name}.py'``.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 stages: Optional[Sequence[dict]] = None,
                 stage: Optional[str] = None,
                 run: Optional[str] = None,
                 allow_partial: bool = False,
                 work_dir: Optional[str] = None,
                 config: Optional[str] = None) -> None:
        if not isinstance(allow_partial, bool):
            raise ValueError('allow_partial must be True or False, got '
                             f'{allow_partial!r}')
        self.allow_partial = allow_partial
        patterns = {
            k: v
            for k, v in (('work_dir', work_dir), ('config', config))
            if v is not None
        }
        if stage is not None or run is not None:
            if stages is not None or stage is None or run is None:
                raise ValueError(
                    'give LoadStageCheckpointHook either stages, or stage '
                    f'and run; got stages={stages!r}, stage={stage!r}, '
                    f'run={run!r}')
            stages = stage_chain(stage, run, **patterns)
        elif patterns:
            raise ValueError(
                'LoadStageCheckpointHook takes work_dir and config patterns '
                'only with stage and run (each entry of stages names its '
                f'own); got {patterns!r} with stages={stages!r}')
        if not stages:
            raise ValueError('stages must name at least one earlier stage, '
                             f'got {stages!r}')
        for stage in stages:
            if not isinstance(stage, dict) or not {'name', 'work_dir'
                                                   } <= set(stage):
                raise ValueError('each stage needs name and work_dir, got '
                                 f'{stage!r}')
        self.stages: List[dict] = [dict(s) for s in stages]

    @staticmethod
    def stage_dir(stage: dict, run_work_dir: Optional[str] = None) -> str:
        """The folder a stage's final checkpoint is looked for in.

        Args:
            stage (dict): One entry of ``stages``.
            run_work_dir (str, optional): This run's work_dir; a relative
                stage ``work_dir`` is then taken beside it (see the class
                docstring). ``None`` uses the stage's ``work_dir`` as given.
        """
        work_dir = stage['work_dir']
        if run_work_dir is None or osp.isabs(work_dir):
            return work_dir
        name = osp.basename(osp.normpath(work_dir))
        return osp.join(osp.dirname(osp.abspath(run_work_dir)), name)

    @staticmethod
    def final_checkpoint(stage: dict, work_dir: Optional[str] = None) -> str:
        """Path of a stage's final checkpoint; raises if it is not there.

        Args:
            stage (dict): One entry of ``stages``.
            work_dir (str, optional): The folder to look in; defaults to the
                stage's ``work_dir``.
        """
        return LoadStageCheckpointHook._find_final(stage, work_dir)[0]

    @staticmethod
    def _find_final(stage: dict,
                    work_dir: Optional[str] = None) -> Tuple[str, str]:
        """``(path, reason)`` of a stage's final checkpoint."""
        work_dir = stage['work_dir'] if work_dir is None else work_dir
        pointer = osp.join(work_dir, 'last_checkpoint')
        found = resolve_last_checkpoint(work_dir)
        path, why = found if found else (None, '')
        if path is None or not osp.isfile(path):
            config = stage.get('config', f'the {stage["name"]} config')
            raise FileNotFoundError(
                f'the final checkpoint of {stage["name"]} is missing: no '
                f'{pointer} naming an existing checkpoint (found '
                f'{path!r}). Train {stage["name"]} first (python '
                f'tools/train.py {config}) or point work_dir at its run; '
                'a relative stage work_dir is looked for beside this run\'s '
                'work_dir (LoadStageCheckpointHook docstring).')
        return path, why

    def before_train(self, runner) -> None:
        if getattr(runner, '_resume', False) and find_latest_checkpoint(
                runner.work_dir):
            runner.logger.info('LoadStageCheckpointHook: resuming this '
                               'stage, earlier stages are not loaded')
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        for stage in self.stages:
            path, why = self._find_final(
                stage, self.stage_dir(stage, runner.work_dir))
            checkpoint = safe_load(path, map_location='cpu')
            source = f'{stage["name"]} checkpoint {path}'
            config = stage.get('config', f'the {stage["name"]} config')
            progress = check_finished(
                checkpoint, f'the {source}', self.allow_partial,
                hint=f' Finish it first (python tools/train.py {config} '
                '--resume, with its --work-dir).')
            if progress is None:
                runner.logger.warning(
                    f'LoadStageCheckpointHook: the {source} does not record '
                    'how far its run got (no meta/message_hub: a bare or '
                    'stripped state dict); it is loaded as a finished stage')
            elif progress['iter'] < progress['max_iters']:
                runner.logger.warning(
                    f'LoadStageCheckpointHook: allow_partial=True: the '
                    f'{source} stopped at iteration {progress["iter"]} of '
                    f'{progress["max_iters"]}; starting from it anyway')
            state = checkpoint.get('state_dict', checkpoint)
            own = model.state_dict()
            check_backbone_keys(own, state, source)
            check_stage_heads(state, stage.get('heads', ()), source)
            usable = {
                k: v
                for k, v in state.items()
                if k in own and own[k].shape == v.shape
            }
            skipped = sorted(set(state) - set(usable))
            model.load_state_dict(usable, strict=False)
            runner.logger.info(
                f'LoadStageCheckpointHook: loaded {len(usable)} tensors of '
                f'{stage["name"]} from {path} ({why})'
                + (f'; skipped {len(skipped)} this model does not have '
                   f'({", ".join(skipped[:4])}{", ..." if len(skipped) > 4 else ""})'
                   if skipped else ''))
