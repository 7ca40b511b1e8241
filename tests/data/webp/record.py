#!/usr/bin/python3
"""Records the WebP files drover's tests read, written and decoded by Pillow
(Debian 12: Pillow 9.4 on libwebp 1.2.4) the way ComfyUI v0.8.0 calls it.

Run from this folder with Debian's python3-pil: /usr/bin/python3 record.py
"""
import json

from PIL import Image, ImageSequence

# The test inputs, also spelled out in the C++ tests.
PROMPT = {"1": {"class_type": "LoadImage"}}
EXTRA = {"workflow": {"nodes": [], "links": None}, "caf\u00e9": "cr\u00e8me"}


def pattern(width, height, frame, channels):
    """value(x, y, frame, c) = (x * 40 + y * 20 + frame * 70 + c * 90) % 256"""
    data = bytes((x * 40 + y * 20 + frame * 70 + c * 90) % 256
                 for y in range(height) for x in range(width) for c in range(channels))
    return Image.frombytes("RGBA" if channels == 4 else "RGB", (width, height), data)


def comfy_exif(image):
    """comfy_api.latest._ui.ImageSaveHelper._create_webp_metadata."""
    exif = image.getexif()
    exif[0x0110] = "prompt:{}".format(json.dumps(PROMPT))
    tag = 0x010F
    for key, value in EXTRA.items():
        exif[tag] = "{}:{}".format(key, json.dumps(value))
        tag -= 1
    return exif


def save_animated(name, frames, lossless, quality, method, fps=6.0):
    """comfy_api.latest._ui.ImageSaveHelper.save_animated_webp."""
    frames[0].save(name, save_all=True, duration=int(1000.0 / fps),
                   append_images=frames[1:], exif=comfy_exif(frames[0]),
                   lossless=lossless, quality=quality, method=method)


def dump_frames(name, raw):
    """Pillow's decoding of `name`, every frame as raw bytes in its mode."""
    with Image.open(name) as im, open(raw, "wb") as out:
        for frame in ImageSequence.Iterator(im):
            out.write(frame.tobytes())
            print(name, frame.mode, frame.size, frame.info.get("duration"))


save_animated("anim_lossless.webp", [pattern(5, 4, f, 3) for f in range(3)],
              True, 80, 4)
save_animated("anim_lossy.webp", [pattern(8, 8, f, 3) for f in range(3)],
              False, 80, 4)
dump_frames("anim_lossy.webp", "anim_lossy.rgb")
save_animated("still_rgba.webp", [pattern(3, 2, 0, 4)], True, 80, 4)
dump_frames("still_rgba.webp", "still_rgba.rgba")
