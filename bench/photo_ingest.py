"""How quick and lean the photo pipeline is on a 12-megapixel phone photo.

Makes a 4000×3000 JPEG that compresses like a photo (smooth areas, edges, sensor noise), with EXIF GPS and
orientation 6, then times the full ingest (read_photo + make_derivatives + sha256) against a naive
baseline in the same process: full decode, ImageOps.exif_transpose, thumbnail to 1600 and 320, save
both, sha256. The two run interleaved (pipeline, baseline, pipeline, ...), so that a busy moment of the machine
falls on both, and each run's wall and CPU (process) time is kept: the CPU time is what the ingest costs a
worker, whatever else the machine is doing. Each variant runs in a fresh child process, so peak memory is its own: the resident
high-water mark (VmHWM; ru_maxrss elsewhere), which sees Pillow's pixel buffers, and tracemalloc's peak,
which sees only Python objects (Pillow allocates pixels outside Python's allocator).

    .venv/bin/python bench/photo_ingest.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import piexif
from memory import rss_kb
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from inspect_app.adapters.imaging import make_derivatives, read_photo


def make_photo(width: int = 4000, height: int = 3000, seed: int = 1) -> bytes:
    """A 12 MP JPEG that compresses like a phone photo (~3–6 MB), with GPS in 东胜 and orientation 6."""
    rng = random.Random(seed)
    # Smooth colour fields (sky, walls) from a tiny random image blown up...
    scene = Image.frombytes("RGB", (16, 12), rng.randbytes(16 * 12 * 3)).resize((width, height), Image.BICUBIC)
    # ...then hard-edged objects (signboards, shelves, lettering) and sensor noise on top.
    draw = ImageDraw.Draw(scene)
    for _ in range(400):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(20, 600), rng.randrange(10, 300)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.rectangle if rng.random() < 0.7 else draw.ellipse)((x, y, x + w, y + h), fill=colour)
    for _ in range(3000):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.line((x, y, x + rng.randrange(-80, 80), y + rng.randrange(-80, 80)), fill=(20, 20, 20), width=3)
    scene = scene.filter(ImageFilter.GaussianBlur(1.2))  # lens softness: real edges are not one pixel wide
    noise = Image.effect_noise((width, height), 22).convert("RGB")
    scene = Image.blend(scene, noise, 0.18)
    exif = piexif.dump(
        {
            "0th": {
                piexif.ImageIFD.Make: b"Apple",
                piexif.ImageIFD.Model: b"iPhone 13",
                piexif.ImageIFD.Orientation: 6,
            },
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: b"2026:09:15 10:30:00",
                piexif.ExifIFD.OffsetTimeOriginal: b"+08:00",
            },
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((39, 1), (49, 1), (1200, 100)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((109, 1), (57, 1), (3600, 100)),
            },
        }
    )
    out = io.BytesIO()
    scene.save(out, format="JPEG", quality=92, exif=exif)
    return out.getvalue()


def pipeline(data: bytes) -> None:
    """What the upload does: check and read the photo, make display copy and thumbnail, hash."""
    facts = read_photo(data)
    make_derivatives(data, facts)
    hashlib.sha256(data).hexdigest()


def naive(data: bytes) -> None:
    """The obvious way: decode everything at full size, rotate it, shrink it twice."""
    image = Image.open(io.BytesIO(data))
    image.load()
    image = ImageOps.exif_transpose(image)
    for side in (1600, 320):
        copy = image.copy()
        copy.thumbnail((side, side))
        copy.save(io.BytesIO(), format="JPEG", quality=82)
    hashlib.sha256(data).hexdigest()


VARIANTS = {"pipeline": pipeline, "naive": naive}


def run_once(fn, data: bytes) -> tuple[float, float]:
    """Wall and CPU milliseconds of one run."""
    start, cpu = time.perf_counter(), time.process_time()
    fn(data)
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000


def traced_peak(fn, data: bytes) -> int:
    tracemalloc.start()
    fn(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def interleaved(data: bytes, repeat: int) -> dict[str, dict]:
    """Every variant warmed once (first-use imports, caches), then `repeat` rounds of each in turn; medians of wall
    and CPU time, and each one's tracemalloc peak."""
    for fn in VARIANTS.values():
        fn(data)
    walls: dict[str, list[float]] = {v: [] for v in VARIANTS}
    cpus: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for n in range(repeat):
        order = list(VARIANTS) if n % 2 == 0 else list(reversed(VARIANTS))
        for variant in order:
            wall, cpu = run_once(VARIANTS[variant], data)
            walls[variant].append(wall)
            cpus[variant].append(cpu)
    return {
        v: {
            "median_ms": statistics.median(walls[v]),
            "cpu_ms": statistics.median(cpus[v]),
            "traced_peak": traced_peak(VARIANTS[v], data),
        }
        for v in VARIANTS
    }


def timed(fn, data: bytes, repeat: int) -> dict:
    """Medians of wall and CPU time of `repeat` runs after a warm-up run, for one variant in a child process."""
    fn(data)
    runs = [run_once(fn, data) for _ in range(repeat)]
    return {"median_ms": statistics.median(w for w, _ in runs), "cpu_ms": statistics.median(c for _, c in runs)}


def child(variant: str, path: str, repeat: int) -> None:
    """In a fresh process: resident memory after imports, the timings again, and the high-water mark."""
    data = Path(path).read_bytes()
    before = rss_kb("VmRSS")
    fresh = timed(VARIANTS[variant], data, repeat)
    print(
        json.dumps(
            {
                "before_kb": before,
                "peak_kb": rss_kb("VmHWM"),
                "fresh_median_ms": fresh["median_ms"],
                "fresh_cpu_ms": fresh["cpu_ms"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child, args.repeat)
    data = make_photo()
    print(
        f"photo: 4000×3000 JPEG, {len(data) / 2**20:.1f} MB, orientation 6, GPS; {args.repeat} runs each, interleaved"
    )
    results = interleaved(data, args.repeat)
    with tempfile.NamedTemporaryFile(suffix=".jpg") as photo:
        photo.write(data)
        photo.flush()
        for variant in VARIANTS:
            done = subprocess.run(
                [sys.executable, __file__, "--repeat", str(args.repeat), "--child", variant, photo.name],
                check=True,
                capture_output=True,
                text=True,
            )
            results[variant].update(json.loads(done.stdout))
    for variant, r in results.items():
        print(
            f"{variant:9s} median {r['median_ms']:6.1f} ms, CPU {r['cpu_ms']:6.1f} ms "
            f"(fresh process {r['fresh_median_ms']:6.1f} ms, CPU {r['fresh_cpu_ms']:6.1f} ms)   "
            f"tracemalloc peak {r['traced_peak'] / 2**20:4.1f} MB   peak RSS {r['peak_kb'] / 1024:5.1f} MB "
            f"({(r['peak_kb'] - r['before_kb']) / 1024:5.1f} MB above {r['before_kb'] / 1024:.1f} MB after imports)"
        )
    pipeline_, naive_ = results["pipeline"], results["naive"]
    print(
        f"ratio pipeline/naive {pipeline_['median_ms'] / naive_['median_ms']:.2f} "
        f"(CPU {pipeline_['cpu_ms'] / naive_['cpu_ms']:.2f}) "
        f"(fresh processes {pipeline_['fresh_median_ms'] / naive_['fresh_median_ms']:.2f}; target ≤ 0.5); "
        f"pipeline peak RSS {pipeline_['peak_kb'] / 1024:.0f} MB (target ≤ 150)"
    )


if __name__ == "__main__":
    main()
