"""Real data sets by name: find them on disk or download them, check them, read them.

Core code: numpy and the standard library only (no Qt).
"""
from .download import download_file, md5_of_file
from .errors import (DataError, DataFormatError, DownloadCancelled, DownloadError,
                     MissingFilesError, UnknownDatasetError)
from .load import Dataset, load_dataset
from .paths import DATA_DIR_ENV, resolve_data_dir, user_cache_dir, user_data_dir
from .registry import REGISTRY, SPLITS, DataFile, DatasetInfo, available_datasets, get_info
from .status import DatasetFiles, FileStatus, dataset_files

__all__ = [
    "DATA_DIR_ENV", "REGISTRY", "SPLITS", "DataError", "DataFile", "DataFormatError", "Dataset",
    "DatasetFiles", "DatasetInfo", "DownloadCancelled", "DownloadError", "FileStatus",
    "MissingFilesError", "UnknownDatasetError", "available_datasets", "dataset_files",
    "download_file", "get_info", "load_dataset", "md5_of_file", "resolve_data_dir",
    "user_cache_dir", "user_data_dir",
]
