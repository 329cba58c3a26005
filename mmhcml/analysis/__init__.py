from .complexity import cost_volume_flops, model_complexity

__all__ = ['cost_volume_flops', 'model_complexity']
from .flow_vis import (flow_to_color, load_flow_model,  # noqa: E402
                       predict_level_flows, visualize_video_flow)
from .gradcam import compare_gradcam, default_target_layer  # noqa: E402
from .motion_feature_analysis import analyse_motion_features  # noqa: E402
from .motion_features import (efficacy_score,  # noqa: E402
                              extract_motion_features, knn_classify,
                              retrieval, save_retrieval_examples,
                              train_linear_probe)

__all__ += [
    'flow_to_color', 'load_flow_model', 'predict_level_flows',
    'visualize_video_flow', 'compare_gradcam', 'default_target_layer',
    'analyse_motion_features', 'efficacy_score', 'extract_motion_features',
    'knn_classify', 'retrieval', 'save_retrieval_examples',
    'train_linear_probe'
]
