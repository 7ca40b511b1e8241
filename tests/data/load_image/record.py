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
import io
import json

import numpy as np
from PIL import Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError


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


def pillow(fn, arg):
    """ComfyUI's node_helpers.pillow: once more with LOAD_TRUNCATED_IMAGES."""
    try:
        return fn(arg)
    except (OSError, UnidentifiedImageError, ValueError):
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            return fn(arg)
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = False


def comfy_load_image(path):
    """ComfyUI v0.8.0 nodes.py LoadImage, without torch."""
    img = pillow(Image.open, path)
    images, alphas, masked = [], [], False
    w = h = None
    for i in ImageSequence.Iterator(img):
        if img.format == "TIFF":
            # Loading a TIFF applies its Orientation tag. Debian's Pillow 9.4
            # leaves the tag, so exif_transpose would turn the page twice;
            # Pillow 10.1 and later, which ComfyUI runs on, drop it once
            # applied (python-pillow/Pillow#7383).
            pillow(lambda page: page.load(), i)
        else:
            i = pillow(ImageOps.exif_transpose, i)
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

# GIF: Pillow's writer crops later frames to what changed, picks transparency
# for clear pixels and local colour tables where frames need their own; the
# reader's first frame is "P" (or "L" for a grey ramp), later ones RGB(A).
base = pattern(7, 18, 0)
frames = [base.copy() for _ in range(5)]
frames[1].paste((0, 0, 0, 0), (0, 0, 7, 5))
frames[2].paste(pattern(3, 8, 2), (2, 1))
frames[3].paste((250, 20, 30, 255), (1, 3, 3, 16))
frames[4].paste(pattern(4, 4, 3), (3, 12))
frames[0].save("anim.gif", save_all=True, append_images=frames[1:], duration=50,
               disposal=[0, 1, 2, 3, 2], loop=0)
rgb = [f.convert("RGB") for f in frames]
rgb[0].save("anim_rgb.gif", save_all=True, append_images=rgb[1:], duration=50,
            disposal=[2, 3, 1, 2, 0])
grey = [f.convert("L") for f in frames]
grey[0].save("anim_grey.gif", save_all=True, append_images=grey[1:], duration=50,
             disposal=[3, 2, 0, 1, 2], transparency=0)
grey[2].save("still_grey.gif", optimize=False, transparency=40)
pattern(16, 17, 4).save("interlaced.gif")  # Pillow interlaces from 16 pixels
# The last frame moved to overflow the canvas on the right: Pillow grows its
# size, but paints onto the canvas it has.
gif = bytearray(open("anim_rgb.gif", "rb").read())
at = gif.rfind(bytes([0x2C, 1, 0, 3, 0]))  # image descriptor at (1, 3)
gif[at + 1] = 3
open("overflow.gif", "wb").write(gif)


def grey_gif_frame(img, left, top, control=True, **options):
    """One frame of a grey-ramp GIF, cut out of a still that Pillow writes."""
    out = io.BytesIO()
    img.save(out, "GIF", optimize=False, **options)
    data = out.getvalue()
    start = 13 + 768  # the screen descriptor and the 256 grey ramp entries
    frame = bytearray(data[start:-1])
    block = b""
    if frame[:2] == b"\x21\xf9":  # the graphic control block
        block, frame = bytes(frame[:8]), frame[8:]
    frame[1:5] = bytes([left, 0, top, 0])  # the image descriptor's place
    return data[:start], (block if control else b"") + bytes(frame)


# Grey-ramp frames, which Pillow keeps in "L" mode throughout: restore to
# previous on the first frame, background disposal to the first frame's
# transparent index, a frame with no control block that repeats the last
# disposal, transparent pixels left out.
head, f0 = grey_gif_frame(pattern(7, 9, 1, "L"), 0, 0, transparency=30, disposal=3)
_, f1 = grey_gif_frame(pattern(3, 4, 2, "L"), 2, 3, transparency=50, disposal=2)
_, f2 = grey_gif_frame(pattern(4, 4, 3, "L"), 1, 1, control=False)
_, f3 = grey_gif_frame(pattern(7, 9, 4, "L"), 0, 0, transparency=100, disposal=1)
open("spliced_grey.gif", "wb").write(head + f0 + f1 + f2 + f3 + b";")
written += ["anim.gif", "anim_rgb.gif", "anim_grey.gif", "still_grey.gif",
            "interlaced.gif", "overflow.gif", "spliced_grey.gif"]

