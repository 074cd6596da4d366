"""Reproducible Lambda zips, one per service, built from the workspace lock.

Each zip holds the service's own code, the workspace libraries it depends on and its locked
third-party dependencies installed for the Lambda platform — never what the runtime provides.
"""

from rez_packaging.builder import BuildResult, build_service
from rez_packaging.limits import PackageTooLargeError

__all__ = ["BuildResult", "PackageTooLargeError", "build_service"]
