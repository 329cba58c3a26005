"""What the command-line tools share: loading models from a config and a
checkpoint, and reading clips (the config's, or a video file's)."""
from .clips import (NO_PIPELINE_CLIP, check_frame_size, pipeline_clip,
                    read_video_clip)
from .model_loading import build_model, load_config, load_model, load_weights

__all__ = [
    'NO_PIPELINE_CLIP', 'check_frame_size', 'pipeline_clip', 'read_video_clip', 'build_model', 'load_config',
    'load_model', 'load_weights'
]
