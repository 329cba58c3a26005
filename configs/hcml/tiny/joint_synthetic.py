# Joint training on the synthetic motion benchmark (Eq. 5), starting from the
# three self-supervised stages. Validation: 1 clip; testing: 30 views.
_base_ = ['../_base_/hcml_synthetic.py']
work_dir = 'work_dirs/synthetic/joint_synthetic'

custom_hooks = [
    dict(
        type='LoadStageCheckpointHook',
        stages=[
            dict(name=f'stage{s}_synthetic',
                 work_dir=f'work_dirs/synthetic/stage{s}_synthetic',
                 config=f'configs/hcml/tiny/stage{s}_synthetic.py')
            for s in (1, 2, 3)
        ])
]
