#!/usr/bin/python3
"""Ordinary camera conditions: a corruption recipe after MNIST-C and ImageNet-C, and the committed evaluation set.

Usage (from the repository root, Debian's Python; seeded, so a rerun writes the same PNGs):

    PYTHONPATH=models/recipe /usr/bin/python3 models/recipe/corruptions.py --model models/fashion-mnist-cnn --out models/corruptions

Why: an alert must mean "this decision rests on something nonsensical", not "this frame is not pristine"
(issue 10). Sensor noise, dusk, glare, blur, compression and small shifts are ordinary camera life; wherever the
model stays right on such a frame it is CLEAN, in calibration, in anything learned and in evaluation. The
corruptions follow MNIST-C (Mu & Gilmer 2019, arXiv 1906.02337) and ImageNet-C (Hendrycks & Dietterich, ICLR 2019,
arXiv 1903.12261), with severities scaled to 28x28 grayscale frames and kept where a person still sees the
garment: severity 1 is mild, 3 clearly visible but recognisable (models/corruptions/overview.png shows them).

Every function takes ONE frame, float [H,W] in [0,1] (0 = black), and a numpy Generator for its random draws,
and returns float32 [H,W] in [0,1]; the caller rounds to 8 bits (`to_uint8`), as a camera delivers. Geometric
corruptions sample bilinearly about the frame centre ((W-1)/2, (H-1)/2) with black (0) outside the frame, the
Fashion-MNIST background. Import it from other recipe scripts:

    import corruptions as C
    y = C.apply("fog", x, 2, rng)                 # one named corruption at severity 1..3
    y, name, sev = C.random_corruption(x, rng)    # a uniformly drawn corruption and severity

`apply` also knows EXTRA_NAMES (gaussian-blur, wide-defocus, glass-blur, elastic, affine, strokes, low-contrast):
TRAINING-ONLY conditions, wider than the recipe, that detector_head.py trains as clean (--extra-clean-corruptions)
and that the evaluation set below leaves out (definitions beside their functions and in models/README.md).

Exact definitions (p = the severity's parameter; PARAMS below has p for severities 1, 2, 3):
  gaussian-noise  x + N(0, p^2) per pixel                                             p = sigma 0.04, 0.08, 0.12
  shot-noise      Poisson(x * p) / p per pixel (photon noise; black stays black)      p = photons at white 100, 50, 25
  impulse-noise   a share p of the pixels (each independently) set to 0 or 1, even odds  p = 0.01, 0.03, 0.05
  defocus-blur    convolve with a disk of radius p (kernel = the area of each pixel inside the disk,
                  16x16 supersampled, normalised; image edges reflected)              p = radius 1.0, 1.5, 2.0 px
  motion-blur     convolve with a line of length p through the centre at an angle uniform in [0, 180) deg
                  (kernel = 64 points along the line, bilinearly splatted, normalised; edges reflected)
                                                                                      p = length 3, 5, 7 px
  dusk            x * p (exposure down)                                               p = 0.7, 0.5, 0.35
  glare           x + p (veiling light), clipped                                      p = 0.1, 0.2, 0.3
  contrast        (x - m) * p + m, m = the frame's mean                               p = 0.6, 0.45, 0.3
  gamma           x ^ g, g = p or 1/p (even odds: darker or brighter mid-tones)       p = 1.5, 2.0, 2.5
  jpeg            PIL JPEG encode/decode of the 8-bit frame at quality p (grayscale)  p = 40, 25, 15
  pixelate        PIL resize to round(28 p) px with BOX, back to 28 px with NEAREST   p = 0.75, 0.6, 0.45
  fog             (x + p * f) * max(x) / (max(x) + p), f = a plasma fractal in [0,1] (diamond-square on a
                  32x32 grid, roughness decay 2, cropped at a random offset); after ImageNet-C's fog
                                                                                      p = 0.3, 0.5, 0.7
  shift           integer translation by (dx, dy), max(|dx|,|dy|) = p, drawn uniformly among those offsets
                                                                                      p = 1, 2, 3 px
  rotate          rotation by +-p degrees (sign even odds)                            p = 5, 10, 15 deg
  zoom            scale by p or 1/p (even odds: zoom in, crops; zoom out, shrinks)     p = 1.1, 1.2, 1.3
  lines           p thin straight lines (scratches, wires, streaks) across the whole frame, each through a
                  point uniform in the central half ([H/4, 3H/4) x [W/4, 3W/4), pixel units, corner = 0) at an
                  angle uniform in [0, 180) deg; 1 px wide, anti-aliased (coverage c from a 4x supersampled
                  PIL line), colour v = 0 or 1 (even odds): x * (1 - c) + v * c       p = 1, 2, 3 lines
  scratches       p hard 1-px strokes, as a cheap renderer or a dead sensor row draws them (no anti-aliasing: the
                  pixels are set to exactly 0 or 1): each a straight segment of length uniform in [8, 40) px
                  (clipped by the frame) through a point uniform in the central half, at an angle uniform in
                  [0, 180) deg, colour 0 or 1 (even odds), solid or dotted (every other pixel; even odds);
                  pixels = round(centre + t * direction) for t = -L/2 .. L/2 in steps of 1 px along the longer
                  axis (a DDA line)                                                   p = 1, 2, 3 strokes

The committed evaluation set (main): 200 Fashion-MNIST TEST frames, indices drawn once with
numpy default_rng(2019).choice(2000, 200, replace=False) from the first 2,000 test images (the clean frames
`./monitor evaluate` measures false alarms on; the attack fixtures draw their sources from test images
2,000-9,999, so no corrupted frame shares an image with an attack fixture), chosen without looking at any
model. Frame k of the sorted list gets severity 1 + (k mod 3) in every corruption; the random draws of frame
(corruption c, test index i) come from default_rng([2019, c, i]). Writes
<out>/<corruption>/<test index, 5 digits>.png (8-bit grayscale, 28x28, as models/fixtures), <out>/manifest.csv
(file,corruption,severity,param,test_index,true_label,model_label,model_confidence,model_correct: the model
named by --model on the 8-bit frame), <out>/model.sha256 (that model) and <out>/overview.png (one test frame,
every corruption at severities 1-3).
"""
import argparse
import csv
import hashlib
import io
import os
import sys
import time

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

