"""The plugin starts without the dynamic face or the program side: importing its entry module
(what the bundled executable runs, devtools/release/plugin_bundle.py) loads neither."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_the_plugin_entry_loads_no_part_of_the_dynamic_face_or_the_program() -> None:
    probe = (
        "import json, sys\n"
        "import pop_provider.native.server\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('pop_provider'))))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    loaded = json.loads(ran.stdout)
    assert "pop_provider.native.server" in loaded
    assert [
        m for m in loaded if m.startswith(("pop_provider.dynamic", "pop_provider.program"))
    ] == []


def test_the_package_root_still_offers_the_program_api_and_the_version() -> None:
    import pop_provider
    from pop_provider.version import __version__

    assert pop_provider.__version__ == __version__
    for name in pop_provider.__all__:
        assert getattr(pop_provider, name) is not None, name
