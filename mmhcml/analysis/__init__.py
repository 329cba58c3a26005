"""The paper's analyses: flow figures (Fig. 3), Grad-CAM, the motion
features of each level (Table 1), contrastive accuracy, flow quality.

Engineering measurements (speed, memory, FLOPs, soak) live in
:mod:`mmhcml.profiling`.
"""
from .flow_vis import (flow_to_color, load_flow_model, predict_level_flows,
                       visualize_video_flow)
from .gradcam import compare_gradcam, default_target_layer
from .motion_feature_analysis import analyse_motion_features
from .motion_features import (efficacy_score, extract_motion_features,
                              knn_classify, retrieval,
                              save_retrieval_examples, train_linear_probe)

__all__ = [
    'flow_to_color', 'load_flow_model', 'predict_level_flows',
    'visualize_video_flow', 'compare_gradcam', 'default_target_layer',
    'analyse_motion_features', 'efficacy_score', 'extract_motion_features',
    'knn_classify', 'retrieval', 'save_retrieval_examples',
    'train_linear_probe'
]
