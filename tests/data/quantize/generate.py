#!/usr/bin/env python3
"""Records Pillow's output of ComfyUI's ImageQuantize for drover's tests.

For each input, ComfyUI v0.8.0's node (comfy_extras/nodes_post_processing.py)
turns the float image into bytes with (x * 255).to(uint8), asks Pillow for a
median-cut palette with im.quantize(colors=colors), and maps the image onto
it with im.quantize(palette=..., dither=NONE or FLOYDSTEINBERG). Its bayer-N
modes add an ordered-dither matrix before a plain mapping; torch is not
needed for that: the same float32 steps are written here in numpy.

Outputs (all little-endian, rows top to bottom, RGB interleaved):
  <input>.f32       the float32 input image, [H, W, 3] (small inputs only)
  <input>.expected  uint8 [H, W, 3] results, one after another, for each
                    colors in COLORS (outer) and each dither in DITHERS (inner)
  noise_<colors>_<dither>.png   results for the generated noise image, saved
                    as palette PNGs

Usage: python3 generate.py [--bench]
"""

import math
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
COLORS = [2, 3, 5, 16, 256]
DITHERS = ["none", "floyd-steinberg", "bayer-2", "bayer-4", "bayer-8", "bayer-16"]
NOISE_HEIGHT, NOISE_WIDTH = 260, 256
NOISE_CASES = [(16, "none"), (16, "floyd-steinberg"), (16, "bayer-4"), (256, "floyd-steinberg")]


def bayer_matrix(n):
    """ComfyUI's normalized_bayer_matrix, float32 throughout as numpy keeps it."""
    if n == 0:
        return np.zeros((1, 1), np.float32)
    q = 4**n
    m = q * bayer_matrix(n - 1)
    return np.block([[m - 1.5, m + 0.5], [m + 1.5, m - 0.5]]) / q


def quantize(image, colors, dither):
    """ComfyUI's ImageQuantize on one float32 [H, W, 3] image -> uint8 RGB."""
    im = Image.fromarray((image * np.float32(255)).astype(np.uint8), mode="RGB")
    pal_im = im.quantize(colors=colors)
    if dither == "none":
        out = im.quantize(palette=pal_im, dither=Image.Dither.NONE)
    elif dither == "floyd-steinberg":
        out = im.quantize(palette=pal_im, dither=Image.Dither.FLOYDSTEINBERG)
    else:
        order = int(dither.split("-")[-1])
        num_colors = len(pal_im.getpalette()) // 3
        spread = 2 * 256 / num_colors
        matrix = spread * bayer_matrix(int(math.log2(order))) + 0.5
        assert matrix.dtype == np.float32
        h, w = image.shape[:2]
        tiled = np.tile(matrix, (math.ceil(h / order), math.ceil(w / order)))[:h, :w]
        shifted = np.array(im).astype(np.float32) + tiled[:, :, None]
        shifted = np.clip(shifted, 0, 255).astype(np.uint8)
        out = Image.fromarray(shifted).quantize(palette=pal_im, dither=Image.Dither.NONE)
    return np.array(out.convert("RGB"))


def small_inputs():
    rng = np.random.default_rng(3)
    h, w = 12, 16
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    gradient = np.stack([x / (w - 1), y / (h - 1), np.full_like(x, 0.5)], axis=-1)
    gradient = np.clip(gradient + rng.normal(0, 0.08, gradient.shape), 0, 1)

    two = np.empty((h, w, 3))
    two[:, : w // 2] = [0.2, 0.4, 0.6]
    two[:, w // 2 :] = [0.9, 0.1, 0.3]

    palette = rng.random((7, 3))
    few = palette[(y // 4 * 3 + x // 6).astype(int) % 7]

    # Four colours of 48 pixels each: the first cut leaves two boxes of equal
    # pixel count, and with colors=3 the heap's tie order picks the next.
    corners = np.array([[0, 0, 0], [0, 100, 0], [255, 0, 0], [255, 100, 0]]) / 255
    tied = corners[(y // 6 * 2 + x // 8).astype(int)]
    return {
        "gradient": gradient.astype(np.float32),
        "two_colors": two.astype(np.float32),
        "few_colors": few.astype(np.float32),
        "tied_boxes": tied.astype(np.float32),
    }


def noise_image(h, w):
    """Bytes from a 32-bit LCG (state = state * 1664525 + 1013904223, byte =
    state >> 24, seed 1), RGB interleaved, as float32 byte / 255."""
    state, values = 1, np.empty(h * w * 3, np.uint8)
    for i in range(values.size):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        values[i] = state >> 24
    return values.reshape(h, w, 3).astype(np.float32) / np.float32(255)


def save_indexed(rgb, name):
    """Saves an image of at most 256 colours losslessly as a palette PNG."""
    colors, index = np.unique(rgb.reshape(-1, 3), axis=0, return_inverse=True)
    out = Image.fromarray(index.reshape(rgb.shape[:2]).astype(np.uint8), mode="P")
    out.putpalette(colors.astype(np.uint8).tobytes())
    out.save(HERE / name, optimize=True)
    assert (np.array(Image.open(HERE / name).convert("RGB")) == rgb).all()


def main():
    for name, image in small_inputs().items():
        (HERE / f"{name}.f32").write_bytes(image.astype("<f4").tobytes())
        parts = [quantize(image, c, d).tobytes() for c in COLORS for d in DITHERS]
        (HERE / f"{name}.expected").write_bytes(b"".join(parts))
    noise = noise_image(NOISE_HEIGHT, NOISE_WIDTH)
    for colors, dither in NOISE_CASES:
        save_indexed(quantize(noise, colors, dither), f"noise_{colors}_{dither}.png")
    if "--bench" in sys.argv:
        big = noise_image(1024, 1024)
        start = time.perf_counter()
        for _ in range(5):
            quantize(big, 256, "floyd-steinberg")
        print(f"pillow 1024x1024 colors=256 floyd-steinberg: "
              f"{(time.perf_counter() - start) / 5 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
