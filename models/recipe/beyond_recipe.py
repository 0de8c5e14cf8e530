#!/usr/bin/python3
"""Camera conditions BEYOND the corruption recipe: other renderings, harsher severities, other transforms.

The recipe's corruptions (corruptions.py) are what calibrate and the detector head see as clean. Frames made by
other code find out whether "clean" generalises: an evaluator's thin line is drawn by OpenCV or Pillow without
anti-aliasing, their blur is Gaussian, their noise stronger, their garment mirrored. This script writes such frames
from the first 2,000 Fashion-MNIST test images (400 drawn with default_rng(77), the clean evaluation frames' range)
and, from `./monitor score` output, reports per condition the share of frames the model still gets right that
raise an alert, and which detectors fired. The last block follows FMNIST-C's definitions (written from its
formulas, not its code). No frame of this script is used by calibrate or by any training; but the detector head
trains on corruptions.py's training-only conditions (EXTRA_NAMES: Gaussian blur, a wider defocus, glass blur,
elastic and affine warps with shear, strokes, very low contrast), so rows of those kinds measure another rendering
of something the head has seen, not an unseen kind.

    PYTHONPATH=models/recipe /usr/bin/python3 models/recipe/beyond_recipe.py --out /tmp/beyond        # ~20 s
    ./monitor score /tmp/beyond > /tmp/beyond.jsonl                                                   # ~1 min
    /usr/bin/python3 models/recipe/beyond_recipe.py --out /tmp/beyond --summarize /tmp/beyond.jsonl
"""
import argparse
import collections
import json
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from scipy import ndimage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corruptions as C  # noqa: E402
from attacks import DATA_DIR, load_idx  # noqa: E402


def _u8(x):
    return Image.fromarray(C.to_uint8(x))


def _f(im):
    return np.asarray(im, np.float32) / 255


def recipe(name, p):
    return lambda x, rng: C.FUNCTIONS[name](x, p, rng)


def gaussian_blur(sigma):
    return lambda x, rng: _f(_u8(x).filter(ImageFilter.GaussianBlur(sigma)))


def aliased_lines(n, colour=None):
    """n full-length 1-px lines drawn by Pillow without anti-aliasing (as cv2.line's default LINE_8 would)."""
    def f(x, rng):
        im = _u8(x)
        d = ImageDraw.Draw(im)
        for _ in range(n):
            cy, cx = rng.uniform(7, 21, 2)
            a = rng.uniform(0, np.pi)
            c = colour if colour is not None else int(255 * (rng.random() < 0.5))
            d.line([(cx - 112 * np.cos(a), cy - 112 * np.sin(a)), (cx + 112 * np.cos(a), cy + 112 * np.sin(a))], fill=c, width=1)
        return _f(im)
    return f


def zigzag(n):
    """n polylines of three 1-px segments between random points, black or white."""
    def f(x, rng):
        im = _u8(x)
        d = ImageDraw.Draw(im)
        for _ in range(n):
            d.line([tuple(map(int, rng.integers(0, 28, 2))) for _ in range(4)], fill=int(rng.choice([0, 255])), width=1)
        return _f(im)
    return f


def dotted(n):
    """n dotted white lines of 12 dots between random points."""
    def f(x, rng):
        im = _u8(x)
        d = ImageDraw.Draw(im)
        for _ in range(n):
            x0, y0, x1, y1 = rng.integers(0, 28, 4)
            for t in np.linspace(0, 1, 12):
                d.point((x0 + t * (x1 - x0), y0 + t * (y1 - y0)), fill=255)
        return _f(im)
    return f


def shear(s):
    def f(x, rng):
        k = s if rng.random() < 0.5 else -s
        return _f(_u8(x).transform((28, 28), Image.AFFINE, (1, k, -k * 13.5, 0, 1, 0), Image.BILINEAR))
    return f


def glass_blur(sigma=0.7, delta=1, iterations=2):
    """ImageNet-C's glass blur at its mildest: blur, swap neighbouring pixels, blur."""
    def f(x, rng):
        y = _f(_u8(x).filter(ImageFilter.GaussianBlur(sigma))).copy()
        for _ in range(iterations):
            for h in range(28 - delta, delta, -1):
                for w in range(28 - delta, delta, -1):
                    dx, dy = rng.integers(-delta, delta, 2)
                    y[h, w], y[h + dy, w + dx] = y[h + dy, w + dx], y[h, w]
        return _f(_u8(y).filter(ImageFilter.GaussianBlur(sigma)))
    return f


def spatter(n):
    def f(x, rng):
        im = _u8(x)
        d = ImageDraw.Draw(im)
        for _ in range(n):
            cx, cy = rng.integers(0, 28, 2)
            r = rng.uniform(0.7, 1.6)
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=int(rng.integers(60, 160)))
        return _f(im)
    return f


