from .info_nce import InfoNCELoss, info_nce
from .reconstruction_loss import (PHOTOMETRIC_NORMS, ReconstructionLoss,
                                  charbonnier, photometric_loss,
                                  smoothness_loss)

__all__ = [
    'PHOTOMETRIC_NORMS', 'charbonnier', 'photometric_loss', 'smoothness_loss',
    'info_nce', 'ReconstructionLoss', 'InfoNCELoss'
]
