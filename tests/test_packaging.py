"""The wheel carries the reference plants: an installed (non-editable) package finds them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_models_and_loads_the_default_plant(tmp_path):
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)], check=True)
    wheel = next(wheels.glob("tier_twin-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)], check=True
    )
    probe = (
        "import twin, twin.spec as s; print(twin.__file__); print(s.data_dir('models')); print(s.load_factory().name)"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    module_file, models_dir, name = out.stdout.split("\n")[:3]
    assert module_file.startswith(str(site))
    assert Path(models_dir) == site / "twin" / "_data" / "models"
    assert name == "precision_machining"
