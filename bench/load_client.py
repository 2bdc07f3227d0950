"""The second process of bench/load.py: simulated inspectors driving the sync API over loopback.

Each inspector (one thread, one HTTP session) signs in through the login form, takes the CSRF token from
/api/v1/session as the offline app does, opens its station's inspection and then, until the deadline, answers a
random checklist item (with the version it last saw) and every few answers uploads a phone-sized photo (12 MP,
3–5 MB, made once into ~/.cache/inspect-bench and given new EXIF each time, so that no two are the same) in the
offline app's 512 KB chunks keyed by its SHA-256, attaches it with the position of the moment, and polls the
photo's state as the app does (2 s, then half again longer) until it is read. Writes what it measured as JSON to
stdout.

Given --base-url more than once (several servers behind what would be one address), each inspector sends its
requests to them in turn, so that a photo's chunks reach every server; the servers share the session cookie (a
cookie is sent to any port of its host) and the uploads.

    .venv/bin/python bench/load_client.py --base-url URL [--base-url URL2] --accounts FILE --seconds 60 [--think 1.0]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import random
import re
import resource
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import piexif
import requests
from PIL import Image, ImageDraw

CHUNK = 512 * 1024  # as the offline app sends them (static/pwa/sync.js)
TIMEOUT = (5, 120)  # connect, read: a request that hangs ends the run as an error, not as a stuck thread
SIGN_IN_LIMIT_S = 600  # the sign-in phase ends by then even if some inspector is stuck in it
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SLOTS = ("signboard", "bulletin_board", "premises", "register", "rules", "other")
BEIJING = timezone(timedelta(hours=8))
W, H = 4000, 3000  # 12 MP, as a phone's main camera takes them
PHOTO_CACHE = Path.home() / ".cache" / "inspect-bench"
BASE_PHOTOS = 6
POLL_FIRST_S, POLL_FACTOR, POLL_MAX_S = 2.0, 1.5, 60.0


class Record:
    """What all the inspectors measured: latencies of the successes, errors by kind and status, stored photos."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: Counter[str] = Counter()
        self.samples: list[str] = []
        self.uploads: list[dict] = []
        self.requests = Counter()  # per phase: "sign-in" (before everyone starts together) and "work"
        self.states: Counter[str] = Counter()  # the photos' states as the inspectors last polled them
        self.phase = "sign-in"
        self.started_at = self.deadline = 0.0

    def ok(self, kind: str, ms: float) -> None:
        """A success of `kind` that took `ms`."""
        with self.lock:
            self.latencies.setdefault(kind, []).append(ms)

    def error(self, kind: str, status: str, detail: str = "") -> None:
        """A failure of `kind`: its status code or exception name, and the first few bodies as samples."""
        with self.lock:
            self.errors[f"{kind} {status}"] += 1
            if len(self.samples) < 10:
                self.samples.append(f"{kind} {status} {detail[:200]}")

    def counted(self) -> None:
        """One more request sent in the current phase."""
        with self.lock:
            self.requests[self.phase] += 1

    def start(self, seconds: float) -> None:
        """Everyone has signed in: the timed work begins now, for everyone at once."""
        self.phase, self.started_at = "work", time.monotonic()
        self.deadline = self.started_at + seconds


class Failed(Exception):
    """A request of this step failed (already recorded); the inspector goes on with the next step."""


