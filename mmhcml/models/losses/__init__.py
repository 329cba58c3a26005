from .info_nce import info_nce
from .reconstruction_loss import charbonnier, photometric_loss, smoothness_loss

__all__ = ['charbonnier', 'photometric_loss', 'smoothness_loss', 'info_nce']
