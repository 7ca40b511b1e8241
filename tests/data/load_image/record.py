#!/usr/bin/python3
"""Writes the pictures that drover's LoadImage tests read, with Debian's Pillow,
and what ComfyUI's LoadImage computes from each (its code in numpy below).

Run from this folder: /usr/bin/python3 record.py
For each picture NAME it writes NAME.rgba: every kept frame's RGB (as
convert("RGB") gives it) and the byte behind the mask (the alpha band, or 255
when ComfyUI gives the 64x64 empty mask), four bytes a pixel, frame after
frame; manifest.json gives each picture's frames, height, width and whether
it has a mask of its own size.
"""
import json

import numpy as np
from PIL import Image, ImageOps, ImageSequence


def pattern(w, h, seed, mode="RGBA"):
    a = np.zeros((h, w, 4), np.uint8)
    for y in range(h):
        for x in range(w):
            for c in range(4):
                a[y, x, c] = (x * 40 + y * 70 + seed * 50 + c * 90) % 256
    a[..., 3] = np.where(a[..., 3] < 60, 0, a[..., 3])  # some fully clear
    return Image.fromarray(a, "RGBA").convert(mode)


def with_orientation(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def comfy_load_image(path):
    """ComfyUI v0.8.0 nodes.py LoadImage, without torch."""
    img = Image.open(path)
    images, alphas, masked = [], [], False
    w = h = None
    for i in ImageSequence.Iterator(img):
        i = ImageOps.exif_transpose(i)
        if i.mode == "I":
            i = i.point(lambda v: v * (1 / 255))
        image = i.convert("RGB")
        if not images:
            w, h = image.size
        if image.size != (w, h):
            continue
        if "A" in i.getbands():
            alpha = np.array(i.getchannel("A"))
            masked = True
        elif i.mode == "P" and "transparency" in i.info:
            alpha = np.array(i.convert("RGBA").getchannel("A"))
            masked = True
        else:
            alpha = np.full((h, w), 255, np.uint8)
        images.append(np.array(image))
        alphas.append(alpha)
    out = np.concatenate([np.stack(images), np.stack(alphas)[..., None]], axis=3)
    return out, {"frames": len(images), "height": h, "width": w, "mask": masked}


written = []

# EXIF orientation, every value, in each format that carries it.
for o in range(1, 9):
    name = f"orient{o}.png"
    pattern(5, 3, o).save(name, exif=with_orientation(o))
    written.append(name)
pattern(5, 3, 0, "RGB").save("orient6.jpg", quality=100, exif=with_orientation(6))
pattern(5, 3, 0, "RGB").save("orient3.jpg", quality=100, exif=with_orientation(3))
pattern(5, 3, 1).save("orient8.webp", lossless=True, exif=with_orientation(8))
pattern(5, 3, 2).save("orient5.webp", lossless=True, exif=with_orientation(5))
written += ["orient6.jpg", "orient3.jpg", "orient8.webp", "orient5.webp"]

# APNG: frames that Pillow crops to what changed, over every disposal and blend.
frames = [pattern(6, 4, s) for s in range(4)]
frames[1].paste((0, 0, 0, 0), (0, 0, 6, 2))
frames[2].paste((10, 200, 30, 128), (2, 1, 5, 3))
frames[3].paste((250, 20, 30, 255), (1, 1, 3, 4))
frames[0].save("anim.png", save_all=True, append_images=frames[1:], duration=50,
               disposal=[0, 1, 2, 2], blend=[0, 1, 1, 0])
frames[0].save("anim_default.png", save_all=True, append_images=frames[1:],
               default_image=True, duration=50, disposal=[2, 0, 1, 0],
               blend=[0, 1, 0, 1])
frames[0].convert("RGB").save("anim_rgb.png", save_all=True,
                              append_images=[f.convert("RGB") for f in frames[1:]],
                              duration=50, disposal=[1, 0, 2, 0], blend=[1, 1, 0, 1],
                              exif=with_orientation(6))
written += ["anim.png", "anim_default.png", "anim_rgb.png"]

manifest = {}
for name in written:
    pixels, shape = comfy_load_image(name)
    with open(name + ".rgba", "wb") as f:
        f.write(pixels.astype(np.uint8).tobytes())
    manifest[name] = shape
with open("manifest.json", "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
    f.write("\n")