# BMP, TGA and binary PGM/PPM, the variants that drover reads with stb_image.
# Pillow reads its own 32-bit BMP (no bit fields) as RGB, without a mask.
still = pattern(7, 5, 1)
still.convert("RGB").save("rgb24.bmp")
still.save("rgba32.bmp")
still.convert("RGB").quantize(20).save("palette8.bmp")
still.save("rle_rgba.tga", compression="tga_rle")
still.convert("RGB").save("rgb.tga")
still.convert("RGB").quantize(20).save("palette_rle.tga", compression="tga_rle")
still.convert("L").save("grey_rle.tga", compression="tga_rle")
still.save("top_left.tga", orientation=1)
still.convert("RGB").save("binary.ppm")
still.convert("L").save("binary.pgm")
written += ["rgb24.bmp", "rgba32.bmp", "palette8.bmp", "rle_rgba.tga", "rgb.tga",
            "palette_rle.tga", "grey_rle.tga", "top_left.tga", "binary.ppm",
            "binary.pgm"]

# TIFF: strips in several compressions, grey, grey with alpha, palette,
# bilevel, pages (one of another size, which ComfyUI leaves out), and an
# Orientation tag that exif_transpose applies.
still.convert("RGB").save("rgb.tif")
still.convert("RGB").save("rgb_lzw.tif", compression="tiff_lzw")
still.save("rgba_deflate.tif", compression="tiff_adobe_deflate")
still.convert("L").save("grey_packbits.tif", compression="packbits")
still.convert("LA").save("grey_alpha.tif")
still.convert("RGB").quantize(20).save("palette.tif")
still.convert("1").save("bilevel.tif", compression="group4")
pattern(7, 5, 2).save("pages.tif", save_all=True,
                      append_images=[pattern(5, 7, 3), pattern(7, 5, 4)])
still.save("orient6.tif", tiffinfo={0x0112: 6})
written += ["rgb.tif", "rgb_lzw.tif", "rgba_deflate.tif", "grey_packbits.tif",
            "grey_alpha.tif", "palette.tif", "bilevel.tif", "pages.tif", "orient6.tif"]

# ---- TIFF sample layouts that Pillow writes, or that tiff_file() below
# writes tag by tag where Pillow's writer cannot: 16-bit and float grey,
# 16-bit RGB(A), associated alpha, CMYK, YCbCr, separate planes, tiles,
# big-endian files. Some Pillow itself refuses; record.py checks it does.


