#!/usr/bin/python3
"""Adaptive attacker (issue 10 item 7; measured, no target): white-box PGD against the classifier AND the monitor's
detectors together, as an attacker who knows the bundle (model.onnx with its detector head, calibration.json) would.

Usage (from the repository root, Debian's Python; seeded; needs a calibrated bundle):

    PYTHONPATH=models/recipe /usr/bin/python3 models/recipe/adaptive.py --model models/fashion-mnist-cnn \
        --out models/fixtures --per-kind 100 --threads 1

What it models (stream-app/src/main/java/dev/advmon/detect/, thresholds and signal scales from calibration.json):
  - learned: 1 - p(clean) of the grafted head (outputs.adversarial), differentiable.
  - stability: the 4 one-pixel shifts (edge repeated); signals boundary = 1 / max(1e-3, log-odds of the predicted
    class against the runner-up) (older calibrations: p(runner-up)/p(pred)), mean softmax L1 to the shifted
    copies, share of shifted copies with another argmax (soft: a sigmoid of the logit margin in the loss, exact in
    the check); score = max(signal / scale).
  - perturbation (feature squeezing): bit-depth-2 (BPDA: identity gradient through the rounding), median 2x2 and
    3x3 (exact, differentiable through the sort; SciPy 'reflect' edges = edge repeated for these sizes), the
    switching median (the median where a pixel is more than T from it, the pixel elsewhere; the gradient follows
    the branch taken), the local median (the roughest square replaced by a median: the square's choice is not
    differentiated, the median is), total-variation denoising when calibrated with it (`tv-W`: the 50 iterations
    differentiated, BPDA through the 8-bit rounding); signals softmax L1 and margin-drop = max(0, log-odds(frame) - log-odds(squeezed)) per
    squeezer; score = max / scale.
  - consensus: the sum over its members of -ln p, each member's score looked up in its tail from calibration.json
    (TailTable: piecewise linear in the score, differentiable), for the members modelled here (stability,
    perturbation, learned); an unmodelled member (consistency) counts as no evidence, which favours the attacker.
  - NOT modelled: the feature-space (fooling), overinterpretation and consistency detectors (an L-inf change of a
    normal frame rarely triggers the first two; `./monitor evaluate` measures all detectors on the frames anyway).

Loss per frame, minimised by signed-gradient steps in an L-inf ball (eps, --steps steps, step 2.5 eps / steps):
    -CE(logits, true label) (capped at 10: once fooled, the detectors dominate)
    + sum over detectors d of relu(score_d / threshold_d - margin)
The frame kept is, among the 8-bit rounded iterates that fool the classifier, the one with the smallest largest
score / threshold (the modelled detectors' verdict). Frames that never fool the classifier are dropped.

Writes <out>/<kind>/<kind>-NNNN.png and rows of kind `adaptive-pgd-<eps>` (family `adaptive`, excluded from targets
by `./monitor evaluate`) into <out>/manifest.csv, replacing earlier rows of that kind; prints per frame-set what the
modelled detectors say (share of kept frames that pass all of them at the calibrated thresholds).
"""
import argparse
import csv
import json
import os
import re
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attacks as A  # noqa: E402

SOURCE_OFFSET = 100  # the kind's generator seed: args.seed * 1000 + SOURCE_OFFSET + eps index (not an attacks.KINDS place)


def shift(x, dy, dx):
    """x moved by (dy, dx) pixels, the edge pixels repeated into the gap (StabilityDetector.shift)."""
    h, w = x.shape[-2:]
    rows = (torch.arange(h) - dy).clamp(0, h - 1)
    cols = (torch.arange(w) - dx).clamp(0, w - 1)
    return x[..., rows, :][..., :, cols]


DIRECTIONS = ((0, 1), (0, -1), (1, 0), (-1, 0))


def reflect_pad(x, before, after):
    """SciPy 'reflect' padding of the last two axes (d c b a | a b c d | d c b a: the edge pixel repeated)."""
    for dim in (-1, -2):
        parts = [x.narrow(dim, 0, before).flip(dim)] if before else []
        parts.append(x)
        if after:
            parts.append(x.narrow(dim, x.shape[dim] - after, after).flip(dim))
        x = torch.cat(parts, dim)
    return x


