#!/usr/bin/python3
"""Writes what Debian's Pillow gives for the preview resize drover copies:
ImageOps.contain(image, (side, side), BILINEAR), as ComfyUI's server.py
send_image does. Run from this folder: /usr/bin/python3 record.py

For each case NAME it writes NAME.in (the input's raw bytes, row after row)
and NAME.out (the result's), and manifest.json gives each case's mode, sizes
and side.
"""
import json

from PIL import Image, ImageOps


def pattern(w, h, mode, seed):
    bands = len(mode)
    data = bytes(
        (x * 37 + y * 91 + b * 53 + seed * 17 + (x * y) % 7 * 29) % 256
        for y in range(h) for x in range(w) for b in range(bands)
    )
    return Image.frombytes(mode, (w, h), data)


cases = [
    ("up_rgb", 7, 5, "RGB", 16),
    ("down_wide_rgb", 40, 13, "RGB", 9),
    ("down_tall_rgb", 13, 40, "RGB", 9),
    ("square_rgb", 30, 30, "RGB", 12),
    ("rgba", 21, 10, "RGBA", 8),
    ("half_to_even", 4, 1, "RGB", 10),
    ("grey", 9, 7, "L", 4),
    ("same_size", 16, 8, "RGB", 16),
]
manifest = []
for seed, (name, w, h, mode, side) in enumerate(cases):
    image = pattern(w, h, mode, seed)
    out = ImageOps.contain(image, (side, side), Image.Resampling.BILINEAR)
    with open(name + ".in", "wb") as f:
        f.write(image.tobytes())
    with open(name + ".out", "wb") as f:
        f.write(out.tobytes())
    manifest.append({"name": name, "width": w, "height": h, "channels": len(mode),
                     "side": side, "out_width": out.width, "out_height": out.height})
with open("manifest.json", "w") as f:
    json.dump(manifest, f, indent=1)
