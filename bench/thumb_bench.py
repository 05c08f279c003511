#!/usr/bin/env python3
"""Thumbnail throughput, memory and quality: `imagepipe thumb` against `vipsthumbnail` on the same real
images (fit 256×256, JPEG q=80), in one run, alternating the two. Quality is the SSIM of each imagepipe
thumbnail against a careful reference (Pillow: full decode, EXIF transpose, Lanczos to the same size).
Writes its section of bench/RESULTS.md between its markers and prints the same text."""
import argparse
import datetime
import io
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageOps
from scipy.ndimage import gaussian_filter

from results import write_section

ROUNDS = 5


def run(command):
    """Wall seconds and peak RSS (KB) of a command, from GNU time."""
    with tempfile.NamedTemporaryFile("r") as report:
        subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%e %M"] + command,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        seconds, rss = report.read().split()[-2:]
        return float(seconds), int(rss)


def shell(command):
    return run(["sh", "-c", command])


def is_progressive(path):
    with Image.open(path) as image:
        return bool(image.info.get("progressive") or image.info.get("progression"))


def mean_difference(a, b):
    return float(np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16)).mean())


def luminance(image):
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    return rgb @ np.array([0.299, 0.587, 0.114])


def ssim(a, b):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = gaussian_filter(a, 1.5), gaussian_filter(b, 1.5)
    var_a = gaussian_filter(a * a, 1.5) - mu_a ** 2
    var_b = gaussian_filter(b * b, 1.5) - mu_b ** 2
    cov = gaussian_filter(a * b, 1.5) - mu_a * mu_b
    value = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(value.mean())


def reference(path, size):
    with Image.open(path) as image:
        image.load()
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.split()[-1])
            image = flat
        return image.convert("RGB").resize(size, Image.LANCZOS)