SEED = 2019
FRAMES = 200
SOURCE_RANGE = 2000  # test images 0..1999: the clean evaluation frames; attack fixtures use 2000..9999

# severity 1, 2, 3 -> parameter (see the module docstring for what each parameter means)
PARAMS = {
    "gaussian-noise": (0.04, 0.08, 0.12),
    "shot-noise": (100, 50, 25),
    "impulse-noise": (0.01, 0.03, 0.05),
    "defocus-blur": (1.0, 1.5, 2.0),
    "motion-blur": (3, 5, 7),
    "dusk": (0.7, 0.5, 0.35),
    "glare": (0.1, 0.2, 0.3),
    "contrast": (0.6, 0.45, 0.3),
    "gamma": (1.5, 2.0, 2.5),
    "jpeg": (40, 25, 15),
    "pixelate": (0.75, 0.6, 0.45),
    "fog": (0.3, 0.5, 0.7),
    "shift": (1, 2, 3),
    "rotate": (5, 10, 15),
    "zoom": (1.1, 1.2, 1.3),
    "lines": (1, 2, 3),
    "scratches": (1, 2, 3),
}
NAMES = list(PARAMS)
# coarse groups, for reports
GROUPS = {"noise": ["gaussian-noise", "shot-noise", "impulse-noise"], "blur": ["defocus-blur", "motion-blur"],
          "light": ["dusk", "glare", "contrast", "gamma"], "compression": ["jpeg", "pixelate"], "weather": ["fog"],
          "geometry": ["shift", "rotate", "zoom"], "occlusion": ["lines", "scratches"]}


def to_uint8(x):
    """What a PNG carries."""
    return np.clip(np.round(np.asarray(x, np.float64) * 255), 0, 255).astype(np.uint8)


def _clip(x):
    return np.clip(x, 0.0, 1.0).astype(np.float32)


# ---- geometry: one bilinear warp for shift / rotate / zoom (and attacks.py's spatial attack) ----

