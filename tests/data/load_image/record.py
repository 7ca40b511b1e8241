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

# BMP, TGA and binary PGM/PPM, as Pillow writes them.
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
# modes into garbled pixels; drover gives the same (recorded further down).
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

# ---- Netpbm, BMP, TGA and GIF variants (issue #3) ----------------------------
# Pillow writes only binary Netpbm of maxval 255 or 65535, so the plain and
# odd-maxval files are written here by hand, with comments where Pillow
# allows them (one inside a header token joins its two halves).
def netpbm(name, magic, w, h, maxval, samples, plain):
    head = f"{magic}\n# drover\n{w} {h}\n" + ("" if maxval is None else f"{maxval}\n")
    if plain:
        lines, line = [], []
        for k, v in enumerate(samples):
            line.append(str(v))
            if len(line) == 9:
                lines.append(" ".join(line) + (" # row\n" if k % 2 else "\n"))
                line = []
        body = "".join(lines) + " ".join(line) + "\n"
        open(name, "wb").write(head.encode() + body.encode())
    else:
        width = 2 if maxval > 255 else 1
        body = b"".join(v.to_bytes(width, "big") for v in samples)
        open(name, "wb").write(head.encode() + body)


def ramp(n, top, step):
    return [(k * step) % (top + 1) for k in range(n)]


netpbm("plain_bits.pbm", "P1", 9, 5, None, ramp(45, 1, 1)[:44] + [1], True)
netpbm("plain_grey.pgm", "P2", 11, 10, 100, ramp(110, 100, 7), True)
netpbm("plain_grey16.pgm", "P2", 9, 7, 4000, ramp(63, 4000, 619), True)
netpbm("plain_rgb.ppm", "P3", 7, 6, 1000, ramp(126, 1000, 131), True)
netpbm("grey100.pgm", "P5", 16, 7, 100, ramp(112, 120, 1), False)  # some > maxval
netpbm("grey1000.pgm", "P5", 13, 11, 1000, ramp(143, 1100, 77), False)
netpbm("grey65535.pgm", "P5", 16, 16, 65535, ramp(256, 65535, 257 * 13 + 1), False)
netpbm("rgb7.ppm", "P6", 5, 4, 7, ramp(60, 9, 1), False)
netpbm("rgb65535.ppm", "P6", 9, 5, 65535, ramp(135, 65535, 4099), False)
pattern(13, 6, 3).convert("1").save("binary_bits.pbm")
with open("header_comment.pgm", "wb") as f:  # "1#..\n1" is the width 11
    f.write(b"P2 1# split\n1 3\n# maxval\n255\n" + " ".join(str(v) for v in
            ramp(33, 255, 29)).encode() + b"\n")
written += ["plain_bits.pbm", "plain_grey.pgm", "plain_grey16.pgm", "plain_rgb.ppm",
            "grey100.pgm", "grey1000.pgm", "grey65535.pgm", "rgb7.ppm",
            "rgb65535.ppm", "binary_bits.pbm", "header_comment.pgm"]
# BMP RLE8 and RLE4, which Pillow cannot write: runs cut at the row's end,
# end-of-line and delta escapes, absolute runs with their pad byte, indexes
# past the palette, an RLE4 absolute run of odd length (Pillow reads one
# byte less than it holds), a top-down picture, a grey palette, a V5 header.
# Pillow 9.4 reads a delta escape's offsets from the two bytes after them.
def rle_bmp(name, w, h, bits, compression, palette, runs, header=40):
    import struct
    pal = b"".join(bytes([b, g, r, 0]) for r, g, b in palette)
    offset = 14 + header + len(pal)
    data = bytearray()
    for run in runs:
        data += bytes(run)
        if run[0] == 0 and run[1] > 2 and (offset + len(data)) % 2:
            data += b"\0"  # an absolute run ends on an even offset
    info = struct.pack("<IiiHHIIiiII", header, w, h, 1, bits, compression, len(data),
                       2835, 2835, len(palette), 0) + bytes(header - 40)
    with open(name, "wb") as f:
        f.write(b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + info +
                pal + data)


