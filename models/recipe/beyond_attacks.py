#!/usr/bin/python3
"""Attack settings BEYOND the recipe: other budgets, norms, targets and step rules than attacks.py's kinds.

The fixtures (attacks.py) are what `./monitor evaluate` reports; nothing learns from them but the detector head,
which learns from the same kinds on training images. This script asks how the detection rates carry over to
settings nobody listed: smaller and larger L-inf budgets, L2-bounded PGD (a norm no kind of the recipe uses),
targeted PGD, PGD without a random start and with another step size, DeepFool with a larger overshoot, and sparse
attacks made otherwise than the recipe's JSMA and PGD-L0: a score-based random search over 20 pixels set to 0 or 1
(after Sparse-RS) and a greedy gradient attack whose pixel changes are bounded (0.5 or 0.3); since the detector head
trains on L-inf budgets drawn from 0.05-0.3 (detector_head.py's "linf-range"), also FGSM at 0.3 (the top of that
range) and PGD at 4/255 (below it); since it also trains on L2 budgets drawn from 1.0-3.5 ("l2-range"), also
L2-PGD at 0.5 and 5.0 (below and above that range); and per-frame stickers of 4x4 and 9x9 pixels (the recipe's
patch is 6x6, the square the perturbation detector's local-median squeezer smooths). It attacks
test images 2,000-9,999 that the fixtures did not use as sources (`default_rng(78)`, 100 per setting), keeps frames
that still fool the model after 8-bit rounding, and from `./monitor score` output reports per setting the share of
those frames that raise an alert and which detectors fired. Nothing here is used by calibrate or any training.

    PYTHONPATH=models/recipe /usr/bin/python3 models/recipe/beyond_attacks.py --out /tmp/beyond-attacks    # ~2 min
    ./monitor score /tmp/beyond-attacks > /tmp/beyond-attacks.jsonl
    /usr/bin/python3 models/recipe/beyond_attacks.py --out /tmp/beyond-attacks --summarize /tmp/beyond-attacks.jsonl
"""
import argparse
import collections
import csv
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attacks as A  # noqa: E402


def pgd_l2(model, x, y, eps, steps, target=None):
    """L2-bounded PGD: steps of 2.5 eps / steps along the normalised gradient, projected on the L2 ball."""
    alpha = 2.5 * eps / steps
    adv = x.clone()
    for _ in range(steps):
        adv.requires_grad_(True)
        loss = F.cross_entropy(model(adv), y if target is None else target)
        g, = torch.autograd.grad(loss, adv)
        g = g / g.flatten(1).norm(dim=1).clamp(min=1e-12)[:, None, None, None]
        adv = adv.detach() + (alpha if target is None else -alpha) * g
        d = adv - x
        n = d.flatten(1).norm(dim=1)[:, None, None, None]
        adv = (x + d * torch.clamp(eps / n.clamp(min=1e-12), max=1.0)).clamp(0, 1)
    return adv.detach()


def pgd_linf(model, x, y, eps, steps, alpha, target=None, gen=None):
    """L-inf PGD with a chosen step and start: random start when gen is given; targeted when target is given."""
    adv = x.clone() if gen is None else (x + (torch.rand(x.shape, generator=gen) * 2 - 1) * eps).clamp(0, 1)
    for _ in range(steps):
        adv.requires_grad_(True)
        loss = F.cross_entropy(model(adv), y if target is None else target)
        g, = torch.autograd.grad(loss, adv)
        step = alpha * g.sign() if target is None else -alpha * g.sign()
        adv = torch.min(torch.max(adv.detach() + step, x - eps), x + eps).clamp(0, 1)
    return adv.detach()


