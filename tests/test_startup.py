"""A lean start: the app loads without the libraries only some requests use, gunicorn's master warms the photo
hash once for every worker, and a forked worker leaves the master's database connections alone."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import text

from inspect_app import gunicorn_conf

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ["weasyprint", "pyhanko", "pyhanko_certvalidator", "scipy", "imagehash"]


def run_python(code: str, tmp_path: Path) -> dict:
    """Run `code` in a fresh interpreter at the project's root; it prints one JSON object, returned here."""
    env = {**os.environ, "SECRET_KEY": "startup-test", "INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_app_loads_without_pdf_signing_or_hashing_libraries(tmp_path):
    loaded = run_python(
        f"import json, sys\nimport wsgi\nprint(json.dumps({{name: name in sys.modules for name in {HEAVY!r}}}))\n",
        tmp_path,
    )
    assert loaded == {name: False for name in HEAVY}


def test_warm_up_loads_the_hash_that_photos_then_get(tmp_path):
    found = run_python(
        "import json, sys\n"
        "from PIL import Image, ImageDraw\n"
        "from inspect_app.adapters import imaging\n"
        "before = 'imagehash' in sys.modules\n"
        "imaging.warm_up()\n"
        "after = {name: name in sys.modules for name in ('imagehash', 'scipy')}\n"
        "image = Image.new('L', (256, 192), 255)\n"
        "ImageDraw.Draw(image).ellipse((40, 30, 200, 170), fill=20)\n"
        "import imagehash\n"
        "print(json.dumps({'before': before, 'after': after,\n"
        "    'ours': imaging.perceptual_hash(image), 'direct': str(imagehash.phash(image))}))\n",
        tmp_path,
    )
    assert found["before"] is False
    assert found["after"] == {"imagehash": True, "scipy": True}
    assert found["ours"] == found["direct"] and found["ours"] != "0" * 16


def test_preload_is_on_unless_switched_off(monkeypatch):
    try:
        monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
        assert importlib.reload(gunicorn_conf).preload_app is True
        monkeypatch.setenv("GUNICORN_PRELOAD", "0")
        assert importlib.reload(gunicorn_conf).preload_app is False
    finally:
        monkeypatch.undo()
        importlib.reload(gunicorn_conf)


def test_a_forked_worker_forgets_the_masters_connections_without_closing_them(app):
    engine = app.extensions["db_engine"]
    with engine.connect() as connection:
        masters = connection.connection.dbapi_connection  # back in the pool when the block ends
    old_pool = engine.pool
    server = SimpleNamespace(cfg=SimpleNamespace(preload_app=True), app=SimpleNamespace(wsgi=lambda: app))
    gunicorn_conf.post_fork(server, worker=None)
    assert engine.pool is not old_pool
    # Still open: in a real fork it is the master's socket, which the master goes on using.
    assert masters.execute("SELECT 1").fetchone() == (1,)
    with engine.connect() as connection:
        assert connection.connection.dbapi_connection is not masters
        assert connection.execute(text("SELECT 1")).scalar() == 1