colours = [tuple((k * 53 + c * 97) % 256 for c in range(3)) for k in range(23)]
rle8 = [(5, 3), (4, 7), (6, 22), (0, 0),  # the last run is cut at the row's end
        (0, 5, 1, 2, 3, 4, 5), (3, 24), (0, 0),  # index 24 is past the palette
        (0, 2, 4, 1), (0, 3, 9, 10, 11), (2, 12), (0, 0),
        (13, 15), (0, 0), (255, 1), (0, 0), (0, 4, 16, 17, 18, 19), (9, 20), (0, 1)]
rle_bmp("rle8.bmp", 13, 7, 8, 1, colours, rle8)
rle_bmp("rle8_top_down.bmp", 13, -7, 8, 1, colours, rle8)
rle_bmp("rle8_grey.bmp", 13, 7, 8, 1, [(k, k, k) for k in range(256)], rle8, 124)
rle4 = [(7, 0x12), (6, 0x34), (0, 0), (0, 6, 0x56, 0x78, 0x9A), (5, 0xBC),
        (0, 5, 0xDE, 0xF0, 0, 0),  # Pillow reads 4 indexes, then 0 0: end of line
        (0, 2, 0, 0, 3, 1),  # Pillow skips a delta's two bytes and reads two more
        (8, 0x55), (0, 0), (11, 0x0F), (0, 1)]
rle_bmp("rle4.bmp", 11, 6, 4, 2, colours[:16], rle4)
written += ["rle8.bmp", "rle8_top_down.bmp", "rle8_grey.bmp", "rle4.bmp"]


# Uncompressed BMPs where other readers part from Pillow, or that Pillow
# writes no other way: 1 and 4-bit palettes, indexes past a short palette,
# an OS/2 header, a black and white palette on 8-bit pixels (which Pillow
# reads one bit a pixel), 15 and 16-bit pixels, a top-down picture.
def raw_bmp(name, w, h, bits, rows, palette=(), compression=0, masks=b"", os2=False):
    import struct
    stride = (w * bits + 31) // 32 * 4
    data = b"".join(bytes(r) + bytes(stride - len(r)) for r in rows)
    if os2:
        info = struct.pack("<IHHHH", 12, w, h, 1, bits)
        pal = b"".join(bytes([b, g, r]) for r, g, b in palette)
    else:
        info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, bits, compression, len(data),
                           2835, 2835, len(palette), 0)
        pal = b"".join(bytes([b, g, r, 0]) for r, g, b in palette)
    offset = 14 + len(info) + len(masks) + len(pal)
    with open(name, "wb") as f:
        f.write(b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + info +
                masks + pal + data)


raw_bmp("bits1.bmp", 19, 3, 1, [ramp(3, 255, 77 + y) for y in range(3)],
        [(200, 10, 10), (10, 10, 200)])
raw_bmp("bits4_short.bmp", 9, 4, 4, [ramp(5, 255, 29 + y) for y in range(4)],
        colours[:5])
raw_bmp("os2_palette.bmp", 6, 3, 8, [ramp(6, 30, 7 + y) for y in range(3)], colours,
        os2=True)
raw_bmp("black_white8.bmp", 11, 3, 8, [ramp(11, 255, 91 + y) for y in range(3)],
        [(0, 0, 0), (255, 255, 255)])
raw_bmp("rgb555.bmp", 5, 3, 16, [ramp(10, 255, 23 + y) for y in range(3)])
raw_bmp("bits565.bmp", 5, 3, 16, [ramp(10, 255, 41 + y) for y in range(3)],
        compression=3, masks=bytes.fromhex("00f80000e00700001f000000"))
raw_bmp("top_down24.bmp", 3, -4, 24, [ramp(9, 255, 17 + y) for y in range(4)])
written += ["bits1.bmp", "bits4_short.bmp", "os2_palette.bmp", "black_white8.bmp",
            "rgb555.bmp", "bits565.bmp", "top_down24.bmp"]


# 32-bit bit fields in a V4 header: the alpha layouts that Pillow reads as
# RGBA, all-zero masks among them, and one without alpha.
def fields_bmp(name, w, h, masks):
    import struct
    data = bytes(ramp(w * h * 4, 255, 53))
    info = struct.pack("<IiiHHIIiiII", 108, w, h, 1, 32, 3, len(data), 2835, 2835, 0, 0)
    info += struct.pack("<IIII", *masks) + bytes(108 - 56)
    offset = 14 + len(info)
    with open(name, "wb") as f:
        f.write(b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + info +
                data)


