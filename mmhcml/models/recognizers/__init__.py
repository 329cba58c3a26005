from .hcml_recognizer import HCMLRecognizer

__all__ = ['HCMLRecognizer']
