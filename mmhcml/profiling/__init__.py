"""Engineering measurements of the models: FLOPs, wall-clock speed, peak
memory, step profiles and long-run soaks (docs/benchmark.md).

The paper's analyses live in :mod:`mmhcml.analysis`; the synthetic
benchmark study in :mod:`mmhcml.benchmarks`.
"""
from .complexity import cost_volume_flops, model_complexity

__all__ = ['cost_volume_flops', 'model_complexity']
