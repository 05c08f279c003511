#!/usr/bin/env python3
"""`imagepipe probe` over many explicit paths (as `probe *.jpg` in a big folder gives) against the same
files as a folder and against Python's imagesize, at three sizes so that linear time shows as a constant
rate. Writes its section of bench/RESULTS.md (between its markers) and prints the same table.

Explicit paths once cost time quadratic in their number (swift-argument-parser removes each parsed
value from its list one at a time, in hash order): 12,040 paths ran at 0.02x imagesize's files/s."""
import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time

from PIL import Image

from results import write_section

SIZES = (3010, 6020, 12040)


def make_folder(root, count):
    """`count` small images, a third of each format, each file its own (no links: a walk lists a real file once)."""
    formats = (("jpg", "JPEG"), ("png", "PNG"), ("webp", "WEBP"))
    paths = []
    for index in range(count):
        ext, name = formats[index % 3]
        path = os.path.join(root, f"p{index:05d}.{ext}")
        Image.new("RGB", (64 + index % 37, 48 + index % 23), (index % 256, 90, 160)).save(path, name)
        paths.append(path)
    return paths


def timed(command, runs=3):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--imagepipe", required=True)
    parser.add_argument("--results", default="bench/RESULTS.md")
    parser.add_argument("--build", default="release build", help="what kind of build --imagepipe is, for the record")
    args = parser.parse_args()
    loop = "import imagesize,sys\nfor f in sys.argv[1:]: imagesize.get(f)\n"
    with tempfile.TemporaryDirectory() as root:
        paths = make_folder(root, max(SIZES))
        rows = []
        for size in SIZES:
            chosen = paths[:size]
            explicit = timed([args.imagepipe, "probe", "--json"] + chosen)
            imagesize = timed([sys.executable, "-c", loop] + chosen)
            rows.append((size, size / explicit, size / imagesize))
        folder = timed([args.imagepipe, "probe", "--json", root])
    rate_folder = max(SIZES) / folder
    lines = [
        "## Probe over explicit paths and over a folder (`bash bench/run.sh paths`)",
        "",
        f"Run {datetime.date.today()} on {os.cpu_count()} cores ({platform.machine()}), {args.build}, small generated images "
        "(a third each JPEG, PNG, WebP), warm cache, best of 3, one process per run (start-up included).",
        "",
        "| paths on the command line | imagepipe files/s | imagesize (Python) files/s | imagepipe is |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for size, ours, theirs in rows:
        lines.append(f"| {size:,} | {ours:,.0f} | {theirs:,.0f} | {ours / theirs:.2f}× |")
    lines += [
        "",
        f"The same {max(SIZES):,} files as one folder argument: {rate_folder:,.0f} files/s; explicit paths run at "
        f"{rows[-1][1] / rate_folder:.2f}× the folder's rate. A rate that stays flat from "
        f"{SIZES[0]:,} to {SIZES[-1]:,} paths is linear time.",
    ]
    text = "\n".join(lines)
    print(text)
    write_section(args.results, "paths", text)


if __name__ == "__main__":
    main()
