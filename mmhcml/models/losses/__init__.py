from .info_nce import InfoNCELoss, info_nce
from .reconstruction_loss import (PHOTOMETRIC_NORMS, ReconstructionLoss,
                                  charbonnier, photometric_loss,
                                  smoothness_loss)
from .robust_terms import (census_loss, census_transform,
                           edge_aware_smoothness, ssim_loss)

__all__ = [
    'PHOTOMETRIC_NORMS', 'charbonnier', 'photometric_loss', 'smoothness_loss',
    'info_nce', 'ReconstructionLoss', 'InfoNCELoss', 'census_transform',
    'census_loss', 'ssim_loss', 'edge_aware_smoothness'
]
