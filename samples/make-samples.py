#!/usr/bin/env python3
"""Draws the sample "product photos" in this folder: simple studio-style renders of everyday products,
in the formats, ratios and quirks real shop photos have (EXIF-rotated phone shot, cut-out PNG with
transparency, progressive JPEG, portrait WebP). Made by the imagepipe project and released under CC0.

Run with Debian's Python and Pillow (apt-get install python3-pil): /usr/bin/python3 samples/make-samples.py
The outputs are committed; this script is only needed to change them.
"""
import math
import os

from PIL import Image, ImageDraw, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))


def backdrop(width, height, top, bottom):
    """A studio sweep: a vertical gradient with a soft floor line."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(height - 1, 1)
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    return image


def shadow(size, box, blur):
    """A soft elliptical shadow mask."""
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).ellipse(box, fill=110)
    return mask.filter(ImageFilter.GaussianBlur(blur))


def shaded_rect(draw, box, base, highlight, radius):
    """A rounded body with a horizontal light-to-dark shading, like a cylinder lit from the left."""
    x0, y0, x1, y1 = box
    for x in range(x0, x1):
        t = (x - x0) / max(x1 - x0 - 1, 1)
        light = 0.55 + 0.45 * math.cos((t - 0.3) * math.pi)
        colour = tuple(min(255, int(b * light + h * (1 - light) * 0.25)) for b, h in zip(base, highlight))
        draw.line([(x, y0 + radius), (x, y1 - radius)], fill=colour)
    draw.rounded_rectangle(box, radius=radius, outline=tuple(int(c * 0.6) for c in base), width=2)


def mug():
    # A phone shot: stored landscape 1200x900, EXIF orientation 6 says "turn clockwise to view".
    upright = backdrop(900, 1200, (236, 231, 222), (196, 188, 176))
    upright.paste((90, 80, 70), (0, 0), shadow(upright.size, (200, 930, 700, 1010), 18))
    draw = ImageDraw.Draw(upright)
    shaded_rect(draw, (250, 480, 620, 960), (200, 60, 50), (255, 255, 255), 30)
    draw.ellipse((250, 450, 620, 520), fill=(150, 40, 35), outline=(120, 30, 25), width=3)
    draw.arc((560, 580, 760, 820), start=-90, end=90, fill=(180, 50, 42), width=34)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the sensor recorded
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(os.path.join(HERE, "mug-phone.jpg"), quality=86, exif=exif.tobytes())


def sneaker():
    # A cut-out product on a transparent background, square.
    image = Image.new("RGBA", (1000, 1000), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((140, 700, 880, 780), fill=(0, 0, 0, 70))
    draw.polygon([(150, 700), (200, 520), (420, 470), (560, 560), (840, 600), (870, 700)], fill=(40, 110, 200, 255))
    draw.rectangle((150, 690, 870, 740), fill=(245, 245, 245, 255))
    for i in range(6):
        draw.line([(330 + i * 30, 520), (360 + i * 30, 580)], fill=(250, 250, 250, 255), width=8)
    image = image.filter(ImageFilter.SMOOTH)
    image.save(os.path.join(HERE, "sneaker-cutout.png"), optimize=True)


def bottle():
    # A portrait 9:16 lossy WebP, as social-media exports are.
    image = backdrop(720, 1280, (210, 228, 240), (150, 178, 200))
    image.paste((40, 60, 80), (0, 0), shadow(image.size, (180, 1090, 540, 1160), 16))
    draw = ImageDraw.Draw(image)
    shaded_rect(draw, (250, 420, 470, 1120), (40, 140, 90), (255, 255, 255), 40)
    shaded_rect(draw, (315, 250, 405, 430), (40, 140, 90), (255, 255, 255), 12)
    draw.rectangle((305, 210, 415, 260), fill=(30, 30, 30))
    draw.rectangle((250, 640, 470, 860), fill=(245, 240, 225))
    image.save(os.path.join(HERE, "bottle-portrait.webp"), quality=82)


def lamp():
    # A 3:2 progressive JPEG, the usual DSLR catalogue shot.
    image = backdrop(1500, 1000, (60, 62, 70), (25, 26, 30))
    glow = Image.new("L", image.size, 0)
    ImageDraw.Draw(glow).ellipse((520, 180, 980, 560), fill=160)
    image.paste((255, 220, 150), (0, 0), glow.filter(ImageFilter.GaussianBlur(60)))
    draw = ImageDraw.Draw(image)
    draw.polygon([(600, 260), (900, 260), (980, 470), (520, 470)], fill=(235, 205, 150))
    draw.rectangle((740, 470, 760, 820), fill=(180, 170, 160))
    draw.ellipse((620, 800, 880, 860), fill=(150, 140, 130))
    image.save(os.path.join(HERE, "lamp-studio.jpg"), quality=85, progressive=True)


def watch():
    # A 5:4 RGB PNG, as product renders from 3D tools come.
    image = backdrop(1280, 1024, (250, 250, 250), (220, 222, 226))
    image.paste((120, 120, 130), (0, 0), shadow(image.size, (420, 820, 860, 880), 20))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((560, 120, 720, 900), radius=40, fill=(70, 60, 55))
    draw.ellipse((440, 330, 840, 730), fill=(190, 190, 200), outline=(120, 120, 130), width=10)
    draw.ellipse((480, 370, 800, 690), fill=(20, 30, 50))
    draw.line([(640, 530), (640, 420)], fill=(240, 240, 240), width=8)
    draw.line([(640, 530), (720, 570)], fill=(240, 240, 240), width=6)
    image.quantize(colors=200).convert("RGB").save(os.path.join(HERE, "watch-render.png"), optimize=True)


if __name__ == "__main__":
    mug()
    sneaker()
    bottle()
    lamp()
    watch()