fields_bmp("fields_bgra.bmp", 5, 3, (0xFF0000, 0xFF00, 0xFF, 0xFF000000))
fields_bmp("fields_abgr.bmp", 4, 3, (0xFF000000, 0xFF0000, 0xFF00, 0xFF))
fields_bmp("fields_rgba.bmp", 3, 4, (0xFF, 0xFF00, 0xFF0000, 0xFF000000))
fields_bmp("fields_zero.bmp", 3, 2, (0, 0, 0, 0))
fields_bmp("fields_xbgr.bmp", 2, 3, (0xFF000000, 0xFF0000, 0xFF00, 0))
written += ["fields_bgra.bmp", "fields_abgr.bmp", "fields_rgba.bmp", "fields_zero.bmp",
            "fields_xbgr.bmp"]
# 16-bit TGA, which Pillow writes only as grey and alpha: true-colour ones
# by hand, with attribute bits set, raw packets that run on into the next
# rows and repeat packets, bottom-up, top-down and right to left.
def tga(name, w, h, image_type, depth, descriptor, data, image_id=b""):
    head = bytes([len(image_id), 0, image_type]) + bytes(9) + w.to_bytes(2, "little")
    head += h.to_bytes(2, "little") + bytes([depth, descriptor])
    open(name, "wb").write(head + image_id + bytes(data))


def rgb555(k):
    return ((k * 2731 + 977) % 65536).to_bytes(2, "little")  # every bit in use


tga("rgb16.tga", 9, 5, 2, 16, 0x00, b"".join(rgb555(k) for k in range(45)), b"id!")
packets = bytearray()
for k, (count, repeat) in enumerate([(13, 0), (3, 1), (15, 0), (2, 1), (11, 0), (1, 0)]):
    if repeat:  # within a row, as Pillow requires
        packets += bytes([0x80 | count - 1]) + rgb555(k + 99)
    else:  # raw packets run on into the next row, the last past the picture
        packets += bytes([count - 1]) + b"".join(rgb555(k * 20 + j) for j in range(count))
tga("rgb16_rle.tga", 11, 4, 10, 16, 0x30, packets)
tga("rgb16_flipped.tga", 6, 3, 2, 16, 0x10, b"".join(rgb555(k * 3) for k in range(18)))
still.convert("LA").save("grey_alpha16.tga")
still.convert("LA").save("grey_alpha16_rle.tga", compression="tga_rle", orientation=1)
# A colour map beside grey and alpha pixels, which Pillow applies to them as
# palette indexes: grey 0 and 1 take the map's two entries.
grey_map = bytearray(open("grey_alpha16.tga", "rb").read())
grey_map[1], grey_map[5], grey_map[7] = 1, 2, 24
grey_map[18:22] = bytes([0, 200, 1, 90])
open("grey_alpha16_map.tga", "wb").write(grey_map[:18] + bytes([10, 20, 30, 40, 50, 60]) +
                                         grey_map[18:])
written += ["rgb16.tga", "rgb16_rle.tga", "rgb16_flipped.tga", "grey_alpha16.tga",
            "grey_alpha16_rle.tga", "grey_alpha16_map.tga"]