def warp(x, angle=0.0, dx=0.0, dy=0.0, scale=1.0):
    """Rotate by `angle` degrees (counter-clockwise as displayed), scale by `scale` and translate by (dx, dy)
    pixels (right, down), about the frame centre; bilinear, black outside. x [H,W] -> [H,W]."""
    h, w = x.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    t = np.deg2rad(angle)
    c, s = np.cos(t), np.sin(t)
    # output pixel (r, q) reads input at R(-angle) (p - centre - d) / scale + centre (rows down, cols right)
    r, q = np.mgrid[0:h, 0:w].astype(np.float64)
    yr, xr = (r - cy - dy) / scale, (q - cx - dx) / scale
    src_x = c * xr - s * yr + cx
    src_y = s * xr + c * yr + cy
    return bilinear(x, src_y, src_x)


def bilinear(x, sy, sx):
    """x sampled at fractional (row, col) positions; pixels outside the frame read as 0."""
    h, w = x.shape
    y0, x0 = np.floor(sy).astype(int), np.floor(sx).astype(int)
    fy, fx = sy - y0, sx - x0
    out = np.zeros(sy.shape, np.float64)
    for oy, ox, wgt in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx), (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
        yy, xx = y0 + oy, x0 + ox
        ok = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        out[ok] += wgt[ok] * x[yy[ok], xx[ok]]
    return out.astype(np.float32)


# ---- the corruptions: f(x, p, rng) ----

def gaussian_noise(x, p, rng):
    return _clip(x + rng.normal(0.0, p, x.shape))


def shot_noise(x, p, rng):
    return _clip(rng.poisson(x * p) / p)


def impulse_noise(x, p, rng):
    hit = rng.random(x.shape) < p
    salt = rng.random(x.shape) < 0.5
    return _clip(np.where(hit, salt.astype(np.float64), x))


def disk_kernel(radius, supersample=16):
    n = int(np.ceil(radius - 0.5))
    size = 2 * n + 1
    sub = (np.arange(size * supersample) + 0.5) / supersample - size / 2  # sub-pixel centres, kernel centre at 0
    yy, xx = np.meshgrid(sub, sub, indexing="ij")
    inside = (yy ** 2 + xx ** 2 <= radius ** 2).astype(np.float64)
    k = inside.reshape(size, supersample, size, supersample).mean(axis=(1, 3))
    return k / k.sum()


def defocus_blur(x, p, rng):
    return _clip(ndimage.convolve(x.astype(np.float64), disk_kernel(p), mode="reflect"))


def line_kernel(length, angle_deg, points=64):
    n = int(np.ceil(length / 2)) + 1
    size = 2 * n + 1
    k = np.zeros((size, size))
    t = np.linspace(-(length - 1) / 2, (length - 1) / 2, points) if length > 1 else np.zeros(1)
    a = np.deg2rad(angle_deg)
    ys, xs = n - t * np.sin(a), n + t * np.cos(a)
    for y, x in zip(ys, xs):
        y0, x0 = int(np.floor(y)), int(np.floor(x))
        fy, fx = y - y0, x - x0
        k[y0, x0] += (1 - fy) * (1 - fx)
        k[y0, x0 + 1] += (1 - fy) * fx
        k[y0 + 1, x0] += fy * (1 - fx)
        k[y0 + 1, x0 + 1] += fy * fx
    return k / k.sum()


def motion_blur(x, p, rng):
    return _clip(ndimage.convolve(x.astype(np.float64), line_kernel(p, rng.uniform(0, 180)), mode="reflect"))


def dusk(x, p, rng):
    return _clip(x * p)


def glare(x, p, rng):
    return _clip(x + p)


def contrast(x, p, rng):
    m = x.mean()
    return _clip((x - m) * p + m)


def gamma(x, p, rng):
    g = p if rng.random() < 0.5 else 1.0 / p
    return _clip(np.power(np.clip(x, 0, 1), g))


def jpeg(x, p, rng):
    buf = io.BytesIO()
    Image.fromarray(to_uint8(x), "L").save(buf, "JPEG", quality=int(p))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())), np.float32) / 255


def pixelate(x, p, rng):
    h, w = x.shape
    small = Image.fromarray(to_uint8(x), "L").resize((round(w * p), round(h * p)), Image.BOX)
    return np.asarray(small.resize((w, h), Image.NEAREST), np.float32) / 255


