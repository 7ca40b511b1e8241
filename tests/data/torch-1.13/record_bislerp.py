"""Records comfy.utils.bislerp on tiny latents for drover's LatentUpscale tests.

Run with Debian's python3-torch (1.13), pointing at a ComfyUI v0.8.0 checkout:
    /usr/bin/python3 record_bislerp.py /path/to/ComfyUI
The function is taken from that checkout's comfy/utils.py as it is (the module
itself needs more of ComfyUI than this script has), so the values come from
ComfyUI's own code. Writes bislerp.json beside this script.
"""
import ast
import json
import os
import sys

import torch


def load_bislerp(comfy_root):
    path = os.path.join(comfy_root, "comfy", "utils.py")
    with open(path) as f:
        source = f.read()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == "bislerp":
            namespace = {"torch": torch}
            exec(ast.get_source_segment(source, node), namespace)
            return namespace["bislerp"]
    raise SystemExit("no bislerp in " + path)


def sample_latent(shape):
    """Deterministic values with the cases slerp treats apart: a zero pixel,
    two equal neighbours (dot near 1) and two opposite ones (dot near -1)."""
    n, c, h, w = shape
    t = torch.empty(shape, dtype=torch.float32)
    for i in range(t.numel()):
        t.view(-1)[i] = ((i * 37) % 23) / 7.0 - 1.5
    t[0, :, 0, 0] = 0.0
    t[0, :, 1, 1] = t[0, :, 1, 0]
    t[0, :, 2, 1] = -t[0, :, 2, 0]
    return t


def main():
    bislerp = load_bislerp(sys.argv[1])
    cases = []
    for shape, width, height in [
        ([1, 4, 3, 4], 7, 5),
        ([1, 4, 3, 4], 8, 6),
        ([2, 4, 4, 3], 2, 3),
        ([1, 3, 3, 5], 5, 3),
    ]:
        samples = sample_latent(shape)
        out = bislerp(samples, width, height)
        cases.append({
            "shape": shape,
            "width": width,
            "height": height,
            "samples": samples.flatten().tolist(),
            "out_shape": list(out.shape),
            "out": out.flatten().tolist(),
        })
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "bislerp.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
