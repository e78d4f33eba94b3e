"""What the app's start reads."""

from __future__ import annotations

import subprocess
import sys


def test_the_app_starts_without_reading_the_report_modules():
    """backprop-tui SCENARIO (the app) does not import tui.reports.check, which
    brings in the gradient check and training: --check, --train and --print do."""
    code = ("import sys; from tui import cli; cli._app = lambda *a, **k: 0; cli.main(['apple']); "
            "print(sorted(m for m in ('tui.reports.check', 'backprop_engine.gradcheck', 'backprop_engine.train') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    code = code.replace("cli.main(['apple'])", "cli.main(['apple', '--print'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['backprop_engine.gradcheck', 'backprop_engine.train', 'tui.reports.check']"