class Inspector:
    def __init__(self, bases: list[str], account: dict, think: float, record: Record, seed: int):
        self.account, self.think, self.record = account, think, record
        # The servers in turn, each inspector starting at another one.
        self.bases = itertools.islice(itertools.cycle(bases), seed % len(bases), None)
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.versions: dict[str, int | None] = {}
        self.pending: dict[int, tuple[float, int]] = {}  # photo id -> (when to poll next, polls so far)

    def call(
        self, kind: str, method: str, path: str, expect: int | tuple[int, ...] = 200, **kwargs
    ) -> requests.Response:
        """One request, timed and recorded; Failed unless it answers `expect`."""
        self.record.counted()
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, next(self.bases) + path, timeout=TIMEOUT, allow_redirects=False, **kwargs
            )
        except requests.RequestException as error:
            self.record.error(kind, type(error).__name__, str(error))
            raise Failed() from None
        if response.status_code not in (expect if isinstance(expect, tuple) else (expect,)):
            self.record.error(kind, str(response.status_code), response.text)
            raise Failed()
        self.record.ok(kind, (time.perf_counter() - started) * 1000)
        return response

    def sign_in(self) -> None:
        """Login form with its CSRF token, the API's CSRF token, bootstrap, and the station's inspection."""
        form = self.call("login form", "GET", "/login").text
        token = CSRF_INPUT.search(form)
        if token is None:
            self.record.error("login form", "no-csrf-field")
            raise Failed()
        self.call(
            "sign-in",
            "POST",
            "/login",
            expect=302,
            data={"username": self.account["username"], "password": self.account["password"], "csrf_token": token[1]},
        )
        session = self.call("session", "GET", "/api/v1/session").json()
        self.http.headers["X-CSRFToken"] = session["csrf_token"]
        boot = self.call("bootstrap", "GET", "/api/v1/bootstrap").json()
        self.items = [i for s in boot["checklist"]["sections"] for i in s["items"]]
        opened = self.call(
            "open", "POST", "/api/v1/inspections", json={"station_id": self.account["station_id"]}, headers=_key()
        ).json()
        self.inspection = opened["id"]
        self.versions = {code: a["version"] for code, a in opened["answers"].items()}

    def answer(self) -> None:
        """A random item answered as the offline app sends it, with the version last seen."""
        item = self.rng.choice(self.items)
        roll = self.rng.random()
        verdict = "na" if roll < 0.05 and item.get("na_allowed") else ("fail" if roll < 0.15 else "pass")
        points = None
        if item["scoring"] == "graded" and verdict == "pass":
            levels = [level["points"] for level in item.get("levels") or [] if level["points"] > 0]
            points = self.rng.choice(levels) if levels else self.rng.randint(1, item["points"])
        body = {"verdict": verdict, "points": points, "base_version": self.versions.get(item["code"])}
        done = self.call(
            "answer", "PUT", f"/api/v1/inspections/{self.inspection}/answers/{item['code']}", json=body, headers=_key()
        ).json()
        self.versions[item["code"]] = done["answer"]["version"]

    def upload(self) -> None:
        """A new photo: begin the upload, send the chunks, attach it to a slot with the position of the moment."""
        data = self.photo()
        sha = hashlib.sha256(data).hexdigest()
        started = time.perf_counter()
        state = self.call("upload start", "POST", "/api/v1/uploads", json={"sha256": sha, "size": len(data)}).json()
        offset = state["received"]
        while offset < len(data):
            state = self.call(
                "upload chunk",
                "PUT",
                f"/api/v1/uploads/{sha}?offset={offset}",
                data=data[offset : offset + CHUNK],
                headers={"Content-Type": "application/octet-stream"},
            ).json()
            offset = state["received"]
        position = self.nearby()
        photo = self.call(
            "photo attach",
            "POST",
            f"/api/v1/inspections/{self.inspection}/photos",
            expect=(200, 202),  # 202: kept, being read (200 before photos were read off the request)
            headers=_key(),
            json={
                "slot": self.rng.choice(SLOTS),
                "sha256": sha,
                "latitude": position[0],
                "longitude": position[1],
                "accuracy": round(self.rng.uniform(5, 25), 1),
                "position_time": datetime.now(timezone.utc).isoformat(),
            },
        ).json()
        self.record.ok("upload", (time.perf_counter() - started) * 1000)
        if photo.get("state") == "processing":
            self.pending[photo["id"]] = (time.monotonic() + POLL_FIRST_S, 0)
        else:
            with self.record.lock:
                self.record.states[photo.get("state", "ready")] += 1
        with self.record.lock:
            self.record.uploads.append(
                {"inspection": self.inspection, "photo": photo["id"], "sha256": sha, "answered_sha256": photo["sha256"]}
            )

    def nearby(self) -> tuple[float, float]:
        """A position some metres from the station, as a phone standing in front of it reports."""
        return (
            round(self.account["latitude"] + self.rng.uniform(-0.0002, 0.0002), 6),
            round(self.account["longitude"] + self.rng.uniform(-0.0002, 0.0002), 6),
        )

    def photo(self) -> bytes:
        """One of the phone-sized JPEGs with new EXIF (GPS near the station, the time of now, a unique id): the
        pixels are not encoded again, as a phone's are not, but no two uploads have the same bytes."""
        lat, lon = self.nearby()
        exif = piexif.dump(
            {
                "0th": {piexif.ImageIFD.Make: b"HUAWEI", piexif.ImageIFD.Model: b"Mate 40"},
                "Exif": {
                    piexif.ExifIFD.DateTimeOriginal: datetime.now(BEIJING).strftime("%Y:%m:%d %H:%M:%S").encode(),
                    piexif.ExifIFD.OffsetTimeOriginal: b"+08:00",
                    piexif.ExifIFD.ImageUniqueID: uuid.uuid4().hex.encode(),
                },
                "GPS": {
                    piexif.GPSIFD.GPSLatitudeRef: b"N",
                    piexif.GPSIFD.GPSLatitude: _dms(lat),
                    piexif.GPSIFD.GPSLongitudeRef: b"E",
                    piexif.GPSIFD.GPSLongitude: _dms(lon),
                },
            }
        )
        out = io.BytesIO()
        piexif.insert(exif, self.rng.choice(BASES), out)
        return out.getvalue()

    def poll(self) -> None:
        """Ask for the states of photos still being read whose time has come, as the app does after an upload."""
        now = time.monotonic()
        if not any(due <= now for due, _ in self.pending.values()):
            return
        photos = self.call("photo poll", "GET", f"/api/v1/inspections/{self.inspection}/photos").json()["photos"]
        states = {p["id"]: p["state"] for p in photos}
        for photo_id, (due, polls) in list(self.pending.items()):
            if states.get(photo_id) != "processing":
                del self.pending[photo_id]
                with self.record.lock:
                    self.record.states[states.get(photo_id, "gone")] += 1
            else:
                self.pending[photo_id] = (now + min(POLL_MAX_S, POLL_FIRST_S * POLL_FACTOR ** (polls + 1)), polls + 1)

    def pause(self) -> None:
        """The inspector looks and thinks before the next step (never past the deadline)."""
        left = self.record.deadline - time.monotonic()
        if left > 0 and self.think > 0:
            time.sleep(min(left, self.rng.uniform(0, 2 * self.think)))

    def run(self, together: threading.Barrier) -> None:
        """Sign in, wait for the others, then answer and upload until the deadline (no step starts after it)."""
        try:
            self.sign_in()
            signed_in = True
        except Failed:
            signed_in = False
        try:
            together.wait(SIGN_IN_LIMIT_S)
        except threading.BrokenBarrierError:
            return
        if not signed_in:
            return
        every = self.rng.randint(3, 5)
        answered = 0
        while time.monotonic() < self.record.deadline:
            self.pause()
            if time.monotonic() >= self.record.deadline:
                break
            try:
                self.poll()
                if answered and answered % every == 0:
                    answered += 1
                    self.upload()
                    continue
                answered += 1
                self.answer()
            except Failed:
                continue


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def phone_photos(count: int = BASE_PHOTOS) -> list[bytes]:
    """The phone-sized JPEGs (12 MP, 3–5 MB: sensor-like noise over a blurred scene), made once and kept in
    ~/.cache/inspect-bench for every later run."""
    PHOTO_CACHE.mkdir(parents=True, exist_ok=True)
    photos = []
    for n in range(count):
        path = PHOTO_CACHE / f"phone-{W}x{H}-{n}.jpg"
        if not path.exists():
            rng = random.Random(n)
            scene = Image.frombytes("RGB", (40, 30), rng.randbytes(40 * 30 * 3)).resize((W, H), Image.BICUBIC)
            image = Image.blend(scene, Image.effect_noise((W, H), 40).convert("RGB"), 0.18)
            draw = ImageDraw.Draw(image)
            for _ in range(12):
                x, y = rng.randrange(W), rng.randrange(H)
                draw.rectangle(
                    [x, y, x + rng.randrange(100, 1200), y + rng.randrange(80, 900)],
                    fill=tuple(rng.randrange(256) for _ in range(3)),
                )
            out = io.BytesIO()
            image.save(out, "JPEG", quality=93)
            path.with_suffix(".tmp").write_bytes(out.getvalue())
            path.with_suffix(".tmp").replace(path)
        photos.append(path.read_bytes())
    return photos