def tiff_file(name, samples, photometric, extra=(), planar=1, sample_format=1,
              compress=False, big=False, rows=None, tile=None, tags=()):
    """Writes `samples` (a numpy array height x width x bands) as a TIFF of
    one page, in strips of `rows` rows or in `tile` (width, height) tiles,
    zlib-compressed when `compress`."""
    import struct
    import zlib
    h, w, bands = samples.shape
    order = ">" if big else "<"
    data = samples.astype(samples.dtype.newbyteorder(order))
    planes = [data[..., b:b + 1] for b in range(bands)] if planar == 2 else [data]
    blocks = []
    tw, th = tile if tile else (w, rows or h)
    for plane in planes:
        for y in range(0, h, th):
            for x in range(0, w, tw):
                block = plane[y:y + th, x:x + tw]
                if tile:  # tiles are whole, padded past the page's edge
                    padded = np.zeros((th, tw, block.shape[2]), block.dtype)
                    padded[:block.shape[0], :block.shape[1]] = block
                    block = padded
                raw = block.tobytes()
                blocks.append(zlib.compress(raw) if compress else raw)
    entries = {256: (3, [w]), 257: (3, [h]), 258: (3, [data.itemsize * 8] * bands),
               259: (3, [8 if compress else 1]), 262: (3, [photometric]),
               277: (3, [bands]), 284: (3, [planar])}
    if extra:
        entries[338] = (3, list(extra))
    if sample_format != 1:
        entries[339] = (3, [sample_format] * bands)
    offsets, counts = (324, 325) if tile else (273, 279)
    if tile:
        entries[322], entries[323] = (3, [tw]), (3, [th])
    else:
        entries[278] = (3, [th])
    entries.update(dict(tags))
    entries[offsets] = (4, [0] * len(blocks))
    entries[counts] = (4, [len(b) for b in blocks])
    # Header, directory, then each array that does not fit in four bytes,
    # then the blocks.
    after = 8 + 2 + 12 * len(entries) + 4
    arrays, heap = {}, b""
    for tag, (kind, values) in sorted(entries.items()):
        size = (2 if kind == 3 else 4) * len(values)
        if size > 4:
            arrays[tag] = after + len(heap)
            heap += b"\0" * size
    at = after + len(heap)
    entries[offsets] = (4, [at + sum(map(len, blocks[:i])) for i in range(len(blocks))])
    directory, heap = b"", bytearray(heap)
    for tag, (kind, values) in sorted(entries.items()):
        packed = struct.pack(order + ("H" if kind == 3 else "I") * len(values), *values)
        if tag in arrays:
            heap[arrays[tag] - after:arrays[tag] - after + len(packed)] = packed
            packed = struct.pack(order + "I", arrays[tag])
        directory += struct.pack(order + "HHI", tag, kind, len(values)) + packed.ljust(4, b"\0")
    head = (b"MM\0*" if big else b"II*\0") + struct.pack(order + "I", 8)
    with open(name, "wb") as f:
        f.write(head + struct.pack(order + "H", len(entries)) + directory +
                struct.pack(order + "I", 0) + bytes(heap) + b"".join(blocks))


def samples16(w, h, bands, seed):
    """16-bit samples over the whole range, some under 256."""
    i = np.arange(w * h * bands).reshape(h, w, bands) + seed * 7
    return np.where(i % 3 == 0, i * 37 % 300, i * 4111 % 65536).astype(np.uint16)


def int_samples(kind, seed):
    """7x5 grey samples over the range of `kind`, around 0 and 255 * 255."""
    info = np.iinfo(kind)
    picks = np.array([0, 1, 254, 255, 256, 510, 65024, 65025, 65279, 65280, 300000,
                      -1, -254, -255, -256, -70000], np.int64)
    i = (np.arange(35) * 7 + seed) % (len(picks) + 4)
    values = np.where(i < len(picks), picks[np.minimum(i, len(picks) - 1)],
                      (np.arange(35) * 2654435761 + seed) % (info.max - info.min + 1) + info.min)
    return np.clip(values, info.min, info.max).astype(kind).reshape(5, 7, 1)


def premultiplied(w, h, seed):
    """RGBa samples: colour scaled by alpha, alpha 0 and 255 included, and
    a colour over its alpha, which Pillow clips."""
    a = np.array(pattern(w, h, seed)).astype(np.int64)
    a[..., :3] = a[..., :3] * a[..., 3:] // 255
    a[0, 0, 3], a[0, 1, 3] = 255, 0
    a[1, 0] = (200, 90, 10, 100)
    return a.astype(np.uint8)