def sparse_rs(model, x, y, k, queries, gen):
    """Score-based sparse random search in the spirit of Sparse-RS (Croce et al., AAAI 2022): k pixels set to 0 or 1,
    a random start, then each query moves one of them to another place (and value); kept when the margin of the true
    class over the runner-up does not grow. Black-box: logits only."""
    n, _, h, w = x.shape
    pos = torch.stack([torch.randperm(h * w, generator=gen)[:k] for _ in range(n)])
    val = torch.randint(0, 2, (n, k), generator=gen).float()

    def apply(p, v):
        a = x.clone().flatten(1)
        a.scatter_(1, p, v)
        return a.view_as(x)

    def margin(a):
        with torch.no_grad():
            z = model(a)
        zy = z.gather(1, y[:, None])[:, 0]
        return zy - z.scatter(1, y[:, None], -float("inf")).max(1).values

    best = margin(apply(pos, val))
    for _ in range(queries):
        active = best > 0
        if not active.any():
            break
        p2, v2 = pos.clone(), val.clone()
        j = torch.randint(0, k, (n,), generator=gen)
        p2[torch.arange(n), j] = torch.randint(0, h * w, (n,), generator=gen)
        v2[torch.arange(n), j] = torch.randint(0, 2, (n,), generator=gen).float()
        m = margin(apply(p2, v2))
        take = active & (m <= best)
        pos[take], val[take], best[take] = p2[take], v2[take], m[take]
    return apply(pos, val)


def few_pixels_bounded(model, x, y, max_pixels, delta):
    """A greedy gradient L0 attack whose changes are bounded: each step moves the not-yet-chosen pixel with the
    largest gradient of the true class's margin by at most `delta` (not to 0 or 1), until the model is fooled."""
    adv = x.clone()
    chosen = torch.zeros_like(x, dtype=torch.bool)
    for _ in range(max_pixels):
        adv.requires_grad_(True)
        z = model(adv)
        m = z.gather(1, y[:, None])[:, 0] - z.scatter(1, y[:, None], -float("inf")).max(1).values
        g, = torch.autograd.grad(m.sum(), adv)
        adv = adv.detach()
        live = (m > 0).detach()
        if not live.any():
            break
        score = g.abs().masked_fill(chosen, -1).flatten(1)
        i = score.argmax(1)
        flat = adv.flatten(1).clone()
        step = -delta * g.flatten(1).gather(1, i[:, None])[:, 0].sign()
        new = (x.flatten(1).gather(1, i[:, None])[:, 0] + step).clamp(0, 1)
        flat[torch.arange(len(x)), i] = torch.where(live, new, flat[torch.arange(len(x)), i])
        c = chosen.flatten(1).clone()
        c[torch.arange(len(x)), i] |= live
        chosen = c.view_as(x)
        adv = flat.view_as(x)
    return adv


def settings(gen):
    return {
        "fgsm-0.05": lambda m, x, y: A.fgsm(m, x, y, 0.05),
        "fgsm-0.2": lambda m, x, y: A.fgsm(m, x, y, 0.2),
        "pgd-0.03": lambda m, x, y: A.pgd(m, x, y, 8 / 255, 20, gen),
        "pgd-0.1-nostart-40": lambda m, x, y: pgd_linf(m, x, y, 0.1, 40, 0.1 / 20),
        "pgd-0.1-targeted": lambda m, x, y: pgd_linf(m, x, y, 0.1, 40, 0.1 / 16, target=(y + 1 + torch.randint(0, 9, y.shape, generator=gen)) % 10, gen=gen),
        "pgd-l2-1.0": lambda m, x, y: pgd_l2(m, x, y, 1.0, 40),
        "pgd-l2-2.0": lambda m, x, y: pgd_l2(m, x, y, 2.0, 40),
        "mifgsm-0.05": lambda m, x, y: A.mifgsm(m, x, y, 0.05),
        "deepfool-overshoot-0.1": lambda m, x, y: A.deepfool(m, x, y, overshoot=0.1),
        "sparse-rs-20": lambda m, x, y: sparse_rs(m, x, y, 20, 1000, gen),
        "few-pixels-0.5": lambda m, x, y: few_pixels_bounded(m, x, y, 40, 0.5),
        "few-pixels-0.3": lambda m, x, y: few_pixels_bounded(m, x, y, 60, 0.3),
        # added 2026-12-02 16:10 UTC, when the detector head began to train on L-inf budgets drawn per image
        # (detector_head.py, "linf-range", 0.05-0.3), which covers the L-inf settings above: its top and a budget below
        "fgsm-0.3": lambda m, x, y: A.fgsm(m, x, y, 0.3),
        "pgd-0.016": lambda m, x, y: A.pgd(m, x, y, 4 / 255, 20, gen),
        # added 2026-12-02 19:20 UTC, when the head began to train on L2 budgets drawn per image too
        # (detector_head.py, "l2-range", 1.0-3.5), which covers pgd-l2-1.0 and -2.0 above: a budget below and above
        "pgd-l2-0.5": lambda m, x, y: pgd_l2(m, x, y, 0.5, 40),
        "pgd-l2-5.0": lambda m, x, y: pgd_l2(m, x, y, 5.0, 40),
        # added 2026-12-02 19:30 UTC with the perturbation detector's local-median squeezer, which smooths the
        # roughest 6x6 square: stickers smaller and larger than the recipe's 6x6 patch
        "patch-4": lambda m, x, y: A.patch_attack(m, x, y, 4, gen),
        "patch-9": lambda m, x, y: A.patch_attack(m, x, y, 9, gen),
    }