# Other TGA variants where Pillow's reading is its own: right-to-left rows,
# 1-bit grey, a palette of 16-bit entries after a first index, indexes past
# the map, a palette picture without a map, a grey picture with a map, and
# 32-bit raw packets that run on into the next rows.
def tga_with_map(name, w, h, image_type, depth, descriptor, data, first, entries,
                 entry_bits):
    head = bytes([0, 1, image_type]) + first.to_bytes(2, "little")
    head += (len(entries) * 8 // entry_bits).to_bytes(2, "little") + bytes([entry_bits])
    head += bytes(4) + w.to_bytes(2, "little") + h.to_bytes(2, "little")
    open(name, "wb").write(head + bytes([depth, descriptor]) + bytes(entries) +
                           bytes(data))


tga("rgb24_right_to_left.tga", 5, 3, 2, 24, 0x10, ramp(45, 255, 37))
tga("grey_top_right.tga", 6, 4, 3, 8, 0x30, ramp(24, 255, 41))
tga("bilevel.tga", 13, 3, 3, 1, 0x20, ramp(6, 255, 109))
palette16 = b"".join(rgb555(k * 5) for k in range(12))
tga_with_map("palette16.tga", 7, 4, 1, 8, 0x00, ramp(28, 20, 3), 3, palette16, 16)
tga_with_map("grey_map.tga", 6, 3, 3, 8, 0x20, ramp(18, 7, 1), 0,
             bytes(range(40, 64)), 24)
tga("palette_no_map.tga", 5, 2, 1, 8, 0x20, ramp(10, 255, 29))
runs = bytes([0x06]) + bytes(ramp(28, 255, 11)) + bytes([0x80, 1, 2, 3, 4])
runs += bytes([0x04]) + bytes(ramp(20, 255, 13))  # one pixel past the picture
tga("rgba32_runs.tga", 4, 3, 10, 32, 0x08, runs)
written += ["rgb24_right_to_left.tga", "grey_top_right.tga", "bilevel.tga",
            "palette16.tga", "grey_map.tga", "palette_no_map.tga", "rgba32_runs.tga"]
# A grey GIF whose second frame brings its own colour table, which Pillow
# paints onto a blank canvas through the grey ramp; the frames after it turn
# RGB. Cut out of stills that Pillow writes, as grey_gif_frame does.
def local_table_frame(img, left, top, **options):
    out = io.BytesIO()
    img.save(out, "GIF", optimize=False, **options)
    data = out.getvalue()
    bits = data[10] & 7
    table = data[13:13 + (3 << bits + 1)]
    frame = bytearray(data[13 + len(table):-1])
    block = b""
    if frame[:2] == b"\x21\xf9":
        block, frame = bytes(frame[:8]), frame[8:]
    frame[1:5] = bytes([left, 0, top, 0])
    frame[9] = 0x80 | bits  # the global table moves into the frame
    return block + bytes(frame[:10]) + table + bytes(frame[10:])


head, f0 = grey_gif_frame(pattern(7, 9, 1, "L"), 0, 0, disposal=1)
f1 = local_table_frame(pattern(3, 4, 2, "RGB").quantize(6), 2, 3, transparency=2,
                       disposal=3)
_, f2 = grey_gif_frame(pattern(4, 4, 3, "L"), 1, 1, disposal=2)
f3 = local_table_frame(pattern(5, 5, 4, "RGB").quantize(9), 1, 2, transparency=1)
open("grey_local_table.gif", "wb").write(head + f0 + f1 + f2 + f3 + b";")
# At 64x64, ComfyUI can stack the grey frame's empty mask with the masks of
# the frames after, which turn RGBA through the first frame's transparency.
head, f0 = grey_gif_frame(pattern(64, 64, 1, "L"), 0, 0, transparency=0)
f1 = local_table_frame(pattern(9, 7, 2, "RGB").quantize(6), 5, 50, transparency=3,
                       disposal=2)
_, f2 = grey_gif_frame(pattern(6, 5, 3, "L"), 20, 3)
open("grey_local_table64.gif", "wb").write(head + f0 + f1 + f2 + b";")
written += ["grey_local_table.gif", "grey_local_table64.gif"]
# ---- end of the issue #3 variants ------------------------------------------

# ---- TIFF bit depths, old-style JPEG and Lab (issue #3) -----------------------
# Grey in 2 and 4 bits ("L" scaled to 0..255, white-is-zero inverted) and in
# 12 bits ("I;16", unscaled, so convert("RGB") clips it at 255): in one strip
# and in several, zlib-compressed, big-endian, tiled, and cut in a strip.


def packed_rows(values, bits):
    """Packs a height x width array of `bits`-bit samples, most significant
    bit first, each row ending on a byte, as a height x bytes x 1 array."""
    rows = []
    for row in values:
        acc, held, out = 0, 0, bytearray()
        for v in row:
            acc, held = (acc << bits) | int(v), held + bits
            while held >= 8:
                held -= 8
                out.append((acc >> held) & 255)
        if held:
            out.append((acc << (8 - held)) & 255)
        rows.append(list(out))
    return np.array(rows, np.uint8)[..., None]


def packed_grey(name, w, h, bits, photometric, seed, bands=1, **options):
    values = (np.arange(w * h * bands).reshape(h, w * bands) * 5 + seed) % (1 << bits)
    if bits == 12:
        values[0, :3] = (4095, 256, 255)
    tags = {256: (3, [w]), 258: (3, [bits] * bands)}
    tags.update(options.pop("tags", {}))
    tiff_file(name, packed_rows(values, bits), photometric, tags=tags, **options)


depths = {
    "grey2.tif": lambda n: packed_grey(n, 7, 5, 2, 1, 1),
    "grey2_white_deflate.tif": lambda n: packed_grey(n, 9, 5, 2, 0, 2, rows=2,
                                                     compress=True),
    "grey4.tif": lambda n: packed_grey(n, 7, 5, 4, 1, 3, rows=2),
    "grey4_white_be.tif": lambda n: packed_grey(n, 5, 7, 4, 0, 4, big=True),
    # 16-pixel tiles: tiff_file() cuts the packed rows in 8-byte pieces.
    "grey4_tiled.tif": lambda n: packed_grey(n, 19, 17, 4, 1, 5, tile=(8, 16),
                                             tags={322: (3, [16])}),
    "grey12.tif": lambda n: packed_grey(n, 7, 5, 12, 1, 6, rows=2),
    "grey12_deflate.tif": lambda n: packed_grey(n, 9, 5, 12, 1, 7, compress=True),
    "cut_grey4.tif": lambda n: packed_grey(n, 7, 9, 4, 1, 8, rows=4),
    "cut_grey12.tif": lambda n: packed_grey(n, 7, 9, 12, 1, 9, rows=3),
}


def end_midway(name):
    """Cuts the file `name` in the middle of its strips, which come last."""
    with Image.open(name) as page:
        end = page.tag_v2[273][0] + sum(page.tag_v2[279]) // 2 + 3
    with open(name, "r+b") as f:
        f.truncate(end)


def pillow_refuses(name):
    try:
        comfy_load_image(name)
    except (OSError, SyntaxError, ValueError):
        return True
    return False


for name, write in depths.items():
    write(name)
    if name.startswith("cut_"):
        end_midway(name)
written += list(depths)



def old_style_jpeg(name, w, h, seed, subsampling):
    """A YCbCr TIFF of old-style JPEG compression (6): the one strip is a
    whole JPEG stream, which JPEGInterchangeFormat points at too. Pillow
    reads it through libtiff's RGBA interface."""
    out = io.BytesIO()
    pattern(w, h, seed, "RGB").save(out, "JPEG", quality=90, subsampling=subsampling)
    stream = np.frombuffer(out.getvalue(), np.uint8)[None, :, None]
    tags = {256: (3, [w]), 257: (3, [h]), 258: (3, [8, 8, 8]), 259: (3, [6]),
            277: (3, [3]), 278: (3, [h]), 513: (4, [0]), 514: (4, [stream.shape[1]])}
    tiff_file(name, stream, 6, tags=tags)
    with Image.open(name) as page:  # the same layout again, pointing at the strip
        tags[513] = (4, [page.tag_v2[273][0]])
    tiff_file(name, stream, 6, tags=tags)


old_style_jpeg("ojpeg.tif", 7, 5, 3, 0)
old_style_jpeg("ojpeg_420.tif", 9, 7, 4, 2)
written += ["ojpeg.tif", "ojpeg_420.tif"]

# Variants Pillow 9.4 has no mode for, which drover refuses too: 12-bit
# white-is-zero, big-endian or signed 12-bit, signed 4-bit, 2-bit grey with
# alpha, the bits of a 4-bit page in reversed fill order, 16-bit Lab.
depths_refused = {
    "refused_grey12_white.tif": lambda n: packed_grey(n, 7, 5, 12, 0, 1),
    "refused_grey12_be.tif": lambda n: packed_grey(n, 7, 5, 12, 1, 2, big=True),
    "refused_grey12_signed.tif": lambda n: packed_grey(n, 7, 5, 12, 1, 3,
                                                       sample_format=2),
    "refused_grey4_signed.tif": lambda n: packed_grey(n, 7, 5, 4, 1, 4,
                                                      sample_format=2),
    "refused_grey2_alpha.tif": lambda n: packed_grey(
        n, 7, 5, 2, 1, 5, bands=2, tags={277: (3, [2]), 338: (3, [2])}),
    "refused_lab16.tif": lambda n: tiff_file(n, samples16(7, 5, 3, 6), 8),
}
for name, write in depths_refused.items():
    write(name)
    assert pillow_refuses(name), name + " was expected to fail in Pillow"
# Read by Pillow but not by drover: reversed fill order, which Pillow reads
# bit-reversed when uncompressed and fails to decompress otherwise; 8-bit
# Lab, which convert("RGB") turns through LittleCMS's Lab to sRGB transform
# (and whose "A" band ComfyUI takes for the mask).
packed_grey("grey4_fill_reversed.tif", 7, 5, 4, 1, 6, tags={266: (3, [2])})
tiff_file("lab.tif", np.array(pattern(7, 5, 7, "RGB")), 8)
for name in ("grey4_fill_reversed.tif", "lab.tif"):
    assert not pillow_refuses(name), name + " was expected to be read by Pillow"

# Uncompressed 16-bit separate planes, which Pillow's raw decoder reads with
# the one-band 8-bit raw modes: each pixel takes the byte at its place in the
# first rows of bytes of each plane's strip or tile (garbled_rgb16_planar.tif,
# written above, among them). The same for 8-bit RGBX planes.
planes = {
    "planes16_rgb.tif": lambda n: tiff_file(n, samples16(7, 5, 3, 1), 2, planar=2,
                                            rows=2),
    "planes16_rgba_be.tif": lambda n: tiff_file(n, samples16(5, 7, 4, 2), 2, extra=[2],
                                                planar=2, big=True, rows=3),
    "planes16_rgbx.tif": lambda n: tiff_file(n, samples16(7, 5, 4, 3), 2, extra=[0],
                                             planar=2),
    "planes16_cmyk.tif": lambda n: tiff_file(n, samples16(7, 5, 4, 4), 5, planar=2,
                                             rows=4),
    "planes16_tiled.tif": lambda n: tiff_file(n, samples16(19, 17, 4, 5), 2, extra=[2],
                                              planar=2, tile=(16, 16)),
    "planes_rgbx.tif": lambda n: tiff_file(n, np.array(pattern(7, 5, 8)), 2, extra=[0],
                                           planar=2),
}
for name, write in planes.items():
    write(name)
written += list(planes) + ["garbled_rgb16_planar.tif"]
# ---- end of the TIFF bit depths, old-style JPEG and Lab -----------------------

# ---- cut files of the other formats (issue #3): BMP, TGA and binary Netpbm
# files cut inside their uncompressed pixels, which Pillow's retry with
# LOAD_TRUNCATED_IMAGES reads as the whole rows at hand, the rest zero. An
# 8-bit grey or palette TGA and a PGM of maxval 255 are left out: Pillow
# maps those files into memory and fails ("buffer is not large enough").


def cut_file(name, source, keep):
    """Writes the first `keep` bytes of `source` as `name`."""
    with open(source, "rb") as f:
        data = f.read()
    with open(name, "wb") as f:
        f.write(data[:keep])
    written.append(name)


for name, source, keep in (
    ("cut_rgb24.bmp", "rgb24.bmp", 54 + 24 + 22),  # the third row's padding cut
    ("cut_rgba32.bmp", "rgba32.bmp", 130),
    ("cut_palette8.bmp", "palette8.bmp", 1078 + 7 * 2 + 3),
    ("cut_palette8_in_palette.bmp", "palette8.bmp", 372),
    ("cut_bits1.bmp", "bits1.bmp", 66),
    ("cut_fields_zero.bmp", "fields_zero.bmp", 122 + 12 + 11),
    ("cut_top_down24.bmp", "top_down24.bmp", 54 + 12 * 2 + 8),
    ("cut_at_pixels.bmp", "rgb24.bmp", 54),
    ("cut_binary.ppm", "binary.ppm", 77),
    ("cut_binary_bits.pbm", "binary_bits.pbm", 13),
    ("cut_grey65535.pgm", "grey65535.pgm", 357),
    ("cut_rgb.tga", "rgb.tga", 99),
    ("cut_rgb16.tga", "rgb16.tga", 74),
    ("cut_top_left.tga", "top_left.tga", 60),
    ("cut_grey_alpha16.tga", "grey_alpha16.tga", 40),
    ("cut_rle_rgba.tga", "rle_rgba.tga", 95),
    ("cut_rgb16_rle.tga", "rgb16_rle.tga", 50),
    ("cut_palette_rle.tga", "palette_rle.tga", 18 + 768 + 20),
    ("cut_grey_rle.tga", "grey_rle.tga", 40),
):
    cut_file(name, source, keep)
# Run-length TGA packets are read whole or not at all; a repeat packet past
# its row's end stops the reading too, and the rows it left are zero.
tga("overrun_rle.tga", 4, 3, 11, 8, 0,
    [3, 10, 20, 30, 40, 3, 50, 60, 70, 80, 1, 90, 100, 0x82, 200])
written.append("overrun_rle.tga")
# A plain Netpbm file that ends inside a sample: Pillow keeps the cut token
# as half of one to come and stitches it to each empty read after, so it
# fills every sample left, the retry or not (cut at whitespace, it fails).


def cut_in_token(name, source, fraction):
    """Cuts `source` one digit into the first token of two digits or more
    that starts past `fraction` of its length."""
    with open(source, "rb") as f:
        data = f.read()
    at = int(len(data) * fraction)
    while not (data[at - 1:at].isspace() and data[at:at + 2].isdigit()):
        at += 1
    cut_file(name, source, at + 1)


cut_in_token("cut_plain_rgb.ppm", "plain_rgb.ppm", 0.6)
cut_in_token("cut_plain_grey.pgm", "plain_grey.pgm", 0.5)
cut_in_token("cut_plain_grey16.pgm", "plain_grey16.pgm", 0.7)
# Interlaced PNGs, which Pillow does not write. Pillow 9.4 adds the interlace
# flag to the decoder's arguments at each load of one, so that ComfyUI's retry
# of a cut one, after the first load fails, raises a TypeError.
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
         (1, 0, 2, 2), (0, 1, 1, 2))


