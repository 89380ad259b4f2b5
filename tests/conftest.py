import json
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parent / "reference" / "metafor_reference.json"


@pytest.fixture(scope="session")
def ref():
    """Golden values written by tests/reference/make_reference.R (R metafor 3.8-1, tight convergence)."""
    return json.loads(REFERENCE.read_text())
