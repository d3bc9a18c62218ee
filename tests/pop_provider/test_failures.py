"""The failure kinds a user may meet: each in KINDS once, each with a docstring a troubleshooting
guide shows as it is (what happened; then causes and the fix)."""

from __future__ import annotations

import inspect
import re

import pulumi

from pop_provider import failures
from pop_provider.dynamic.declarations import DuplicateDeclaration
from pop_provider.dynamic.trust import TrustedCaError
from pop_provider.program.pem_files import PemFileError
from pop_provider.program.stack_config import StackConfigError


def test_every_kind_defined_is_listed_once() -> None:
    defined = {
        value
        for value in vars(failures).values()
        if inspect.isclass(value)
        and issubclass(value, Exception)
        and value.__module__ == failures.__name__
    }
    assert len(set(failures.KINDS)) == len(failures.KINDS)
    assert defined - set(failures.KINDS) == {failures.DeploymentError}


def test_each_kind_says_what_happened_then_causes_and_the_fix() -> None:
    for kind in failures.KINDS:
        doc = inspect.getdoc(kind) or ""
        first, _, rest = doc.partition("\n\n")
        assert "\n" not in first and first.endswith("."), kind.__name__
        assert len(re.split(r"\.\s", rest)) >= 2, kind.__name__


def test_the_program_side_errors_share_one_base() -> None:
    for error in (PemFileError, StackConfigError, DuplicateDeclaration, TrustedCaError):
        assert issubclass(error, failures.ProgramError)
        assert issubclass(error, pulumi.RunError) and issubclass(error, ValueError)