def interlaced_png(name, img, where):
    """Writes `img` (mode L, LA, RGB, RGBA or P) as an Adam7 PNG of 8-bit
    samples, no filter, cut `where` (0..1) into its compressed image data
    (with where=1.0 the file is whole)."""
    import zlib

    colour = {"L": 0, "RGB": 2, "P": 3, "LA": 4, "RGBA": 6}[img.mode]
    a = np.array(img).reshape(img.size[1], img.size[0], -1)
    raw = b""
    for x0, y0, dx, dy in ADAM7:
        part = a[y0::dy, x0::dx]
        if part.size:
            raw += b"".join(b"\0" + row.tobytes() for row in part)
    data = zlib.compress(raw)
    data = data[:int(len(data) * where)]

    def chunk(kind, body):
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    head = img.size[0].to_bytes(4, "big") + img.size[1].to_bytes(4, "big")
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head + bytes([8, colour, 0, 0, 1]))
    if img.mode == "P":
        out += chunk(b"PLTE", bytes(img.getpalette()[:3 * 30]))
    out += chunk(b"IDAT", data)
    if where == 1.0:
        out += chunk(b"IEND", b"")
    with open(name, "wb") as f:
        f.write(out)


interlaced_png("interlaced.png", Image.fromarray(noise, "RGBA"), 1.0)
interlaced_png("interlaced_palette.png", cut_palette, 1.0)
written += ["interlaced.png", "interlaced_palette.png"]
with open("interlaced.png", "rb") as f:
    whole = f.read()
cut_file("interlaced_no_iend.png", "interlaced.png", len(whole) - 12)  # read whole
interlaced_png("cut_interlaced_rgba.png", Image.fromarray(noise, "RGBA"), 0.6)
interlaced_png("cut_interlaced_grey.png", Image.fromarray(noise[..., 0], "L"), 0.3)
for name in ("cut_interlaced_rgba.png", "cut_interlaced_grey.png"):
    try:
        comfy_load_image(name)
        raise AssertionError(name + " read")
    except TypeError as e:
        assert str(e) == "function takes at most 3 arguments (4 given)", e
# ---- end of the cut files of the other formats

manifest = {}
for name in written:
    pixels, shape = comfy_load_image(name)
    with open(name + ".rgba", "wb") as f:
        f.write(pixels.astype(np.uint8).tobytes())
    manifest[name] = shape
with open("manifest.json", "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
    f.write("\n")
