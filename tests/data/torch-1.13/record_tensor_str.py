"""Records torch's str() of float32 tensors for drover's PreviewAny tests.

Run with Debian's python3-torch (1.13): /usr/bin/python3 record_tensor_str.py
Writes tensor_str.json beside this script. Inputs are either listed values or
one of the formulas below, which the C++ test recomputes in the same way
(a double expression rounded once to float32).
"""
import json
import math
import os

import numpy as np
import torch

FORMULAS = {
    "wave": lambda i: (i % 97) * 0.37 - 5.0,
    "unit": lambda i: (i % 256) / 255.0,
    "whole": lambda i: float(i),
}


def values_of(case):
    n = math.prod(case["shape"])
    if "values" in case:
        return np.array(case["values"], dtype=np.float32)
    f = FORMULAS[case["formula"]]
    return np.array([f(i) for i in range(n)], dtype=np.float32)


def main():
    nan, inf = float("nan"), float("inf")
    cases = [
        {"name": "whole values", "shape": [2, 3], "values": [1, 2, 3, 4, 5, 6]},
        {"name": "negative whole values", "shape": [7], "values": [-3, -2, -1, 0, 1, 2, 3]},
        {"name": "fractions", "shape": [3], "values": [0.5, 0.25, 0.125]},
        {"name": "mixed magnitudes", "shape": [4], "values": [0.001, 1000, 12345.678, -2.5]},
        {"name": "tiny and plain", "shape": [2], "values": [1e-5, 0.5]},
        {"name": "large whole", "shape": [2], "values": [1e9, 2]},
        {"name": "non-finite", "shape": [6], "values": [0, nan, inf, -inf, 1.5, -0.0]},
        {"name": "all zeros", "shape": [1, 2, 2], "values": [0, 0, 0, 0]},
        {"name": "image 1x2x2x3", "shape": [1, 2, 2, 3], "formula": "unit"},
        {"name": "long row", "shape": [1, 30], "formula": "wave"},
        {"name": "8x8 not summarised", "shape": [8, 8], "formula": "wave"},
        {"name": "image 1x16x16x3", "shape": [1, 16, 16, 3], "formula": "unit"},
        {"name": "vector of 2000", "shape": [2000], "formula": "wave"},
        {"name": "whole 3x400", "shape": [3, 400], "formula": "whole"},
        {"name": "mask 1x40x40", "shape": [1, 40, 40], "formula": "unit"},
        {"name": "cube 10x10x12", "shape": [10, 10, 12], "formula": "wave"},
        {"name": "image 2x32x32x3", "shape": [2, 32, 32, 3], "formula": "unit"},
    ]
    for case in cases:
        t = torch.from_numpy(values_of(case)).reshape(case["shape"])
        case["text"] = str(t)
        if "values" in case:
            case["values"] = [v if math.isfinite(v) else str(v) for v in case["values"]]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tensor_str.json")
    with open(out, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