def plasma(size, rng, decay=2.0):
    """Diamond-square fractal on a size x size grid (size a power of 2), values scaled to [0,1]."""
    m = np.zeros((size, size))
    step = size
    wibble = 1.0
    while step >= 2:
        half = step // 2
        wibble /= decay
        # squares: centre of each step x step cell = mean of its four corners + noise
        c = m[0::step, 0::step]
        corners = (c + np.roll(c, -1, 0) + np.roll(c, -1, 1) + np.roll(np.roll(c, -1, 0), -1, 1)) / 4
        m[half::step, half::step] = corners + rng.uniform(-wibble, wibble, corners.shape)
        # diamonds: edge midpoints = mean of their four neighbours + noise
        d = m[half::step, half::step]
        c = m[0::step, 0::step]
        ltsum = d + np.roll(d, 1, 1) + c + np.roll(c, -1, 0)   # points (i*step+half, j*step)
        m[half::step, 0::step] = ltsum / 4 + rng.uniform(-wibble, wibble, ltsum.shape)
        ttsum = d + np.roll(d, 1, 0) + c + np.roll(c, -1, 1)   # points (i*step, j*step+half)
        m[0::step, half::step] = ttsum / 4 + rng.uniform(-wibble, wibble, ttsum.shape)
        step = half
    m -= m.min()
    return m / max(m.max(), 1e-12)


def fog(x, p, rng):
    h, w = x.shape
    f = plasma(32, rng)
    oy, ox = rng.integers(0, 32 - h + 1), rng.integers(0, 32 - w + 1)
    f = f[oy:oy + h, ox:ox + w]
    mx = x.max()
    return _clip((x + p * f) * mx / (mx + p))


def shift(x, p, rng):
    offsets = [(dy, dx) for dy in range(-p, p + 1) for dx in range(-p, p + 1) if max(abs(dy), abs(dx)) == p]
    dy, dx = offsets[rng.integers(len(offsets))]
    return warp(x, dx=dx, dy=dy)


def rotate(x, p, rng):
    return _clip(warp(x, angle=p if rng.random() < 0.5 else -p))


def zoom(x, p, rng):
    return _clip(warp(x, scale=p if rng.random() < 0.5 else 1.0 / p))


def lines(x, p, rng, supersample=4):
    h, w = x.shape
    out = x.astype(np.float64)
    for _ in range(int(p)):
        # a full line across the frame through a point of its central half, at a uniform angle
        cy, cx = rng.uniform(h / 4, 3 * h / 4), rng.uniform(w / 4, 3 * w / 4)
        a = rng.uniform(0, np.pi)
        r = 2 * (h + w)
        ends = [((cx - r * np.cos(a)) * supersample, (cy - r * np.sin(a)) * supersample),
                ((cx + r * np.cos(a)) * supersample, (cy + r * np.sin(a)) * supersample)]
        canvas = Image.new("L", (w * supersample, h * supersample), 0)
        ImageDraw.Draw(canvas).line(ends, fill=255, width=supersample)
        cov = np.asarray(canvas, np.float64).reshape(h, supersample, w, supersample).mean(axis=(1, 3)) / 255
        v = float(rng.random() < 0.5)
        out = out * (1 - cov) + v * cov
    return _clip(out)


def scratches(x, p, rng):
    h, w = x.shape
    out = x.astype(np.float64).copy()
    side = min(h, w) / 28.0  # lengths are given for the recipe's 28-px frames
    for _ in range(int(p)):
        cy, cx = rng.uniform(h / 4, 3 * h / 4), rng.uniform(w / 4, 3 * w / 4)
        a = rng.uniform(0, np.pi)
        length = rng.uniform(8, 40) * side
        v = float(rng.random() < 0.5)
        dotted = rng.random() < 0.5
        dy, dx = np.sin(a), np.cos(a)
        steps = max(abs(dx), abs(dy))  # one pixel per step along the longer axis
        n = int(np.floor(length / 2 / (1 / steps)))
        for k in range(-n, n + 1):
            if dotted and k % 2:
                continue
            r, q = int(np.round(cy + k * dy / steps)), int(np.round(cx + k * dx / steps))
            if 0 <= r < h and 0 <= q < w:
                out[r, q] = v
    return _clip(out)