def write(out, bundle, per):
    model = A.load_classifier(bundle)
    x_all = A.load_idx(os.path.join(A.DATA_DIR, "t10k-images-idx3-ubyte.gz"))
    y_all = A.load_idx(os.path.join(A.DATA_DIR, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    used = set()
    fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "manifest.csv")
    with open(fixtures) as f:
        for r in csv.DictReader(f):
            used.add(int(r["source_index"]))
    pool = np.array([i for i in range(2000, 10000) if i not in used])
    rng = np.random.default_rng(78)
    gen = torch.Generator().manual_seed(78)
    rows = []
    for name, attack in settings(gen).items():
        src = np.sort(rng.choice(pool, per * 2, replace=False))
        x = torch.from_numpy(x_all[src].astype(np.float32) / 255).unsqueeze(1)
        y = torch.from_numpy(y_all[src])
        right = A.predict(model, x).argmax(1) == y
        x, y, src = x[right][:per], y[right][:per], src[right.numpy()][:per]
        adv = A.q8(attack(model, x, y))
        lab = A.predict(model, adv).argmax(1)
        os.makedirs(os.path.join(out, name), exist_ok=True)
        kept = 0
        for k in range(len(src)):
            if lab[k] == y[k]:
                continue
            file = f"{name}/{int(src[k]):05d}.png"
            Image.fromarray((adv[k, 0].numpy() * 255).round().astype(np.uint8), "L").save(os.path.join(out, file))
            rows.append([file, name, int(src[k]), int(y[k]), int(lab[k])])
            kept += 1
        print(f"{name}: {kept} of {len(src)} fool the model after 8-bit rounding", flush=True)
    with open(os.path.join(out, "labels.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "setting", "source_index", "true_label", "adv_label"])
        w.writerows(rows)


def summarize(out, scores):
    rows = {}
    with open(os.path.join(out, "labels.csv")) as f:
        for r in csv.DictReader(f):
            rows[r["file"]] = r
    stats = collections.defaultdict(lambda: [0, 0, collections.Counter()])
    with open(scores) as f:
        for line in f:
            j = json.loads(line)
            key = "/".join(j["file"].replace("\\", "/").split("/")[-2:])
            if key not in rows:
                continue
            s = stats[rows[key]["setting"]]
            s[0] += 1
            if j["alert"]:
                s[1] += 1
                s[2].update(d for d, v in j["scores"].items() if v["flagged"])
    print("| setting | frames that fool the model | flagged | detectors that fired (share of the frames) |")
    print("|---|---:|---:|---|")
    for name in settings(None):
        n, flagged, by = stats[name]
        if n:
            fired = ", ".join(f"{d} {100 * c / n:.0f}%" for d, c in by.most_common())
            print(f"| {name} | {n} | {100 * flagged / n:.1f}% | {fired} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", default="models/fashion-mnist-cnn")
    ap.add_argument("--per-setting", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--summarize", metavar="JSONL", help="`./monitor score` output for --out: print the table instead")
    args = ap.parse_args()
    if args.summarize:
        summarize(args.out, args.summarize)
        return
    torch.set_num_threads(args.threads)
    write(args.out, args.model, args.per_setting)


if __name__ == "__main__":
    main()
