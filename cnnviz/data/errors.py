"""The exceptions of the data package: one class per kind of failure.

Every message says what went wrong and what the user can do about it, so a
caller (the GUI, the CLI) can show ``str(error)`` as is.
"""
from __future__ import annotations

from typing import Iterable


class DataError(Exception):
    """Base class: a data set could not be found, downloaded or read."""


class UnknownDatasetError(DataError):
    """A data set name that is not in the registry."""


class DataFormatError(DataError):
    """A file exists but is not what its name promises (bad magic, short data, ...)."""


class MissingFilesError(DataError):
    """Files a split needs are not on disk and downloading was not allowed."""


class DownloadError(DataError):
    """Every URL of a file failed (HTTP error, no network, truncated, wrong checksum).

    ``causes`` is the set of kinds of failure met, from :data:`DOWNLOAD_CAUSES`,
    so a caller can advise the right remedy.
    """

    def __init__(self, message: str, causes: Iterable[str] = ()):
        super().__init__(message)
        self.causes = frozenset(causes)


#: kinds of download failure: a wrong checksum, a transfer that broke off, no
#: connection (refused, DNS, timeout), an HTTP error status, a disk that refused the bytes
DOWNLOAD_CAUSES = ("checksum", "truncated", "network", "http", "disk")


class DownloadCancelled(DataError):
    """The ``cancel`` callable asked to stop; a ``.part`` file is kept for resuming."""
