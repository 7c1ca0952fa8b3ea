"""Model files: saving and opening networks with their meta data, without ever running code.

One job per module:

- :mod:`.format`: the ``.npz`` archive (``save_model``, ``load_model``) and its size limits;
- :mod:`.meta`: the meta data (building, JSON conversion, field checks);
- :mod:`.size`: the memory an architecture implies, and the guard that refuses absurd ones;
- :mod:`.atomic`: atomic writes and the clean-up of temporary files left by killed saves;
- :mod:`.textbook`: the textbook's pickled ``params.pkl``, through :mod:`cnnviz.safepickle`;
- :mod:`.opening`: ``open_any_model``, which tells the two apart by content.
"""
from .errors import ModelFileError
from .format import load_model, save_model
from .loaded import LoadedModel
from .meta import FORMAT_NAME, FORMAT_VERSION, PREPROCESSING_KINDS, default_preprocessing
from .opening import open_any_model
from .size import batch_that_fits, inference_work
from .textbook import import_textbook_params

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "LoadedModel", "ModelFileError", "PREPROCESSING_KINDS",
           "batch_that_fits", "default_preprocessing", "import_textbook_params", "inference_work",
           "load_model", "open_any_model", "save_model"]