BASES: list[bytes] = []


def _dms(value: float) -> tuple:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600 * 100)
    return (degrees, 1), (minutes, 1), (seconds, 100)


def main() -> None:
    """Run the inspectors and print what they measured as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, action="append", help="a server; several: used in turn")
    parser.add_argument("--accounts", required=True, help="JSON list of {username, password, station_id, ...}")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between two steps, in seconds")
    args = parser.parse_args()
    with open(args.accounts, encoding="utf-8") as file:
        accounts = json.load(file)
    BASES.extend(phone_photos())
    print(
        f"photos: {len(BASES)} of {W}×{H}, {min(map(len, BASES)) / 2**20:.1f}–{max(map(len, BASES)) / 2**20:.1f} MB",
        file=sys.stderr,
    )
    record = Record()
    # Everyone signs in at once (the morning rush, timed on its own), then all work together for --seconds.
    together = threading.Barrier(len(accounts), action=lambda: record.start(args.seconds))
    inspectors = [Inspector(args.base_url, a, args.think, record, n) for n, a in enumerate(accounts)]
    threads = [
        threading.Thread(target=i.run, args=(together,), name=i.account["username"], daemon=True) for i in inspectors
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        # A step started before the deadline may still be under way: give it its read timeout, then stop anyway.
        thread.join(max(0.0, (record.deadline or began + SIGN_IN_LIMIT_S) + TIMEOUT[1] + 10 - time.monotonic()))
    finished = time.monotonic()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    json.dump(
        {
            "sign_in_s": (record.started_at or finished) - began,
            "elapsed_s": finished - record.started_at if record.started_at else 0.0,
            "requests": record.requests,
            "latencies": record.latencies,
            "errors": dict(record.errors),
            "error_samples": record.samples,
            "uploads": record.uploads,
            "photo_states": dict(record.states),
            "still_polling": sum(len(i.pending) for i in inspectors),
            "unfinished": sum(t.is_alive() for t in threads),
            "client_cpu_s": usage.ru_utime + usage.ru_stime,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