def median(x, k):
    """MedianSqueezer: k x k window over rows y - k/2 .. y + k-1 - k/2, SciPy 'reflect' edges, the element of rank
    k*k // 2. Differentiable (gradient to the chosen pixel)."""
    before = k // 2
    after = k - 1 - before
    p = reflect_pad(x, before, after)
    win = F.unfold(p, k)  # [n, k*k, h*w]
    med = win.sort(1).values[:, (k * k) // 2]
    return med.view_as(x)


def bit_depth(x, bits):
    """BitDepthSqueezer with BPDA: forward round(x * (2^bits-1)) / (2^bits-1), backward identity."""
    levels = (1 << bits) - 1
    return x + (torch.round(x * levels) / levels - x).detach()


def switching_median(x, k, t):
    """SwitchingMedianSqueezer: a pixel replaced by its k x k median only where it differs from it by more than t
    (the gradient follows the branch taken). As in Java: the float32 difference compared with t as a double (a
    difference of exactly 153/255 against t = 0.6 switches)."""
    med = median(x, k)
    return torch.where((x - med).abs().detach().double() > t, med, x)


def local_median(x, window, k):
    """LocalMedianSqueezer: the window x window square with the largest summed |pixel - 3x3 median| (the first in
    row-major order on ties) replaced by the k x k median; the square's choice is not differentiated, the median and
    the kept pixels are."""
    rough = (x - median(x, 3)).abs().detach().sum(1, keepdim=True)
    sums = F.avg_pool2d(rough, window, stride=1).flatten(1)  # [n, (H - window + 1) * (W - window + 1)]
    cols = x.shape[-1] - window + 1
    corner = sums.argmax(1)
    mask = torch.zeros_like(rough)
    for i, c in enumerate(corner.tolist()):
        r, q = divmod(c, cols)
        mask[i, :, r:r + window, q:q + window] = 1
    return torch.where(mask.bool().expand_as(x), median(x, k), x)


def tv(x, weight, iterations=50, tau=0.125):
    """TvSqueezer: Chambolle's projection for total-variation denoising (forward differences, their negative
    adjoint as the divergence), 50 iterations at step 1/8, clamped and rounded to 8 bits (BPDA: identity gradient
    through the rounding); the iterations are differentiated."""
    def grad(u):
        gx = F.pad(u[..., :, 1:] - u[..., :, :-1], (0, 1))
        gy = F.pad(u[..., 1:, :] - u[..., :-1, :], (0, 0, 0, 1))
        return gx, gy

    def div(px, py):
        dx = torch.cat([px[..., :, :1], px[..., :, 1:-1] - px[..., :, :-2], -px[..., :, -2:-1]], -1)
        dy = torch.cat([py[..., :1, :], py[..., 1:-1, :] - py[..., :-2, :], -py[..., -2:-1, :]], -2)
        return dx + dy

    px = torch.zeros_like(x)
    py = torch.zeros_like(x)
    for _ in range(iterations):
        gx, gy = grad(div(px, py) - x / weight)
        norm = torch.sqrt(gx * gx + gy * gy)
        px = (px + tau * gx) / (1 + tau * norm)
        py = (py + tau * gy) / (1 + tau * norm)
    u = (x - weight * div(px, py)).clamp(0, 1)
    return u + (torch.round(u * 255) / 255 - u).detach()


def squeezer(spec):
    """The squeezer a calibration.json spec names (Squeezer.parse), or None when this attack does not model it."""
    m = re.fullmatch(r"bit-depth-(\d+)", spec)
    if m:
        return lambda x: bit_depth(x, int(m.group(1)))
    m = re.fullmatch(r"median-([23])x\1", spec)
    if m:
        return lambda x: median(x, int(m.group(1)))
    m = re.fullmatch(r"switching-median-([23])x\1-([0-9.]+)", spec)
    if m:
        return lambda x: switching_median(x, int(m.group(1)), float(m.group(2)))
    m = re.fullmatch(r"local-median-(\d+)x\1-([2-7])x\2", spec)
    if m:
        return lambda x: local_median(x, int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"tv-([0-9.]+)", spec)
    if m:
        return lambda x: tv(x, float(m.group(1)))
    return None


def surprise(tail, step, s):
    """TailTable.surprise on a tensor of scores: -ln p, piecewise linear between the tail's entries."""
    v = torch.tensor(tail, dtype=s.dtype)
    k = torch.searchsorted(v, s.detach().contiguous())  # first entry >= s
    inside = (k > 0) & (k < len(v))
    kc = k.clamp(1, len(v) - 1)
    lo, hi = v[kc - 1], v[kc]
    frac = (s - lo) / (hi - lo).clamp(min=1e-12)
    out = torch.where(inside, (kc - 1 + frac) * step, torch.zeros_like(s))
    return torch.where(k >= len(v), torch.full_like(s, (len(v) - 1) * step), out)


def log_odds(logp, y):
    """log p(y) - log of the largest other probability."""
    other = logp.scatter(1, y[:, None], -float("inf")).max(1).values
    return logp.gather(1, y[:, None])[:, 0] - other


class Monitor:
    """The modelled detectors on a batch of frames in [0,1]: scores / thresholds per detector (1 = at threshold)."""

    def __init__(self, full, calibration):
        self.full = full
        det = calibration["detectors"]
        self.learned = det.get("learned")
        self.stability = det.get("stability")
        self.squeeze = det.get("perturbation")
        self.consensus = det.get("consensus")
        if self.squeeze:
            unknown = [s for s in self.squeeze["squeezers"] if squeezer(s) is None]
            if unknown:
                raise SystemExit(f"calibration.json: squeezers {unknown} are not modelled here (known: bit-depth-N, "
                                 "median-2x2/3x3, switching-median-2x2/3x3-T, local-median-WxW-KxK, tv-W)")

    def run(self, x):
        env = self.full.run(x)
        return env["logits"], env.get("adversarial")

    def ratios(self, x, soft=True):
        """{detector: score / threshold} [n] and the logits of x."""
        logits, adv = self.run(x)
        logp = F.log_softmax(logits, 1)
        p = logp.exp()
        y = logits.argmax(1).detach()
        out = {}
        if self.learned and adv is not None:
            out["learned"] = (1 - F.softmax(adv, 1)[:, 0]) / self.learned["threshold"]
        if self.stability:
            sc = self.stability["signal_scales"]
            names = self.stability.get("signals", ["boundary", "shift-l1", "shift-flips"])
            lo = log_odds(logp, y)
            if names[0] == "boundary":  # 1 / max(1e-3, log-odds of the predicted class against the runner-up)
                odds = 1 / lo.clamp(min=1e-3)
            elif names[0] == "runner-up-odds":  # older calibrations: p(runner-up) / p(predicted)
                odds = torch.exp(-lo)
            else:
                raise SystemExit(f"calibration.json: stability signal {names[0]} is not modelled here")
            l1, flips = 0, 0
            for dy, dx in DIRECTIONS:
                ls = self.full.run(shift(x, dy, dx))["logits"]
                l1 = l1 + (p - F.softmax(ls, 1)).abs().sum(1)
                m = ls.gather(1, y[:, None])[:, 0] - ls.scatter(1, y[:, None], -float("inf")).max(1).values
                flips = flips + (torch.sigmoid(-m / 0.25) if soft else (m < 0).float())
            sig = torch.stack([odds / sc[0], l1 / len(DIRECTIONS) / sc[1], flips / len(DIRECTIONS) / sc[2]], 1)
            out["stability"] = sig.max(1).values / self.stability["threshold"]
        if self.squeeze:
            sc = self.squeeze["signal_scales"]
            kinds = self.squeeze["signals"]
            names = self.squeeze["squeezers"]
            lo = log_odds(logp, y)
            sig = [None] * (len(kinds) * len(names))
            for s, name in enumerate(names):
                lq = F.log_softmax(self.full.run(squeezer(name)(x))["logits"], 1)
                for k, kind in enumerate(kinds):
                    if kind == "softmax-l1":
                        v = (p - lq.exp()).abs().sum(1)
                    elif kind == "margin-drop":
                        v = F.relu(lo - log_odds(lq, y))
                    else:
                        raise SystemExit(f"calibration.json: perturbation signal {kind} is not modelled here")
                    sig[k * len(names) + s] = v / sc[k * len(names) + s]
            out["perturbation"] = torch.stack(sig, 1).max(1).values / self.squeeze["threshold"]
        if self.consensus:
            total = 0
            for m, tail in zip(self.consensus["members"], self.consensus["tails"]):
                if m in out:  # score = ratio * threshold
                    thr = self.learned["threshold"] if m == "learned" else (self.stability if m == "stability" else self.squeeze)["threshold"]
                    total = total + surprise(tail["tail"], tail["tail_step"], out[m] * thr)
            out["consensus"] = total / self.consensus["threshold"] + torch.zeros(len(x))
        return out, logits


def adaptive_pgd(mon, x, y, eps, steps, margin=0.8):
    n = len(x)
    alpha = 2.5 * eps / steps
    adv = x.clone()
    best = x.clone()
    best_worst = torch.full((n,), float("inf"))
    for t in range(steps + 1):
        with torch.no_grad():  # the exact check on the 8-bit frame
            a8 = A.q8(adv)
            r, logits = mon.ratios(a8, soft=False)
            worst = torch.stack(list(r.values()), 1).max(1).values if r else torch.zeros(n)
            fooled = logits.argmax(1) != y
            better = fooled & (worst < best_worst)
            best[better] = a8[better]
            best_worst = torch.where(better, worst, best_worst)
        if t == steps:
            break
        adv.requires_grad_(True)
        r, logits = mon.ratios(adv)
        loss = -F.cross_entropy(logits, y, reduction="none").clamp(max=10)
        for v in r.values():
            loss = loss + F.relu(v - margin)
        g, = torch.autograd.grad(loss.sum(), adv)
        adv = torch.min(torch.max(adv.detach() - alpha * g.sign(), x - eps), x + eps).clamp(0, 1)
    return best, best_worst


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/fashion-mnist-cnn")
    ap.add_argument("--out", default="models/fixtures")
    ap.add_argument("--per-kind", type=int, default=100)
    ap.add_argument("--eps", default="0.1", help="comma-separated L-inf budgets, one kind each")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data-dir", default=A.DATA_DIR)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t_all = time.time()
    cal_path = os.path.join(args.model, "calibration.json")
    with open(cal_path) as f:
        cal = json.load(f)
    import hashlib
    with open(os.path.join(args.model, "model.onnx"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    if cal.get("model_sha256") != sha:
        raise SystemExit(f"{cal_path} was made for other weights than model.onnx: run ./monitor calibrate first")
    model = A.load_classifier(args.model, args.data_dir)
    full = A.OnnxTorch(os.path.join(args.model, "model.onnx"), head=True).eval()
    for p in full.params.values():
        p.requires_grad_(False)
    mon = Monitor(full, cal)
    print(f"modelled detectors: {[d for d in ('learned', 'stability', 'perturbation', 'consensus') if cal['detectors'].get(d)]}")

    xte = torch.from_numpy(A.load_idx(os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)
    yte = torch.from_numpy(A.load_idx(os.path.join(args.data_dir, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    pred = A.predict(model, xte).argmax(1)
    pool = torch.arange(A.FIRST_SOURCE, len(xte))
    pool = pool[pred[pool] == yte[pool]]
    man = os.path.join(args.out, "manifest.csv")
    with open(man, newline="") as f:
        rows = list(csv.DictReader(f))
    for ei, eps_s in enumerate(args.eps.split(",")):
        eps = float(eps_s)
        kind = f"adaptive-pgd-{eps_s}"
        t0 = time.time()
        g = torch.Generator().manual_seed(args.seed * 1000 + SOURCE_OFFSET + ei)
        src = pool[torch.randperm(len(pool), generator=g)[:args.per_kind]].sort().values
        x, y = xte[src], yte[src]
        adv, worst = adaptive_pgd(mon, x, y, eps, args.steps)
        with torch.no_grad():
            conf, lab = A.predict(model, adv).max(1)
        keep = lab != y
        l0, l2, linf = A.norms(adv, x)
        d = os.path.join(args.out, kind)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.endswith(".png"):
                os.remove(os.path.join(d, f))
        rows = [r for r in rows if r["kind"] != kind]
        k = 0
        for j in keep.nonzero().squeeze(1).tolist():
            name = f"{kind}/{kind}-{k:04d}.png"
            Image.fromarray((adv[j, 0].numpy() * 255).round().astype(np.uint8), "L").save(os.path.join(args.out, name), optimize=True)
            rows.append({"file": name, "kind": kind, "source_index": int(src[j]), "true_label": int(y[j]),
                         "adv_label": int(lab[j]), "confidence": f"{conf[j].item():.6f}", "family": "adaptive",
                         "l0": int(l0[j]), "l2": f"{l2[j].item():.4f}", "linf": f"{linf[j].item():.4f}",
                         "detail": f"modelled-worst-ratio={worst[j].item():.3f}"})
            k += 1
        evaded = (worst[keep] < 1).float().mean().item() if keep.any() else float("nan")
        print(f"{kind}: {k} of {len(x)} fool the classifier; {evaded:.1%} of those pass every modelled detector at "
              f"its calibrated threshold ({time.time() - t0:.0f} s)", flush=True)
    with open(man, "w", newline="") as f:
        w = csv.DictWriter(f, A.COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"done in {time.time() - t_all:.0f} s")


if __name__ == "__main__":
    main()
