#!/usr/bin/env python3
"""Probe and full-decode throughput of imagepipe against the reference tools, on the same files, in one
run, with the tools alternating so that a busy moment hurts all of them alike. Writes its section of
bench/RESULTS.md (between its markers) and prints the same table."""
import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time

import imagesize
from PIL import Image

from results import write_section

RUNS = 3


def corpus_files(root):
    files = {}
    for fmt in ("jpeg", "png", "webp"):
        folder = os.path.join(root, fmt)
        files[fmt] = sorted(os.path.join(folder, n) for n in os.listdir(folder)) if os.path.isdir(folder) else []
    return files


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def best(command, runs=RUNS):
    return min(timed(command) for _ in range(runs))


def probe_bench(args, files):
    everything = [f for group in files.values() for f in group]
    repeat = 100
    count = len(everything) * repeat
    loop = (
        "import imagesize,sys\n"
        "files=sys.argv[2:]\n"
        "for _ in range(int(sys.argv[1])):\n"
        "    for f in files: imagesize.get(f)\n"
    )
    commands = {
        "imagepipe probe --json": [args.imagepipe, "probe", "--json", "--max-bytes", "0"] + [args.corpus] * repeat,
        "vipsheader": ["vipsheader"] + everything * repeat,
        "imagesize (Python)": [sys.executable, "-c", loop, str(repeat)] + everything,
    }
    times = {name: float("inf") for name in commands}
    for _ in range(5):
        for name, command in commands.items():
            times[name] = min(times[name], timed(command))
    rates = {name: count / seconds for name, seconds in times.items()}
    ours = rates["imagepipe probe --json"]
    rows = [f"| {name} | {rate:,.0f} | {ours / rate:.2f}× |" for name, rate in rates.items()]
    return count, rows, {name: ours / rate for name, rate in rates.items()}


def pixels(path):
    with Image.open(path) as image:
        return image.width * image.height


def tiny_files(directory):
    """An 8×8 file per format, to measure what each tool costs before it decodes anything."""
    tiny = {}
    for fmt, ext in (("jpeg", "jpg"), ("png", "png"), ("webp", "webp")):
        path = os.path.join(directory, f"tiny.{ext}")
        Image.new("RGB", (8, 8), (120, 60, 30)).save(path)
        tiny[fmt] = path
    return tiny


def decode_bench(args, files):
    references = {
        "jpeg": ("djpeg", lambda f: ["djpeg", "-outfile", os.devnull, f]),
        "webp": ("dwebp", lambda f: ["dwebp", "-quiet", "-ppm", "-o", os.devnull, f]),
        "png": ("vips avg", lambda f: ["vips", "avg", f]),
    }
    ours = lambda f: [args.imagepipe, "check", f]
    with tempfile.TemporaryDirectory() as scratch:
        tiny = tiny_files(scratch)
        rows, ratios = [], {}
        for fmt, group in files.items():
            if not group:
                continue
            name, reference = references[fmt]
            ours_start = best(ours(tiny[fmt]), 10)
            theirs_start = best(reference(tiny[fmt]), 10)
            ours_total = theirs_total = ours_net = theirs_net = 0.0
            mpix = sum(pixels(f) for f in group) / 1e6
            for f in group:
                mine = theirs = float("inf")
                for _ in range(RUNS):  # alternate the two tools, file by file
                    mine = min(mine, timed(ours(f)))
                    theirs = min(theirs, timed(reference(f)))
                ours_total += mine
                theirs_total += theirs
                ours_net += max(mine - ours_start, 1e-6)
                theirs_net += max(theirs - theirs_start, 1e-6)
            folder = os.path.dirname(group[0])
            one_process = best([args.imagepipe, "check", folder])
            pillow_total = 0.0
            for f in group:
                begin = time.perf_counter()
                with Image.open(f) as image:
                    image.load()
                pillow_total += time.perf_counter() - begin
            ratios[fmt] = theirs_net / ours_net
            rows.append(
                f"| {fmt} ({len(group)} files, {mpix:,.0f} MPix) | {name} "
                f"| {mpix / ours_total:,.1f} / {mpix / theirs_total:,.1f} = {theirs_total / ours_total:.2f}× "
                f"| {mpix / ours_net:,.1f} / {mpix / theirs_net:,.1f} = {theirs_net / ours_net:.2f}× "
                f"| {mpix / one_process:,.1f} | {mpix / pillow_total:,.1f} |")
            startup = f"{ours_start * 1000:.1f} ms / {theirs_start * 1000:.1f} ms"
            rows[-1] += f" {startup} |"
    return rows, ratios


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--imagepipe", required=True)
    parser.add_argument("--results", required=True)
    args = parser.parse_args()
    files = corpus_files(args.corpus)
    total = sum(len(g) for g in files.values())
    print(f"corpus: {total} files", file=sys.stderr)

    count, probe_rows, probe_ratios = probe_bench(args, files)
    decode_rows, decode_ratios = decode_bench(args, files)
    cpu = platform.processor() or platform.machine()
    text = "\n".join([
        "## Codecs: probe and full decode (`bash bench/run.sh`)",
        "",
        f"Run {datetime.date.today()} on {os.cpu_count()} cores ({cpu}), corpus of {total} real images "
        f"(`../shared/bench/make-corpus.sh`: 5K JPEGs, large PNGs, 4K WebPs), warm cache.",
        "",
        f"### Probe: files per second, one process, {count:,} files (the corpus {count // max(total, 1)} times)",
        "",
        "| tool | files/s | imagepipe is |",
        "| --- | ---: | ---: |",
        *probe_rows,
        "",
        "imagepipe reads format, size, EXIF orientation, alpha, animation, progressive, bit depth, colour model and",
        "ICC presence; imagesize reads size only; vipsheader opens each file with libvips.",
        "",
        "### Full decode: MPix/s, best of 3 per file, imagepipe and the reference alternating file by file",
        "",
        "| format | reference | one process per file: imagepipe / reference | net of process start | imagepipe, one process for the folder | Pillow in-process | process start: imagepipe / reference |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        *decode_rows,
        "",
        "`imagepipe check` decodes every pixel into memory (strict: truncation is an error); djpeg and dwebp",
        "decode and write PPM to /dev/null; `vips avg` decodes and averages every pixel. \"Net of process start\"",
        "subtracts each tool's time on an 8×8 file of the same format, leaving the decoder's own throughput.",
        "Ratios above 1 mean imagepipe is faster.",
    ])
    write_section(args.results, "codecs", text)
    print(text)


if __name__ == "__main__":
    main()