tiffs = {
    # Pillow's own writer: "I;16" grey, float grey, CMYK, YCbCr in JPEG.
    "grey16.tif": lambda n: Image.fromarray(samples16(9, 5, 1, 1)[..., 0], "I;16")
    .save(n, compression="tiff_lzw"),
    "float.tif": lambda n: Image.fromarray(
        (np.arange(45).reshape(5, 9) * 7.3 - 40).astype(np.float32), "F").save(n),
    "cmyk.tif": lambda n: Image.fromarray(np.array(pattern(9, 5, 3)), "CMYK")
    .save(n, compression="tiff_lzw"),
    "ycbcr_jpeg.tif": lambda n: pattern(9, 5, 4, "RGB").convert("YCbCr")
    .save(n, compression="jpeg"),
    # Written tag by tag.
    "grey16_be.tif": lambda n: tiff_file(n, samples16(7, 5, 1, 2), 1, big=True,
                                         compress=True, rows=2),
    "grey16_white.tif": lambda n: tiff_file(n, samples16(7, 5, 1, 3), 0),
    "float_be_tiled.tif": lambda n: tiff_file(
        n, np.array([[-1, 0.5, 1.9, 254.9, 255, 1e9, np.nan, 77.7]] * 3, np.float32)
        [..., None], 1, sample_format=3, big=True, compress=True, tile=(16, 16)),
    # Pillow reverses the bytes of big-endian floats that libtiff decompressed.
    "float_be.tif": lambda n: tiff_file(
        n, np.array([[-1, 0.5, 1.9, 254.9, 255, 1e9, np.nan, 77.7]] * 3, np.float32)
        [..., None], 1, sample_format=3, big=True, rows=2),
    # Mode "I", which ComfyUI scales by 1/255: signed 16 and 32 bits, and
    # unsigned 32 bits read as signed; big-endian 32 bits deflated, whose
    # bytes Pillow reverses.
    "int16.tif": lambda n: tiff_file(n, int_samples(np.int16, 2), 1, sample_format=2),
    "int16_be.tif": lambda n: tiff_file(n, int_samples(np.int16, 3), 1,
                                        sample_format=2, big=True, compress=True),
    "int32.tif": lambda n: Image.fromarray(int_samples(np.int32, 4)[..., 0], "I").save(n),
    "int32_be.tif": lambda n: tiff_file(n, int_samples(np.int32, 5), 1,
                                        sample_format=2, big=True, compress=True),
    "uint32.tif": lambda n: tiff_file(n, int_samples(np.uint32, 6), 1, rows=2),
    "rgb16.tif": lambda n: tiff_file(n, samples16(7, 5, 3, 4), 2, rows=2),
    "rgba16_be.tif": lambda n: tiff_file(n, samples16(7, 5, 4, 5), 2, extra=[2],
                                         big=True, compress=True),
    "rgba16_assoc.tif": lambda n: tiff_file(
        n, premultiplied(7, 5, 6).astype(np.uint16) * 257, 2, extra=[1], compress=True),
    "rgba_assoc.tif": lambda n: tiff_file(n, premultiplied(7, 5, 7), 2, extra=[1]),
    "rgbx.tif": lambda n: tiff_file(n, np.array(pattern(7, 5, 8)), 2, extra=[0]),
    "cmyk16.tif": lambda n: tiff_file(n, samples16(7, 5, 4, 9), 5, compress=True),
    "cmyk_extra.tif": lambda n: tiff_file(n, np.dstack([np.array(pattern(7, 5, 1)),
                                                        np.array(pattern(7, 5, 2))[..., :1]]),
                                          5, extra=[0], rows=3),
    # Uncompressed YCbCr, which Pillow unpacks as RGBX from each strip's
    # start until the data runs out, and ComfyUI's retry keeps.
    "ycbcr_raw.tif": lambda n: tiff_file(
        n, np.array(pattern(7, 5, 5, "RGB").convert("YCbCr")), 6, rows=2,
        tags={530: (3, [1, 1])}),
    "ycbcr_deflate.tif": lambda n: tiff_file(
        n, np.array(pattern(7, 5, 5, "RGB").convert("YCbCr")), 6, compress=True,
        tags={530: (3, [1, 1])}),
    "rgba_planar.tif": lambda n: tiff_file(n, np.array(pattern(7, 5, 6)), 2,
                                           extra=[2], planar=2, rows=2),
    "cmyk_planar.tif": lambda n: tiff_file(n, np.array(pattern(7, 5, 7)), 5, planar=2),
    "rgb16_planar.tif": lambda n: tiff_file(n, samples16(7, 5, 3, 8), 2, planar=2,
                                            compress=True, rows=3),
    # Pillow's libtiff reader leaves this alpha at 0.
    "grey_alpha_planar.tif": lambda n: tiff_file(
        n, np.array(pattern(7, 5, 9, "LA")), 1, extra=[2], planar=2, compress=True),
    "rgba_assoc_planar.tif": lambda n: tiff_file(n, premultiplied(19, 17, 1), 2,
                                                 extra=[1], planar=2, compress=True,
                                                 tile=(16, 16)),
    "rgba16_tiled.tif": lambda n: tiff_file(n, samples16(19, 5, 4, 2), 2, extra=[2],
                                            compress=True, tile=(16, 16)),
}
# Strips that the file ends in, which ComfyUI's retry with
# LOAD_TRUNCATED_IMAGES reads: of uncompressed ones the whole rows, then
# zero samples (white in CMYK).
tiffs.update({
    "cut_rgb.tif": lambda n: tiff_file(n, np.array(pattern(7, 9, 3, "RGB")), 2, rows=2),
    "cut_grey16_be.tif": lambda n: tiff_file(n, samples16(7, 9, 1, 4), 1, big=True,
                                             rows=3),
    "cut_cmyk.tif": lambda n: tiff_file(n, np.array(pattern(7, 9, 5)), 5, rows=4),
    # Compressed strips: Pillow's libtiff decoder stops at the first it cannot
    # read, the rest stays zero samples.
    "cut_rgb_deflate.tif": lambda n: tiff_file(n, np.array(pattern(7, 9, 6, "RGB")), 2,
                                               rows=2, compress=True),
    "cut_cmyk_deflate.tif": lambda n: tiff_file(n, np.array(pattern(7, 9, 7)), 5,
                                                rows=3, compress=True),
})
for name, write in tiffs.items():
    write(name)
    if name.startswith("cut_"):
        with Image.open(name) as page:  # the strips come last: cut in their middle
            strips = page.tag_v2[273][0], sum(page.tag_v2[279])
        with open(name, "rb") as f:
            data = f.read()
        with open(name, "wb") as f:
            f.write(data[:strips[0] + strips[1] // 2 + 3])
written += list(tiffs)

# Layouts that Pillow 9.4 fails to read, which drover refuses too:
# uncompressed separate planes that have no one-band raw mode, a big-endian
# white-is-zero 16-bit page, big-endian unsigned 32-bit grey and signed
# 8-bit RGB (no mode for any of them).
refused = {
    "refused_grey_alpha_planar.tif": lambda n: tiff_file(
        n, np.array(pattern(7, 5, 9, "LA")), 1, extra=[2], planar=2),
    "refused_grey16_be_white.tif": lambda n: tiff_file(n, samples16(7, 5, 1, 3), 0,
                                                       big=True),
    "refused_uint32_be.tif": lambda n: tiff_file(n, int_samples(np.uint32, 6), 1,
                                                 big=True),
    "refused_signed_rgb.tif": lambda n: tiff_file(n, np.array(pattern(7, 5, 2, "RGB")),
                                                  2, sample_format=2),
}
for name, write in refused.items():
    write(name)
    try:
        comfy_load_image(name)
    except (OSError, SyntaxError, ValueError):
        continue
    raise AssertionError(name + " was expected to fail in Pillow")
# Uncompressed 16-bit separate planes, which Pillow unpacks with 8-bit raw
# modes into garbled pixels: drover refuses them.
tiff_file("garbled_rgb16_planar.tif", samples16(7, 5, 3, 8), 2, planar=2)
# ---- end of the TIFF sample layouts


# ---- PNG orientation that Pillow's getexif finds outside an eXIf chunk:
# XMP (attribute and element forms, in iTXt, tEXt and zTXt), a "Raw profile
# type exif" text (plain and compressed), an eXIf whose Orientation wins over
# XMP, and one without the entry, which leaves XMP to decide.
from PIL import PngImagePlugin  # noqa: E402


def png_with_text(name, seed, texts, exif=None):
    """A still RGBA PNG with `texts`: (kind, key, value) in file order."""
    info = PngImagePlugin.PngInfo()
    for kind, key, value in texts:
        if kind == "itxt":
            info.add_itxt(key, value)
        elif kind == "itxt_zip":
            info.add_itxt(key, value, zip=True)
        else:
            info.add_text(key, value, zip=kind == "ztxt")
    options = {"exif": exif} if exif is not None else {}
    pattern(5, 3, seed).save(name, pnginfo=info, **options)


def raw_profile(orientation, prefix=b"Exif\0\0"):
    """ImageMagick's form: a blank line, the name, the length, hex lines."""
    data = prefix + with_orientation(orientation)[6:]
    hexed = data.hex()
    lines = [hexed[i:i + 72] for i in range(0, len(hexed), 72)]
    return "\nexif\n%8d\n" % len(data) + "\n".join(lines) + "\n"


def xmp(value, element=False):
    tag = ("<tiff:Orientation>%s</tiff:Orientation>" % value if element
           else 'tiff:Orientation="%s"' % value)
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description '
            'tiff:Orientation_note="x" %s/></x:xmpmeta>' % tag)


make_exif = Image.Exif()
make_exif[0x010F] = "drover"
png_orientation_cases = {
    "xmp_attr6.png": [("itxt", "XML:com.adobe.xmp", xmp(6))],
    "xmp_element8.png": [("text", "XML:com.adobe.xmp", xmp(8, element=True))],
    "xmp_ztxt5.png": [("ztxt", "XML:com.adobe.xmp", xmp(5))],
    "xmp_itxt_zip7.png": [("itxt_zip", "XML:com.adobe.xmp", xmp(7, element=True))],
    "xmp_last_wins.png": [("text", "XML:com.adobe.xmp", xmp(2)),
                          ("itxt", "XML:com.adobe.xmp", xmp(4))],
    "raw_profile5.png": [("text", "Raw profile type exif", raw_profile(5))],
    "raw_profile_zip3.png": [("ztxt", "Raw profile type exif", raw_profile(3, b""))],
    "raw_profile_over_xmp.png": [("text", "Raw profile type exif", raw_profile(1)),
                                 ("text", "XML:com.adobe.xmp", xmp(6))],
}
for i, (name, texts) in enumerate(png_orientation_cases.items()):
    png_with_text(name, i, texts)
png_with_text("exif_over_xmp.png", 1, [("text", "XML:com.adobe.xmp", xmp(6))],
              exif=with_orientation(1))
png_with_text("exif_without_orientation.png", 2,
              [("itxt", "XML:com.adobe.xmp", xmp(3))], exif=make_exif.tobytes())
written += list(png_orientation_cases) + ["exif_over_xmp.png",
                                          "exif_without_orientation.png"]
# Hexadecimal that is not: Pillow's getexif raises, and ComfyUI's retry
# finds the EXIF that the first try left empty, so XMP is not read either.
png_with_text("raw_profile_bad_hex.png", 3,
              [("text", "Raw profile type exif", "\nexif\n 4\n4d4d0x2a\n"),
               ("text", "XML:com.adobe.xmp", xmp(6))])
written.append("raw_profile_bad_hex.png")
# ---- end of the PNG orientation texts


# ---- PNG and JPEG files cut short, which ComfyUI reads again with
# LOAD_TRUNCATED_IMAGES: for a PNG the rows the image data at hand holds,
# the rest as zero samples (palette entry 0 for a palette picture).


def cut_png(name, img, where, **options):
    """Saves `img` and cuts the file `where` (0..1) into its first IDAT's data,
    or past the data with where=None, which drops the IEND chunk."""
    out = io.BytesIO()
    img.save(out, "PNG", **options)
    data = out.getvalue()
    idat = data.index(b"IDAT") + 4
    length = int.from_bytes(data[idat - 8:idat - 4], "big")
    end = len(data) - 12 if where is None else idat + int(length * where)
    with open(name, "wb") as f:
        f.write(data[:end])


noise = np.random.RandomState(5).randint(0, 256, (23, 11, 4)).astype(np.uint8)
cut_palette = Image.fromarray(noise[..., :3], "RGB").quantize(30)
cut_png("cut_rgba.png", Image.fromarray(noise, "RGBA"), 0.6)
cut_png("cut_palette.png", cut_palette, 0.5, transparency=0)
cut_png("cut_rgb_exif6.png", Image.fromarray(noise[..., :3], "RGB"), 0.7,
        exif=with_orientation(6))
cut_png("cut_at_idat.png", Image.fromarray(noise[..., :3], "RGB"), 0.0)
cut_png("cut_no_iend.png", Image.fromarray(noise, "RGBA"), None)
written += ["cut_rgba.png", "cut_palette.png", "cut_rgb_exif6.png", "cut_at_idat.png",
            "cut_no_iend.png"]
# JPEGs cut in their scan data: Pillow then feeds libjpeg an end-of-image
# marker, as libjpeg's memory source does at the end of its bytes.
for name, options in (("cut_baseline.jpg", {"exif": with_orientation(8)}),
                      ("cut_progressive.jpg", {"progressive": True}),
                      ("cut_grey.jpg", {})):
    out = io.BytesIO()
    picture = Image.fromarray(noise[..., :3], "RGB")
    picture = picture.convert("L") if "grey" in name else picture
    picture.save(out, "JPEG", quality=90, **options)
    data = out.getvalue()
    scan = data.index(b"\xff\xda")
    with open(name, "wb") as f:
        f.write(data[:scan + (len(data) - scan) * 3 // 5])
    written.append(name)
# ---- end of the cut PNG and JPEG files

# ---- Palette APNGs, which Pillow composites as indexes: background
# disposal to index 0, blending over as a plain copy (the palette reads
# opaque to the paste). Pillow's writer cannot write background disposal
# for them, so set_apng_ops() rewrites each fcTL's disposal and blend.


def set_apng_ops(path, ops):
    """Rewrites the (dispose, blend) ops of each fcTL of `path`, in order."""
    import struct
    import zlib
    data = bytearray(open(path, "rb").read())
    at, k = 8, 0
    while at < len(data):
        length = struct.unpack(">I", data[at:at + 4])[0]
        if data[at + 4:at + 8] == b"fcTL":
            body = at + 8
            data[body + 24], data[body + 25] = ops[k]
            crc = zlib.crc32(bytes(data[at + 4:body + length]))
            data[body + length:body + length + 4] = struct.pack(">I", crc)
            k += 1
        at += 12 + length
    open(path, "wb").write(bytes(data))


indexes = (np.arange(6 * 9).reshape(6, 9) * 7 % 20).astype(np.uint8)
palette_frames = [Image.fromarray(indexes, "P") for _ in range(5)]
for frame in palette_frames:
    frame.putpalette([(i * k + 40 * (k == 31)) % 256 for i in range(256)
                      for k in (53, 97, 31)])
palette_frames[1].paste(3, (0, 0, 9, 2))
palette_frames[2].paste(5, (2, 1, 6, 4))
palette_frames[3].paste(9, (1, 1, 4, 6))
palette_frames[4].paste(12, (0, 3, 9, 6))
for name, transparency, ops in (
        ("anim_palette.png", 5, [(1, 0), (1, 1), (2, 1), (0, 1), (1, 1)]),
        ("anim_palette_opaque.png", None, [(2, 1), (1, 1), (1, 0), (2, 1), (0, 1)])):
    options = {} if transparency is None else {"transparency": transparency}
    palette_frames[0].save(name, save_all=True, append_images=palette_frames[1:],
                           duration=50, disposal=0, blend=0, **options)
    set_apng_ops(name, ops)
    written.append(name)
# ---- end of the palette APNGs

manifest = {}
for name in written:
    pixels, shape = comfy_load_image(name)
    with open(name + ".rgba", "wb") as f:
        f.write(pixels.astype(np.uint8).tobytes())
    manifest[name] = shape
with open("manifest.json", "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
    f.write("\n")
