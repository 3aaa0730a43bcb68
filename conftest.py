"""Collection settings for the whole repository.

``--doctest-modules`` imports every module of ``src/``; ``backprop_mlp.onnx``
needs the ``onnx`` extra, so a core-only install skips it rather than fail.
"""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("skl2onnx") is None:
    collect_ignore.append("src/backprop_mlp/onnx.py")