# ---- after FMNIST-C / MNIST-C's definitions (Mu & Gilmer 2019; the Fashion-MNIST port of their code): written
# here from the published formulas, not their code, as another implementation's renderings of the same conditions

def soft_line(c0, r0, c1, r1, h=28, w=28):
    """A white line from column c0 to c1 whose strength falls with the VERTICAL distance d to it as
    log(1 - d/2.3) + 1 (1 on the line, 0.43 one row off, 0 from 1.4 rows): about 3 px wide, thinner where steep."""
    if c1 == c0:
        return np.zeros((h, w))
    cc, rr = np.meshgrid(np.arange(float(w)), np.arange(float(h)))
    d = np.clip(np.abs(rr - ((r1 - r0) / (c1 - c0) * (cc - c0) + r0)), 0, 2.3 - 1e-10)
    v = np.clip(np.log(1 - d / 2.3) + 1, 0, 1)
    v[:, :int(np.floor(c0))] = 0
    v[:, int(np.ceil(c1)):] = 0
    return v


def fmc_line(x, rng):
    return x + soft_line(rng.integers(0, 5), rng.integers(0, 27), rng.integers(22, 27), rng.integers(0, 27))


def fmc_dotted_line(x, rng):
    v = soft_line(0, rng.integers(0, 27), 27, rng.integers(0, 27))
    for k in range(0, 28, 4):  # 2-column gaps every 4 columns
        v[:, k:k + 2] = 0
    return x + v


