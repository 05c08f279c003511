#!/usr/bin/env python3
"""Sharding (`--shard K/N`): what the partition itself costs, and thumbnails of the corpus as 2 shards in 2
processes against `--jobs 2` in one process. Writes its section of bench/RESULTS.md (between its markers)
and prints the same table.

- partition: bench/partition_bench.swift compiled with `swiftc -O` with the real RendezvousHash.swift, the
  owner of 100,000 paths for 2 to 1024 shards, set against what `imagepipe probe` spends per file (measured
  here on 3,000 small files) to show what share of a sharded probe the partition is;
- 2 shards: `thumb --jobs 1 --shard 0/2` and `--shard 1/2` started together, against `thumb --jobs 2`, best
  of 3 wall-clock times each, on the same corpus and options; ratios both ways."""
import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

from PIL import Image

from results import write_section

THUMB = ["thumb", "--size", "256", "--format", "jpeg", "--quality", "80"]


def best_of(runs, action):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def partition(build):
    binary = os.path.join(build, "partition_bench")
    subprocess.run(["swiftc", "-O", "-parse-as-library", "-o", binary, "bench/partition_bench.swift",
                    "Sources/Pipeline/Shard/RendezvousHash.swift"], check=True)
    rows = []
    for line in subprocess.run([binary], check=True, capture_output=True, text=True).stdout.splitlines():
        count, nanoseconds, _ = line.split()
        rows.append((int(count), float(nanoseconds)))
    return rows


def probe_nanoseconds_per_file(imagepipe, root):
    folder = os.path.join(root, "probe")
    os.makedirs(folder)
    for index in range(3000):
        Image.new("RGB", (64, 48), (index % 256, 90, 160)).save(os.path.join(folder, f"p{index:05d}.png"))
    seconds = best_of(3, lambda: subprocess.run([imagepipe, "probe", "--json", folder], stdout=subprocess.DEVNULL, check=False))
    return seconds / 3000 * 1e9


def thumbnails(imagepipe, corpus, root, runs):
    def one_process():
        out = os.path.join(root, "jobs2")
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([imagepipe] + THUMB + ["--jobs", "2", "--out", out, corpus], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)

    def two_shards():
        processes = []
        for index in range(2):
            out = os.path.join(root, f"shard{index}")
            shutil.rmtree(out, ignore_errors=True)
            processes.append(subprocess.Popen([imagepipe] + THUMB + ["--jobs", "1", "--shard", f"{index}/2", "--out", out, corpus],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for process in processes:
            process.wait()

    one_process()  # warm the cache
    files = sum(1 for name in os.listdir(os.path.join(root, "jobs2")))
    return files, best_of(runs, one_process), best_of(runs, two_shards)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--imagepipe", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--results", default="bench/RESULTS.md")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        rows = partition(root)
        probe = probe_nanoseconds_per_file(args.imagepipe, root)
        files, jobs, shards = thumbnails(args.imagepipe, args.corpus, root, args.runs)
    lines = [
        "## Sharding: the partition, and 2 shards against `--jobs 2` (`bash bench/run.sh shards`)",
        "",
        f"Run {datetime.date.today()} on {os.cpu_count()} cores ({platform.machine()}).",
        "",
        "The partition (rendezvous hashing, `swiftc -O`, best of 5) of 100,000 paths, against `imagepipe probe`'s "
        f"time per file ({probe / 1000:.0f} µs, 3,000 small PNGs, one process):",
        "",
        "| shards | ns per path | 100,000 paths | share of probing them |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for count, nanoseconds in rows:
        lines.append(f"| {count} | {nanoseconds:.0f} | {nanoseconds * 1e5 / 1e6:.1f} ms | {nanoseconds / probe * 100:.2f} % |")
    lines += [
        "",
        f"Thumbnails of the corpus ({files} files; `{' '.join(THUMB)}`), best of {args.runs} wall-clock times: "
        f"2 shards as 2 processes (`--jobs 1 --shard K/2`) against one process with `--jobs 2`:",
        "",
        "| 2 shards ÷ `--jobs 2` (time) | `--jobs 2` ÷ 2 shards (time) |",
        "| ---: | ---: |",
        f"| {shards / jobs:.2f} | {jobs / shards:.2f} |",
    ]
    text = "\n".join(lines)
    print(text)
    write_section(args.results, "shards", text)


if __name__ == "__main__":
    sys.exit(main())