def quality(files, folder, extension):
    """SSIM per input: the thumbnail in `folder` against the reference at the same size. For JPEG
    thumbnails the reference goes through the same JPEG q=80 encoding, so that only the downscale is
    compared, not the encoder's loss (which alone costs 0.92-0.99 SSIM on detailed wallpapers)."""
    scores = {}
    for path in files:
        thumb_path = os.path.join(folder, os.path.splitext(os.path.basename(path))[0] + extension)
        if not os.path.exists(thumb_path):
            scores[path] = None
            continue
        with Image.open(thumb_path) as thumb:
            thumb.load()
            expected = reference(path, thumb.size)
            if extension == ".jpg":
                encoded = io.BytesIO()
                expected.save(encoded, "JPEG", quality=80)
                encoded.seek(0)
                expected = Image.open(encoded)
            scores[path] = ssim(luminance(thumb), luminance(expected))
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--imagepipe", required=True)
    parser.add_argument("--results", required=True)
    args = parser.parse_args()
    groups = {}
    for fmt in ("jpeg", "png", "webp"):
        folder = os.path.join(args.corpus, fmt)
        groups[fmt] = sorted(os.path.join(folder, n) for n in os.listdir(folder))
    groups["all"] = [f for fmt in ("jpeg", "png", "webp") for f in groups[fmt]]
    groups["progressive jpeg"] = [f for f in groups["jpeg"] if is_progressive(f)]
    scratch = tempfile.mkdtemp(prefix="imagepipe-thumbs-")
    ours_dir, vips_dir = os.path.join(scratch, "ours"), os.path.join(scratch, "vips")

    def ours(files, jobs, folder=ours_dir, extra=("--format", "jpeg", "--quality", "80")):
        shutil.rmtree(folder, ignore_errors=True)
        return run([args.imagepipe, "thumb", "--jobs", str(jobs), "--size", "256", *extra, "--out", folder] + files)

    def vips(files, jobs):
        shutil.rmtree(vips_dir, ignore_errors=True)
        os.makedirs(vips_dir)
        target = f"{vips_dir}/%s.jpg[Q=80]"
        if jobs == 1:
            return run(["vipsthumbnail", "--size", "256x256", "-o", target] + files)
        listing = os.path.join(scratch, "files.txt")
        with open(listing, "w") as out:
            out.write("\n".join(files) + "\n")
        return shell(f"xargs -P{jobs} -n 8 vipsthumbnail --size 256x256 -o '{target}' < {listing}")

    lines = []
    ratios = {}
    for jobs in (1, 2):
        lines += [
            "",
            f"### {jobs} job{'s' if jobs > 1 else ''}: images/s and peak RSS, best of {ROUNDS} rounds",
            "",
            "| files | imagepipe | vipsthumbnail | imagepipe is | peak RSS imagepipe / vips |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name in ("jpeg", "progressive jpeg", "png", "webp", "all"):
            files = groups[name]
            best_ours = best_vips = (float("inf"), 0)
            for _ in range(ROUNDS):
                best_ours = min(best_ours, ours(files, jobs))
                best_vips = min(best_vips, vips(files, jobs))
            rate_ours, rate_vips = len(files) / best_ours[0], len(files) / best_vips[0]
            ratios[(jobs, name)] = rate_ours / rate_vips
            lines.append(
                f"| {name} ({len(files)}) | {rate_ours:.1f} | {rate_vips:.1f} | {rate_ours / rate_vips:.2f}× "
                f"| {best_ours[1] / 1024:.0f} MB / {best_vips[1] / 1024:.0f} MB |")

    big = [f for f in groups["progressive jpeg"] if Image.open(f).size == (5120, 2880)]
    lines += [
        "",
        f"### Peak RSS on each 5120×2880 progressive JPEG alone (one job, best of {ROUNDS})",
        "",
        "| file | imagepipe | vipsthumbnail |",
        "| --- | ---: | ---: |",
    ]
    for path in big:
        mine = min(ours([path], 1)[1] for _ in range(ROUNDS))
        theirs = min(vips([path], 1)[1] for _ in range(ROUNDS))
        lines.append(f"| {os.path.basename(path)} | {mine / 1024:.0f} MB | {theirs / 1024:.0f} MB |")

    # The DC path (default) against every scan (--fail-on error), both as lossless PNG thumbnails.
    dc_dir, all_dir = os.path.join(scratch, "dc"), os.path.join(scratch, "all-scans")
    verbose = subprocess.run([args.imagepipe, "thumb", "--jobs", "1", "--size", "256", "--format", "png", "--verbose",
                              "--out", dc_dir] + groups["progressive jpeg"], capture_output=True, text=True).stdout
    loader = {}
    for line in verbose.splitlines():
        if not line.startswith(" "):
            current = line.split(" → ")[0]
        elif "loader:" in line:
            loader[current] = line.strip()
    ours(groups["progressive jpeg"], 1, all_dir, ("--format", "png", "--fail-on", "error"))
    lines += [
        "",
        "### Progressive JPEGs: DC-scan thumbnails against all-scan thumbnails (`--fail-on error`), PNG output",
        "",
        "| file | size | DC path | mean abs difference (of 255) | max | SSIM DC path vs reference | SSIM all scans vs reference |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    dc_quality = quality(groups["progressive jpeg"], dc_dir, ".png")
    all_quality = quality(groups["progressive jpeg"], all_dir, ".png")
    for path in groups["progressive jpeg"]:
        name = os.path.splitext(os.path.basename(path))[0] + ".png"
        with Image.open(os.path.join(dc_dir, name)) as a, Image.open(os.path.join(all_dir, name)) as b:
            a, b = a.convert("RGB"), b.convert("RGB")
            difference = mean_difference(a, b)
            worst = int(np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16)).max())
        size = "×".join(map(str, Image.open(path).size))
        line = loader.get(path, "")
        used = ("yes" if "DC scans only" in line
                else "no: " + (line.split("(all scans: ")[1].rstrip(")") if "(all scans: " in line else "1/8 is smaller than the target"))
        lines.append(f"| {os.path.basename(path)} | {size} | {used} | {difference:.3f} | {worst} "
                     f"| {dc_quality[path]:.4f} | {all_quality[path]:.4f} |")

    png_ours, png_vips = os.path.join(scratch, "ours-png"), os.path.join(scratch, "vips-png")
    os.makedirs(png_vips, exist_ok=True)
    run([args.imagepipe, "thumb", "--size", "256", "--format", "png", "--out", png_ours] + groups["all"])
    run(["vipsthumbnail", "--size", "256x256", "-o", f"{png_vips}/%s.png"] + groups["all"])
    ours(groups["all"], 1)
    vips(groups["all"], 1)
    measured = {
        "lossless": (quality(groups["all"], png_ours, ".png"), quality(groups["all"], png_vips, ".png")),
        "jpeg q=80": (quality(groups["all"], ours_dir, ".jpg"), quality(groups["all"], vips_dir, ".jpg")),
    }
    lines += [
        "",
        "### Quality: SSIM (luminance, Gaussian window σ=1.5) against Pillow full decode + EXIF transpose + Lanczos",
        "",
        "\"lossless\": PNG thumbnails against the reference, which measures the downscale alone. \"jpeg q=80\": the",
        "benchmark's JPEG thumbnails against the reference put through the same JPEG q=80 encoding.",
        "",
        "| thumbnails | files | imagepipe min | imagepipe mean | vipsthumbnail min | vipsthumbnail mean |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    failures = []
    for kind, (mine_all, theirs_all) in measured.items():
        for name in ("jpeg", "progressive jpeg", "png", "webp", "all"):
            mine = [mine_all[f] for f in groups[name] if mine_all[f] is not None]
            theirs = [theirs_all[f] for f in groups[name] if theirs_all[f] is not None]
            missing = len(groups[name]) - len(mine)
            if name == "all":
                failures += [f"{os.path.basename(f)} ({kind})" for f in groups[name]
                             if mine_all[f] is None or mine_all[f] < 0.97]
            lines.append(
                f"| {kind} | {name} | {min(mine):.4f} | {np.mean(mine):.4f} | {min(theirs):.4f} | {np.mean(theirs):.4f} |"
                + (f" ({missing} missing)" if missing else ""))
    lines += ["", f"Files below SSIM 0.97: {', '.join(failures) if failures else 'none'}."]
    shutil.rmtree(scratch, ignore_errors=True)
    header = [
        "## Thumbnails: `imagepipe thumb` against `vipsthumbnail` (`bash bench/run.sh thumbs`)",
        "",
        f"Run {datetime.date.today()} on {os.cpu_count()} cores, {len(groups['all'])} real images, fit 256×256, JPEG q=80,",
        "warm cache, the two tools alternating. One job: `imagepipe thumb --jobs 1` against one `vipsthumbnail`",
        "process over all files (libvips' own default threading). Two jobs: `--jobs 2` against",
        "`xargs -P2 -n 8 vipsthumbnail`.",
    ]
    text = "\n".join(header + lines)
    write_section(args.results, "thumbs", text)
    print(text)


if __name__ == "__main__":
    main()
