"""Records which names ComfyUI v0.8.0 counts as images, for
tests/coordinator/content_types_test.cpp.

Run with CPython 3.11 from a folder holding ComfyUI's folder_paths.py and a
stub comfy/cli_args.py (`args` answering None to every attribute):

    python3 record.py > expected.json

Every name is judged with a fresh ComfyUI cache (drover judges each name on
its own), against Python's built-in table alone and with mime.types added.
"""

import json
import mimetypes
import os
import sys

sys.path.insert(0, os.getcwd())
import folder_paths  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

NAMES = [
    "a.png", "A.PNG", "b.jpg", "c.jpeg", "d.webp", "e.WEBP", "webp", "png",
    ".png", ".hidden.png", "..png", "a..png", "x.tar.gz", "x.png.gz",
    "x.png.GZ", "x.png.Z", "x.png.z", "x.svgz", "x.SVGZ", "x.tgz", "notes.txt",
    "model.fbx", "model.FBX", "m.latent", "a.b.c.gif", "weird:name.png",
    "x.png:stream", "data:foo,bar.png", "data:nocomma.png", "x.pict", "x.pic",
    "x.jxl", "x.dtimg", "x.DTIMG2", "x.bmp", "x.BMP", "README", "x.mp4",
    "photo.heic", "icon.ico", "clip.glb", "x.cout", "x.text",
]


def database(with_file):
    db = mimetypes.MimeTypes(filenames=())
    if with_file:
        db.read(os.path.join(HERE, "mime.types"))
    return db


def record(with_file):
    mimetypes._db = database(with_file)
    mimetypes.inited = True
    out = {}
    for name in NAMES:
        folder_paths.extension_mimetypes_cache = {"webp": "image", "fbx": "model"}
        kept = folder_paths.filter_files_content_types([name], ["image"])
        out[name] = {
            "type": mimetypes.guess_type(name, strict=False)[0],
            "image": kept == [name],
        }
    return out


json.dump({"builtin": record(False), "with_mime_types": record(True)},
          sys.stdout, indent=1, sort_keys=True)
print()
