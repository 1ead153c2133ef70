"""The Debian tools some tests drive (.ci/run installs them). Under CI=true a missing tool fails the test
and names its package, so a broken install cannot hide as a skip; elsewhere the test is skipped with the
same words."""

import os
import shutil

import pytest


def debian_tool(*names: str, package: str) -> str:
    """The path of the first of `names` on PATH."""
    for name in names:
        if path := shutil.which(name):
            return path
    reason = f"{names[0]} not found: apt-get install {package} (.ci/run does it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)
