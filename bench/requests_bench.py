"""Requests per generated image and wall time: adaptive polling against the service's recommended
polling (1 s x 1.5 up to 10 s), with `imagepipe run` against `imagepipe simulate` over loopback HTTP.

Task durations are drawn by the simulator from a distribution and run `--time-scale` times as fast (the
client scales its fixed waits alike), so the ratios are those of real 20-90 s tasks in a fraction of the
time. Requests are counted by the simulator: API requests (submits, polls, download URLs; what the daily
limit counts) and result files fetched (the service's file host, not an API request). Writes its section of
bench/RESULTS.md.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

from results import write_section

DISTRIBUTIONS = [
    ("by model and tier: typical 50 s, log-normal spread 0.25, within 20-90 s",
     ["--latency", "50", "--latency-spread", "0.25", "--latency-range", "20-90"]),
    ("one model and tier, evenly 20-90 s (the stress case)", ["--latency-range", "20-90"]),
]


def start_simulator(imagepipe, distribution, scale):
    process = subprocess.Popen([imagepipe, "simulate", "--port", "0", "--credits", "10000000", "--plan", "enterprise",
                                "--time-scale", str(scale)] + distribution, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    base = re.search(r"(http://127\.0\.0\.1:\d+/api/v1)", line).group(1)
    return process, base


def counters(base):
    with urllib.request.urlopen(base.replace("/api/v1", "/_simulator/counters")) as answer:
        return json.load(answer)


def pipeline(folder, items, prompt, concurrency):
    names = " ".join(f'"item {i}"' for i in range(items))
    path = os.path.join(folder, "batch.pipe")
    with open(path, "w") as out:
        out.write(f"pipeline batch\nitems {names}\n"
                  f'generate model gpt-image-2-text-to-image prompt "{prompt} {{name}}" aspect 1:1 concurrency {concurrency}\n'
                  f"output {folder}/out\n")
    return path


def run(imagepipe, base, file, mode, scale):
    before = counters(base)
    start = time.monotonic()
    result = subprocess.run([imagepipe, "run", file, "--backend", "vicsee", "--base-url", base, "--poll", mode,
                             "--time-scale", str(scale)], env={**os.environ, "VICSEE_API_KEY": "sk-simulator-demo"},
                            capture_output=True, text=True)
    wall = time.monotonic() - start
    after = counters(base)
    if result.returncode != 0:
        raise SystemExit(f"imagepipe run failed ({result.returncode}): {result.stderr[-2000:]}")
    images = after["charges"] - before["charges"]
    api = after["requests"] - before["requests"]
    files = after["fileDownloads"] - before["fileDownloads"]
    return {"images": images, "api": api / images, "all": (api + files) / images, "wall": wall}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--imagepipe", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--scale", type=float, default=0.1)
    args = parser.parse_args()
    rows = []
    for name, distribution in DISTRIBUTIONS:
        measured = {}
        for mode in ["recommended", "adaptive"]:
            folder = tempfile.mkdtemp(prefix="imagepipe-requests-")
            simulator, base = start_simulator(args.imagepipe, distribution, args.scale)
            try:
                measured[mode] = run(args.imagepipe, base, pipeline(folder, args.items, "A studio photo of", args.concurrency), mode, args.scale)
                if mode == "adaptive":
                    # A second batch in the same folder: the durations of the first are in its journal.
                    measured["adaptive, durations known"] = run(
                        args.imagepipe, base, pipeline(folder, args.items, "A catalogue photo of", args.concurrency), mode, args.scale)
            finally:
                simulator.terminate()
                simulator.wait()
                shutil.rmtree(folder, ignore_errors=True)
            print(name, mode, measured[mode], flush=True)
        baseline = measured["recommended"]["wall"]
        for mode, m in measured.items():
            rows.append(f"| {name} | {mode} | {m['images']} | {m['api']:.2f} | {m['all']:.2f} | {m['wall'] / baseline:.3f}× |")
    text = f"""## Requests per generated image: adaptive polling (`bash bench/run.sh requests`)

Run {time.strftime('%Y-%m-%d')} on 2 cores with `{os.path.relpath(args.imagepipe)}`: `imagepipe run` ({args.items} text-to-image items, 1K, concurrency {args.concurrency})
against `imagepipe simulate` on loopback, task durations drawn by the simulator and run at {args.scale}× time
(the client scales its fixed waits alike: the ratios are those of real 20-90 s tasks). A fresh simulator
and output folder per mode; "durations known" is a second batch in the same folder, whose journal holds
the first batch's durations. API requests are what the daily limit counts (submit, polls, a download URL
when needed); "with files" adds the result file fetched from the service's file host. Wall time is the
run's, against the service's recommended polling (1 s × 1.5 up to 10 s) on the same durations.

| task durations | polling | images | API requests / image | with files / image | wall time |
| --- | --- | ---: | ---: | ---: | ---: |
""" + "\n".join(rows) + "\n"
    write_section(args.results, "requests", text)
    print(text)


if __name__ == "__main__":
    main()
