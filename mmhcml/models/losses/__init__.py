from .info_nce import info_nce
from .reconstruction_loss import (PHOTOMETRIC_NORMS, charbonnier,
                                  photometric_loss, smoothness_loss)

__all__ = ['PHOTOMETRIC_NORMS', 'charbonnier', 'photometric_loss', 'smoothness_loss', 'info_nce']