FUNCTIONS = {
    "gaussian-noise": gaussian_noise, "shot-noise": shot_noise, "impulse-noise": impulse_noise,
    "defocus-blur": defocus_blur, "motion-blur": motion_blur, "dusk": dusk, "glare": glare, "contrast": contrast,
    "gamma": gamma, "jpeg": jpeg, "pixelate": pixelate, "fog": fog, "shift": shift, "rotate": rotate, "zoom": zoom,
    "lines": lines, "scratches": scratches,
}
assert list(FUNCTIONS) == NAMES


# ---- training-only camera conditions, BEYOND the evaluation recipe ----
# The recipe above is what calibrate and evaluate measure. An evaluator's camera life is wider: a Gaussian lens blur,
# a wider defocus, glass-like local jitter, scribbles and zigzags drawn by other code, shear and larger tilts, very
# low contrast (FMNIST-C / MNIST-C and ImageNet-C list such conditions at severities a person still reads). The
# detector head trained only on the recipe flagged half of the frames blurred with sigma 2 that the model still got
# right. These conditions are trained as CLEAN by detector_head.py (--extra-clean-corruptions) wherever the
# classifier stays right, and are deliberately NOT in the evaluation set (NAMES), so that `./monitor evaluate`'s
# corruption table stays a measurement of conditions the head was not shaped on in this form; beyond_recipe.py
# measures other renderings. Each takes (x, p, rng) like the recipe's functions; p per severity in EXTRA_PARAMS.

def gaussian_blur(x, p, rng):
    return _clip(ndimage.gaussian_filter(x.astype(np.float64), rng.uniform(0.6, 1.0) * p, mode="reflect"))


def glass_blur(x, p, rng):
    """Blur (sigma p[0]), swap about half of the pixels with a neighbour up to p[1] px away (p[2] passes), blur."""
    sigma, delta, passes = p
    y = to_uint8(ndimage.gaussian_filter(x.astype(np.float64), sigma)).astype(np.float64) / 255
    h, w = y.shape
    for _ in range(passes):
        for r in range(h - 1 - delta, delta - 1, -1):
            for q in range(w - 1 - delta, delta - 1, -1):
                if rng.random() < 0.5:
                    dr, dq = rng.integers(-delta, delta + 1, 2)
                    y[r, q], y[r + dr, q + dq] = y[r + dr, q + dq], y[r, q]
    return _clip(ndimage.gaussian_filter(y, sigma))


def elastic(x, p, rng):
    """A smooth random displacement field (Gaussian-filtered uniform noise, sigma 3 px) of up to about p px."""
    h, w = x.shape
    d = [ndimage.gaussian_filter(rng.uniform(-1, 1, (h, w)), 3.0, mode="reflect") for _ in range(2)]
    d = [v / max(np.abs(v).max(), 1e-9) * p for v in d]
    r, q = np.mgrid[0:h, 0:w].astype(np.float64)
    return _clip(bilinear(x, r + d[0], q + d[1]))


def affine(x, p, rng):
    """Rotation up to +-p[0] deg, shear up to +-p[1], scale in [1/p[2], p[2]], shift up to p[3] px, all uniform."""
    t = np.deg2rad(rng.uniform(-p[0], p[0]))
    sh = rng.uniform(-p[1], p[1])
    s = np.exp(rng.uniform(-np.log(p[2]), np.log(p[2])))
    dy, dx = rng.uniform(-p[3], p[3], 2)
    m = s * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]) @ np.array([[1.0, sh], [0.0, 1.0]])
    return _clip(warp_linear(x, m, dx, dy))


def warp_linear(x, m, dx=0.0, dy=0.0):
    """The frame under the 2x2 linear map m (acting on (column, row) offsets from the frame centre), then shifted by
    (dx, dy) px; bilinear, black outside. beyond_recipe.py's shear and rotation use it too."""
    h, w = x.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    inv = np.linalg.inv(np.asarray(m, np.float64))
    r, q = np.mgrid[0:h, 0:w].astype(np.float64)
    yy, xx = r - cy - dy, q - cx - dx
    return bilinear(x, inv[1, 0] * xx + inv[1, 1] * yy + cy, inv[0, 0] * xx + inv[0, 1] * yy + cx)


