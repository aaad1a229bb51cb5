"""``run_operating_grants`` says with its exit status when it refused something (issue 13)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_the_command_exits_non_zero_when_it_refused_a_scheme(divisions):
    err = io.StringIO()

    with pytest.raises(CommandError, match="refused"):
        # Hohhot (150100) is outside the Baotou scheme's jurisdiction.
        call_command(
            "run_operating_grants",
            "--period",
            "2026-11",
            "--scheme",
            "BT-OPERATING",
            "--division",
            "150100",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "BT-OPERATING" in err.getvalue()
