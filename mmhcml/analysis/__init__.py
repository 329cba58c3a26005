from .complexity import cost_volume_flops, model_complexity

__all__ = ['cost_volume_flops', 'model_complexity']