def strokes(x, p, rng, supersample=4):
    """p polylines of 1-8 segments (a random walk of 3-10 px steps from a point of the frame), each drawn hard
    (1 px, no anti-aliasing) or soft (anti-aliased, 1-2.5 px wide), white, black or grey, solid or dotted."""
    h, w = x.shape
    out = x.astype(np.float64)
    for _ in range(int(p)):
        pts = [rng.uniform(0, [w, h])]
        heading = rng.uniform(0, 2 * np.pi)
        for _ in range(rng.integers(1, 9)):
            heading += rng.uniform(-2.5, 2.5)
            pts.append(pts[-1] + rng.uniform(3, 10) * np.array([np.cos(heading), np.sin(heading)]))
        v = [1.0, 0.0, rng.uniform(0.4, 0.9)][rng.choice(3, p=[0.45, 0.35, 0.2])]
        soft = rng.random() < 0.5
        ss = supersample if soft else 1
        canvas = Image.new("L", (w * ss, h * ss), 0)
        width = max(1, int(round(rng.uniform(1, 2.5) * ss))) if soft else 1
        ImageDraw.Draw(canvas).line([tuple(pt * ss) for pt in pts], fill=255, width=width)
        cov = np.asarray(canvas, np.float64)
        if soft:
            cov = cov.reshape(h, ss, w, ss).mean(axis=(1, 3))
        cov = cov / 255
        if rng.random() < 0.3:  # dotted: every other 2-px block of columns or of rows (even odds)
            r, q = np.mgrid[0:h, 0:w]
            cov = cov * (((q if rng.random() < 0.5 else r) // 2) % 2)
        out = out * (1 - cov) + v * cov
    return _clip(out)


EXTRA_PARAMS = {
    "gaussian-blur": (1.2, 1.8, 2.4),                          # sigma, times U(0.6, 1)
    "wide-defocus": (2.5, 3.0, 3.5),                           # disk radius (recipe: up to 2.0)
    "glass-blur": ((0.6, 1, 1), (0.7, 1, 2), (0.9, 2, 1)),     # sigma, max swap distance, passes
    "elastic": (1.0, 1.5, 2.0),                                # max displacement, px
    "affine": ((10, 0.15, 1.1, 2), (18, 0.3, 1.2, 3), (25, 0.45, 1.3, 4)),  # deg, shear, scale, shift px
    "strokes": (1, 2, 3),                                      # polylines
    "low-contrast": (0.25, 0.2, 0.15),                         # contrast factor (recipe: down to 0.3)
}
EXTRA_FUNCTIONS = {
    "gaussian-blur": gaussian_blur, "wide-defocus": defocus_blur, "glass-blur": glass_blur, "elastic": elastic,
    "affine": affine, "strokes": strokes, "low-contrast": contrast,
}
EXTRA_NAMES = list(EXTRA_PARAMS)
assert list(EXTRA_FUNCTIONS) == EXTRA_NAMES


def apply(name, x, severity, rng):
    """One frame (float [H,W] in [0,1]) with corruption `name` at severity 1..3; float32, not yet rounded."""
    if name in EXTRA_FUNCTIONS:
        f, params = EXTRA_FUNCTIONS[name], EXTRA_PARAMS[name]
    elif name in FUNCTIONS:
        f, params = FUNCTIONS[name], PARAMS[name]
    else:
        raise ValueError(f"unknown corruption {name!r}; known: {NAMES} and, for training only, {EXTRA_NAMES}")
    if severity not in (1, 2, 3):
        raise ValueError(f"severity must be 1, 2 or 3, not {severity!r}")
    return f(np.asarray(x, np.float32), params[severity - 1], rng)


def random_corruption(x, rng, names=None, severities=(1, 2, 3)):
    """A uniformly drawn corruption and severity applied to one frame: (frame, name, severity)."""
    names = names or NAMES
    name = names[rng.integers(len(names))]
    sev = int(severities[rng.integers(len(severities))])
    return apply(name, x, sev, rng), name, sev


def corrupt_batch(x, rng, names=None, severities=(1, 2, 3)):
    """uint8/float frames [N,H,W] -> (8-bit-rounded float32 frames [N,H,W] in [0,1], names, severities)."""
    x = np.asarray(x)
    if x.dtype == np.uint8:
        x = x.astype(np.float32) / 255
    out = np.empty(x.shape, np.float32)
    names_out, sevs = [], []
    for i in range(len(x)):
        y, n, s = random_corruption(x[i], rng, names, severities)
        out[i] = to_uint8(y) / 255.0
        names_out.append(n)
        sevs.append(s)
    return out, names_out, sevs


def source_indices():
    return np.sort(np.random.default_rng(SEED).choice(SOURCE_RANGE, FRAMES, replace=False))


def main():
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import attacks as A

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/fashion-mnist-cnn", help="bundle whose predictions go into manifest.csv")
    ap.add_argument("--out", default="models/corruptions")
    ap.add_argument("--data-dir", default=A.DATA_DIR)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()
    xte = A.load_idx(os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz"))
    yte = A.load_idx(os.path.join(args.data_dir, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    model = A.load_classifier(args.model)
    src = source_indices()

    frames, rows = [], []
    for ci, name in enumerate(NAMES):
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.endswith(".png"):
                os.remove(os.path.join(d, f))
        for k, i in enumerate(src):
            sev = 1 + k % 3
            rng = np.random.default_rng([SEED, ci, int(i)])
            img = to_uint8(apply(name, xte[i].astype(np.float32) / 255, sev, rng))
            file = f"{name}/{int(i):05d}.png"
            Image.fromarray(img, "L").save(os.path.join(args.out, file), optimize=True)
            frames.append(img)
            rows.append([file, name, sev, PARAMS[name][sev - 1], int(i), int(yte[i])])
    x = torch.from_numpy(np.stack(frames).astype(np.float32) / 255).unsqueeze(1)
    conf, lab = A.predict(model, x).max(1)
    with torch.no_grad():
        clean_ok = (A.predict(model, torch.from_numpy(xte[src].astype(np.float32) / 255).unsqueeze(1)).argmax(1).numpy()
                    == yte[src])
    with open(os.path.join(args.out, "manifest.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "corruption", "severity", "param", "test_index", "true_label", "model_label",
                    "model_confidence", "model_correct"])
        for r, l, c in zip(rows, lab.tolist(), conf.tolist()):
            w.writerow(r + [l, f"{c:.6f}", int(l == r[5])])
    with open(os.path.join(args.model, "model.onnx"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(args.out, "model.sha256"), "w") as f:
        f.write(sha + "\n")
    write_overview(xte, src, os.path.join(args.out, "overview.png"))

    correct = (lab.numpy() == np.array([r[5] for r in rows]))
    print(f"clean accuracy on the {len(src)} source frames: {clean_ok.mean():.3f}")
    print(f"{'corruption':16s} accuracy: all  sev1  sev2  sev3")
    sev = np.array([r[2] for r in rows])
    names = np.array([r[1] for r in rows])
    for name in NAMES:
        m = names == name
        accs = [correct[m].mean()] + [correct[m & (sev == s)].mean() for s in (1, 2, 3)]
        print(f"{name:16s}          " + "  ".join(f"{a:.2f}" for a in accs))
    print(f"wrote {len(rows)} frames to {args.out} in {time.time() - t0:.0f} s")


def write_overview(xte, src, path, frame=None, scale=2):
    """One test frame (the first source) under every corruption, severities 1-3 left to right; clean first."""
    i = int(src[0] if frame is None else frame)
    tiles = []
    for ci, name in enumerate(NAMES):
        row = [xte[i]]
        for sev in (1, 2, 3):
            row.append(to_uint8(apply(name, xte[i].astype(np.float32) / 255, sev, np.random.default_rng([SEED, ci, i]))))
        tiles.append(np.concatenate([np.pad(t, 1, constant_values=128) for t in row], 1))
    # two columns of corruptions side by side keep the picture squarish
    half = (len(tiles) + 1) // 2
    left = np.concatenate(tiles[:half], 0)
    right = np.concatenate(tiles[half:] + [np.full_like(tiles[0], 128)] * (2 * half - len(tiles)), 0)
    sheet = np.concatenate([left, np.full((left.shape[0], 6), 255, np.uint8), right], 1)
    Image.fromarray(sheet, "L").resize((sheet.shape[1] * scale, sheet.shape[0] * scale), Image.NEAREST).save(path, optimize=True)


if __name__ == "__main__":
    main()