def fmc_zigzag(n):
    """n zigzags of amplitude 2 px and half-period 2 px from column 2 to 25, tilted by up to 5 rows."""
    def f(x, rng):
        out = x.copy()
        for _ in range(n):
            r0 = rng.integers(0, 27)
            th = np.arctan((rng.integers(-5, 5)) / 23)
            length = 23 / np.cos(th)
            pts = [(0.0, 0.0)] + [((2 * i + 1) * 2.0, (-1) ** i * 2.0) for i in range(int((length - 2) // 4) + 1)]
            pts.append((length, 0.0))
            c, s = np.cos(th), np.sin(th)
            cs = [2 + c * u - s * v for u, v in pts]
            rs = [r0 + s * u + c * v for u, v in pts]
            for i in range(1, len(cs)):
                a, b = (i - 1, i) if cs[i - 1] <= cs[i] else (i, i - 1)
                out = np.clip(out + soft_line(cs[a], rs[a], cs[b], rs[b]), 0, 1)
        return out
    return f


def affine(m):
    """A 2x2 linear map about the frame centre, bilinear, black outside (as scikit-image's warp, which FMNIST-C uses)."""
    return lambda x, rng: C.warp_linear(x, m(rng))


def _sign(rng):
    return 1.0 if rng.random() < 0.5 else -1.0


def disk_blur(radius):
    """A hard disk of the given radius on a 17x17 grid, lightly smoothed (sigma 0.5): ImageNet-C's defocus."""
    yy, xx = np.mgrid[-8:9, -8:9]
    k = ((yy ** 2 + xx ** 2) <= radius ** 2).astype(np.float64)
    k = ndimage.gaussian_filter(k / k.sum(), 0.5)
    return lambda x, rng: ndimage.convolve(x.astype(np.float64), k / k.sum(), mode="reflect")


CONDITIONS = {
    # other renderings of the recipe's occlusions
    "aliased-lines-1": aliased_lines(1), "aliased-lines-2": aliased_lines(2), "aliased-lines-3": aliased_lines(3),
    "zigzag-1": zigzag(1), "zigzag-2": zigzag(2), "dotted-1": dotted(1), "dotted-2": dotted(2),
    # other transforms (ImageNet-C / MNIST-C extras, camera pipeline steps)
    "gaussian-blur-1.0": gaussian_blur(1.0), "gaussian-blur-1.5": gaussian_blur(1.5), "glass-blur": glass_blur(),
    "shear-0.2": shear(0.2), "shear-0.35": shear(0.35), "spatter-6": spatter(6),
    "sharpen": lambda x, rng: _f(_u8(x).filter(ImageFilter.UnsharpMask(2, 150, 3))),
    "speckle-0.3": lambda x, rng: x + x * rng.normal(0, 0.3, x.shape),
    "salt-0.03": lambda x, rng: np.where(rng.random(x.shape) < 0.03, 1.0, x),
    "pepper-0.1": lambda x, rng: np.where(rng.random(x.shape) < 0.1, 0.0, x),
    "brightness+0.15": lambda x, rng: x + 0.15,
    "mirror": lambda x, rng: x[:, ::-1],
    # the recipe's corruptions one step harsher than its severity 3
    "gaussian-noise-0.16": recipe("gaussian-noise", 0.16), "gaussian-noise-0.20": recipe("gaussian-noise", 0.20),
    "shot-noise-15": recipe("shot-noise", 15), "impulse-noise-0.07": recipe("impulse-noise", 0.07),
    "defocus-blur-2.5": recipe("defocus-blur", 2.5), "motion-blur-9": recipe("motion-blur", 9),
    "dusk-0.25": recipe("dusk", 0.25), "glare-0.4": recipe("glare", 0.4), "contrast-0.2": recipe("contrast", 0.2),
    "gamma-3.0": recipe("gamma", 3.0), "jpeg-10": recipe("jpeg", 10), "pixelate-0.35": recipe("pixelate", 0.35),
    "fog-0.9": recipe("fog", 0.9), "shift-4": recipe("shift", 4), "rotate-20": recipe("rotate", 20),
    "zoom-1.4": recipe("zoom", 1.4), "lines-5": recipe("lines", 5),
    # after FMNIST-C's definitions (its default set has one dotted line, one zigzag, rotation and shear at 0.4,
    # a 3-px diagonal translation; Gaussian blur at sigma 2 and ImageNet-C's disk defocus of radius 3 are its
    # extended set's mildest)
    "fmc-line": fmc_line, "fmc-dotted-line": fmc_dotted_line, "fmc-zigzag-1": fmc_zigzag(1),
    "fmc-zigzag-2": fmc_zigzag(2), "fmc-gaussian-blur-2": gaussian_blur(2.0), "fmc-disk-blur-3": disk_blur(3),
    "fmc-rotate-0.4": affine(lambda rng: (lambda t: [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])(0.4 * _sign(rng))),
    "fmc-shear-0.4": affine(lambda rng: [[1, 0.4 * _sign(rng)], [0, 1]]),
    "fmc-translate-3": lambda x, rng: C.warp(x, dx=3 * _sign(rng), dy=3 * _sign(rng)),
}


def write(out):
    x = load_idx(os.path.join(DATA_DIR, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255
    y = load_idx(os.path.join(DATA_DIR, "t10k-labels-idx1-ubyte.gz"))
    src = np.sort(np.random.default_rng(77).choice(2000, 400, replace=False))
    with open(os.path.join(out, "labels.csv"), "w") as lab:
        lab.write("file,label\n")
        for ci, (name, f) in enumerate(CONDITIONS.items()):
            os.makedirs(os.path.join(out, name), exist_ok=True)
            for i in src:
                rng = np.random.default_rng([77, ci, int(i)])
                frame = C.to_uint8(np.clip(f(x[i].copy(), rng), 0, 1))
                Image.fromarray(frame).save(os.path.join(out, name, f"{int(i):05d}.png"))
                lab.write(f"{name}/{int(i):05d}.png,{int(y[i])}\n")
    print(f"wrote {len(CONDITIONS)} conditions x {len(src)} frames to {out}")


def summarize(out, scores):
    labels = {}
    with open(os.path.join(out, "labels.csv")) as f:
        next(f)
        for line in f:
            k, v = line.strip().split(",")
            labels[k] = int(v)
    stats = collections.defaultdict(lambda: [0, 0, 0, collections.Counter()])
    with open(scores) as f:
        for line in f:
            j = json.loads(line)
            parts = j["file"].replace("\\", "/").split("/")
            key = "/".join(parts[-2:])
            if key not in labels:
                continue
            s = stats[parts[-2]]
            s[0] += 1
            if j["predicted_class"] == labels[key]:
                s[1] += 1
                if j["alert"]:
                    s[2] += 1
                    s[3].update(d for d, v in j["scores"].items() if v["flagged"])
    print("| condition | model right | alert (of those) | detectors that fired (share of the right frames) |")
    print("|---|---:|---:|---|")
    for name in CONDITIONS:
        n, right, alarms, by = stats[name]
        if n == 0:
            continue
        fired = ", ".join(f"{d} {100 * c / right:.1f}%" for d, c in by.most_common())
        print(f"| {name} | {right} / {n} | {100 * alarms / max(1, right):.1f}% | {fired} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="folder for the frames (one sub-folder per condition) and labels.csv")
    ap.add_argument("--summarize", metavar="JSONL", help="`./monitor score` output for --out: print the table instead")
    args = ap.parse_args()
    if args.summarize:
        summarize(args.out, args.summarize)
    else:
        os.makedirs(args.out, exist_ok=True)
        write(args.out)


if __name__ == "__main__":
    main()
