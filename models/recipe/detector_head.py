#!/usr/bin/python3
"""Train the adversarial detector head and graft it onto a bundle's model.onnx as a third output.

Usage (from the repository root, Debian's Python; seeded, so a rerun gives the same head):

    PYTHONPATH=models/recipe /usr/bin/python3 models/recipe/detector_head.py --model models/fashion-mnist-cnn --threads 2 \
        --cache /tmp/head-attacks.npz --leave-out-variants --fixtures models/fixtures --corruptions models/corruptions

What an alert of this head must mean: "this decision rests on something nonsensical", not "this frame is not
pristine" (issue 10). So ordinary camera conditions are CLEAN here: training images under corruptions.py's
corruptions (noise, blur, light, JPEG, fog, small shifts, ...) on which the classifier stays right are trained as
clean, and thresholds are read on clean + corrupted holdout frames. An earlier head learned random noise as
"perturbation" and flagged every noisy frame; that option is gone.

A small network looks at the pixels AND at the classifier's own penultimate features and log-probabilities
(Metzen et al., "On Detecting Adversarial Perturbations", ICLR 2017, attach a detector to a classifier's layers
the same way). It never sees the test split the committed fixtures and corruption frames come from.

What it does:
  1. holdout: the classifier's validation split (train.py: default_rng(seed).permutation(60000)[:val_size]);
     neither the classifier nor this head ever trains on it, so `./monitor calibrate` sets thresholds there.
     Written to <model>/holdout.txt (one training-split index per line).
  2. training attacks: every kind of attacks.py (its functions and settings) on correctly classified non-holdout
     TRAINING images (--per-kind sources per kind, --slow-per-kind for the costly kinds, --evo-count evolved
     fooling images), kept where they still fool after 8-bit rounding (masked-*: still >= 0.9 confident), plus
     the TRAINING-ONLY kinds "linf-range" (FGSM, PGD and MI-FGSM at L-inf budgets drawn per image from 0.05-0.3;
     family linf) and "l2-range" (PGD at L2 budgets drawn per image from 1.0-3.5; left out of the linf and the
     minimal-l2 variants), never fixtures; each kind's random generator is seeded by its place in TRAIN_KINDS, so a
     --cache holding some kinds gives the same frames as a run that makes them all (a cache does not record a
     kind's settings: after changing LINF_RANGE or L2_RANGE, start another). Class "perturbation": frames of a real image
     whose decision was moved (linf, minimal-l2, sparse, patch, spatial, query-score, query-decision, universal
     families); class "fooling": confident decisions on frames a person would not label so (fooling and
     overinterpretation families).
  3. clean side: --clean clean non-holdout training images plus --corrupted non-holdout training images under a
     uniformly drawn corruption and severity (corruptions.random_corruption), those the classifier still gets right.
  4. head: three 3x3 conv blocks on the pixels, concatenated with the classifier's features and log-probabilities,
     two dense layers, 3 logits: clean, perturbation, fooling. --epochs epochs, Adam, one-cycle; each attack class
     weighs half the clean class in the loss.
  5. the head is exported alone and its nodes appended to the classifier graph (names prefixed "adversarial/"),
     reading the classifier's own input, features and logits tensors; the classifier's nodes and weights are not
     touched, so logits and features stay bit-identical. New output: "adversarial" [N,3]. An existing head is replaced.
  6. reports the head ALONE at thresholds read on the holdout (its 5,000 clean frames + one corrupted copy of each
     that the classifier still gets right) at 1% / 2% / 3% false alarms there: per fixture kind (--fixtures), per
     corruption on the committed corruption set (--corruptions, frames the classifier gets right), on clean test
     frames (--clean-frames), with ROC-AUCs against the clean test frames.

--leave-out FAMILIES trains without those attack families (attacks.FAMILIES) and only reports, unless
--variant-out says where to write the grafted graph. --leave-out-variants additionally trains one head per family
without that family and writes <model>/heads/leave-out-<family>.onnx (the same classifier graph with that head)
and the map in manifest.json (adversarial_head.leave_out), for `./monitor evaluate`'s leave-one-family-out table.

Afterwards: regenerate the fixtures (attacks.py; the model's sha256 changed, the frames do not) and recalibrate
(./monitor calibrate).
"""
import argparse
import csv
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attacks as A  # noqa: E402  (the attack functions and the ONNX-to-torch rebuild)
import corruptions as C  # noqa: E402  (ordinary camera conditions)

PREFIX = "adversarial/"
OUTPUT = "adversarial"
CLASSES = ["clean", "perturbation", "fooling"]
FOOLING_FAMILIES = {"fooling", "overinterpretation"}
NOISE = ["gaussian-noise", "shot-noise", "impulse-noise"]
SLOW = {"patch", "universal-patch", "spatial", "square", "hsj"}
UPATCH_STICKERS = 3  # universal stickers fitted for the head's training (each on its own training images)
# TRAINING-ONLY attack kinds (never fixtures, so the evaluation still measures settings the head was not shaped
# on), with their families for the leave-one-family-out variants. "linf-range": FGSM, PGD and MI-FGSM at an L-inf
# budget drawn per image, log-uniform in LINF_RANGE, a third each. The recipe's L-inf kinds all sit at 0.05-0.2
# and a head trained on them alone learns "FGSM at 0.1" more than "a gradient-sign perturbation": it flagged under
# half of the FGSM frames at 0.05 or 0.2 and of PGD at 8/255 (BENCHMARKS.md, "attack settings nobody listed").
# The range starts at 0.05: from 0.02 up, the small budgets looked like sensor noise to the head, calibrate gave it
# less of the budget and it lost FGSM at 0.1 (83.8 -> 75.7%; BENCHMARKS.md, "Issue 10", second item).
# "l2-range": PGD under an L2 budget drawn per image, log-uniform in L2_RANGE (no kind of the recipe bounds the L2
# norm: CW and DeepFool MINIMISE it, so a head trained on them learns "just across the boundary"); a dense
# gradient perturbation like the L-inf kinds and measured in L2 like the minimal-L2 ones, so the leave-out variants
# of BOTH families never see it (ALSO_LEFT_OUT). The range starts at 1.0, where the mildest sensor noise of the
# corruption recipe (Gaussian, sigma 0.04) already sits.
TRAIN_ONLY = {"linf-range": "linf", "l2-range": "linf"}
ALSO_LEFT_OUT = {"l2-range": {"minimal-l2"}}
LINF_RANGE = (0.05, 0.3)
L2_RANGE = (1.0, 3.5)
TRAIN_KINDS = A.KINDS + list(TRAIN_ONLY)  # each kind's generator is seeded by its place here: new kinds at the end
FAMILY = {**A.FAMILIES, **TRAIN_ONLY}


def families_of(kind):
    """Every family whose leave-out variant must not see this kind."""
    return {FAMILY[kind]} | ALSO_LEFT_OUT.get(kind, set())


def head_class(kind):
    return 2 if FAMILY[kind] in FOOLING_FAMILIES else 1


def linf_range(model, x, y, gen):
    """The training-only kind "linf-range": a third each FGSM, PGD (20 steps) and MI-FGSM, every image at its own
    L-inf budget, log-uniform in LINF_RANGE; rounded to 8 bits like attacks.attack's frames."""
    lo, hi = np.log(LINF_RANGE[0]), np.log(LINF_RANGE[1])
    eps = torch.exp(lo + (hi - lo) * torch.rand(len(x), generator=gen))[:, None, None, None]
    parts = torch.arange(len(x)) % 3
    adv = x.clone()
    for k, fn in enumerate((lambda xs, ys, e: A.fgsm(model, xs, ys, e),
                            lambda xs, ys, e: A.pgd(model, xs, ys, e, 20, gen),
                            lambda xs, ys, e: A.mifgsm(model, xs, ys, e))):
        i = parts == k
        if i.any():
            adv[i] = fn(x[i], y[i], eps[i])
    return A.q8(adv)


def l2_range(model, x, y, gen, steps=20):
    """The training-only kind "l2-range": PGD (20 steps of 2.5 budget / steps along the normalised gradient, from a
    random point of the ball, projected on it), every image at its own L2 budget, log-uniform in L2_RANGE; rounded
    to 8 bits like attacks.attack's frames."""
    lo, hi = np.log(L2_RANGE[0]), np.log(L2_RANGE[1])
    eps = torch.exp(lo + (hi - lo) * torch.rand(len(x), generator=gen))[:, None, None, None]

    def project(adv):
        d = adv - x
        n = d.flatten(1).norm(dim=1)[:, None, None, None].clamp(min=1e-12)
        return (x + d * torch.clamp(eps / n, max=1.0)).clamp(0, 1)

    start = torch.randn(x.shape, generator=gen)
    start = start / start.flatten(1).norm(dim=1)[:, None, None, None] * eps * torch.rand(len(x), 1, 1, 1, generator=gen)
    adv = project(x + start)
    for _ in range(steps):
        adv.requires_grad_(True)
        g, = torch.autograd.grad(F.cross_entropy(model(adv), y), adv)
        g = g / g.flatten(1).norm(dim=1)[:, None, None, None].clamp(min=1e-12)
        adv = project(adv.detach() + 2.5 * eps / steps * g)
    return A.q8(adv.detach())


class Head(nn.Module):
    """Pixels through three conv blocks, joined with the classifier's features and log-probabilities."""

    def __init__(self, mean, std, features_dim, classes, width=16):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).reshape(1, 1, 1, 1))
        self.register_buffer("std", torch.tensor(std).reshape(1, 1, 1, 1))
        self.c1 = nn.Conv2d(1, width, 3, padding=1)
        self.c2 = nn.Conv2d(width, 2 * width, 3, padding=1)
        self.c3 = nn.Conv2d(2 * width, 2 * width, 3, padding=1)
        self.f1 = nn.Linear(2 * width * 3 * 3 + features_dim + classes, 64)
        self.f2 = nn.Linear(64, len(CLASSES))

    def forward(self, x, features, logits):
        h = (x - self.mean) / self.std
        h = F.max_pool2d(F.relu(self.c1(h)), 2)
        h = F.max_pool2d(F.relu(self.c2(h)), 2)
        h = F.max_pool2d(F.relu(self.c3(h)), 2)
        # /10 keeps the classifier's inputs on the scale of the conv activations
        h = torch.cat([h.flatten(1), features / 10, F.log_softmax(logits, 1) / 10], 1)
        return self.f2(F.relu(self.f1(h)))


class Ensemble(nn.Module):
    """Heads trained alike from different seeds, as one head: log of their mean class probabilities, so the
    monitor's softmax of this output is that mean. One training run of a small head varies by several points per
    attack kind at a false-alarm rate of 1%; the mean of a few varies less and ranks the tail better."""

    def __init__(self, heads):
        super().__init__()
        self.heads = nn.ModuleList(heads)

    def forward(self, x, features, logits):
        p = F.softmax(self.heads[0](x, features, logits), 1)
        for h in self.heads[1:]:
            p = p + F.softmax(h(x, features, logits), 1)
        # + 1e-20: a class no member gives any probability stays finite (exported as Softmax, Add, Div, Log)
        return torch.log(p / len(self.heads) + 1e-20)


def strip_head(m):
    """The classifier graph alone: drops a head grafted by an earlier run."""
    keep = [n for n in m.graph.node if not any(o.startswith(PREFIX) or o == OUTPUT for o in n.output)]
    del m.graph.node[:]
    m.graph.node.extend(keep)
    inits = [i for i in m.graph.initializer if not i.name.startswith(PREFIX)]
    del m.graph.initializer[:]
    m.graph.initializer.extend(inits)
    outs = [o for o in m.graph.output if o.name != OUTPUT]
    del m.graph.output[:]
    m.graph.output.extend(outs)
    return m


def graft(classifier, head_path, out_path):
    """Appends the exported head's nodes to the classifier graph, wired to its input/features/logits."""
    h = onnx.load(head_path)
    wire = {"x": "input", "features_in": "features", "logits_in": "logits"}

    def rename(name):
        if not name:
            return name
        if name in wire:
            return wire[name]
        if name == "head_out":
            return OUTPUT
        return PREFIX + name

    for init in h.graph.initializer:
        init.name = rename(init.name)
        classifier.graph.initializer.append(init)
    for n in h.graph.node:
        for k, v in enumerate(n.input):
            n.input[k] = rename(v)
        for k, v in enumerate(n.output):
            n.output[k] = rename(v)
        n.name = PREFIX + n.name
        classifier.graph.node.append(n)
    out = onnx.helper.make_tensor_value_info(OUTPUT, onnx.TensorProto.FLOAT, ["N", len(CLASSES)])
    classifier.graph.output.append(out)
    onnx.checker.check_model(classifier, full_check=True)
    onnx.save(classifier, out_path)


def roc_auc(pos, neg):
    """P(score of a positive > score of a negative), ties counting half."""
    pos, neg = np.asarray(pos, np.float64), np.asarray(neg, np.float64)
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    allv = np.concatenate([pos, neg])
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(len(allv))
    sv = allv[order]
    i = 0
    while i < len(sv):  # average ranks over ties
        j = i
        while j + 1 < len(sv) and sv[j + 1] == sv[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


_PNGS = {}


def read_pngs(folder, files):
    key = (folder, tuple(files))
    if key not in _PNGS:  # the same tensor for the same files: classifier_outputs then remembers its outputs
        _PNGS[key] = _read_pngs(folder, files)
    return _PNGS[key]


def _read_pngs(folder, files):
    return torch.from_numpy(np.stack([np.asarray(Image.open(os.path.join(folder, f)), dtype=np.float32) / 255
                                      for f in files]))[:, None]


_OUTPUTS = {}


def classifier_outputs(model, x, batch=2000):
    """(features, logits) of the classifier on x, remembered per tensor: the leave-out variants train and are
    measured on the same frames, and the classifier is frozen, so it runs once per frame set."""
    key = (x.data_ptr(), tuple(x.shape))
    if key not in _OUTPUTS:
        with torch.no_grad():
            env = [model.run(x[i:i + batch]) for i in range(0, len(x), batch)]
        _OUTPUTS[key] = (x, torch.cat([e["features"] for e in env]), torch.cat([e["logits"] for e in env]))
    return _OUTPUTS[key][1:]


def score(model, head, x, batch=2000):
    """1 - p(clean): the learned detector's score."""
    if len(x) == 0:
        return np.zeros(0)
    feat, logits = classifier_outputs(model, x)
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(1 - F.softmax(head(x[i:i + batch], feat[i:i + batch], logits[i:i + batch]), 1)[:, 0])
    return torch.cat(out).numpy()


def training_attacks(model, xtr, ytr, pool, args, mask_value):
    """{kind: uint8 frames [n,1,28,28]} for every attacks.py kind on training images, reusing --cache."""
    z = dict(np.load(args.cache)) if args.cache and os.path.exists(args.cache) else {}
    if z:
        print(f"reusing training attacks from {args.cache}: {sorted(z)}")
    for kind in TRAIN_KINDS:
        if kind in z or (args.attacks_only and kind not in args.attacks_only):
            continue
        t0 = time.time()
        g = torch.Generator().manual_seed(args.seed * 1000 + TRAIN_KINDS.index(kind))
        n = (args.counts[kind] if kind in args.counts else args.evo_count if kind == "fool-evo"
             else args.slow_per_kind if kind in SLOW else args.per_kind)
        if n <= 0:  # --counts kind=0: not in this head's training
            z[kind] = np.zeros((0, 1, 28, 28), np.uint8)
            print(f"  {kind}: none (--counts {kind}=0)", flush=True)
            continue
        # a universal sticker fools few frames: more sources, and several stickers so the head cannot learn one
        groups = UPATCH_STICKERS if kind == "universal-patch" else 1
        if kind == "universal-patch":
            n *= A.UPATCH_SOURCE_FACTOR
        src = pool[torch.randperm(len(pool), generator=g)[:n]].sort().values
        kept = []
        for part in src.chunk(groups):
            if kind in TRAIN_ONLY:
                fn = linf_range if kind == "linf-range" else l2_range
                adv, y, extra = fn(model, xtr[part], ytr[part], g), ytr[part], {}
            else:
                adv, y, extra = A.attack(kind, model, xtr[part], ytr[part], g,
                                         lambda: xtr[pool[torch.randperm(len(pool), generator=g)[:2000]]], len(part), mask_value)
            keep, _, _ = A.still_fools(model, adv, y, kind, extra)
            kept.append(adv[keep])
        kept = torch.cat(kept)
        z[kind] = (kept.numpy() * 255).round().astype(np.uint8)
        print(f"  {kind}: {len(kept)} of {n} training attacks kept ({time.time() - t0:.0f} s)", flush=True)
        if args.cache:
            np.savez_compressed(args.cache, **z)  # after every kind: an interrupted run loses one kind at most
    return z


_FRAMES = {}  # attack kind -> float frames, one tensor per kind (so classifier_outputs remembers them)


def train_ensemble(model, clean_x, z, leave, mean, args, tag="", memo=False):
    """--ensemble heads trained alike from seeds seed+1, seed+101, ...; one Head when --ensemble is 1."""
    heads = [train_head(model, clean_x, z, leave, mean, args, tag + (f" (member {m + 1}/{args.ensemble})"
                                                                      if args.ensemble > 1 else ""), memo, m)
             for m in range(args.ensemble)]
    return heads[0] if len(heads) == 1 else Ensemble(heads).eval()


def train_head(model, clean_x, z, leave, mean, args, tag="", memo=False, member=0):
    """A head trained on clean_x (clean + corrupted-but-right frames) against the attack kinds not in leave."""
    gen = torch.Generator().manual_seed(args.seed + 1 + 100 * member)
    torch.manual_seed(args.seed + 1 + 100 * member)
    xs, ys = [clean_x], [torch.zeros(len(clean_x), dtype=torch.long)]
    for kind in TRAIN_KINDS:
        if kind in leave or kind not in z or len(z[kind]) == 0:
            continue
        if kind not in _FRAMES:
            _FRAMES[kind] = torch.from_numpy(z[kind].astype(np.float32) / 255)
        xs.append(_FRAMES[kind])
        ys.append(torch.full((len(_FRAMES[kind]),), head_class(kind)))
    X, Y = torch.cat(xs), torch.cat(ys)
    # Per-frame loss weights: every attack kind of a class weighs the same in it (a costly kind with 40 frames
    # counts as much as FGSM with 400), and each attack class as a whole weighs half the clean class.
    W = torch.ones(len(X))
    for c in (1, 2):
        parts = [(i, len(y_)) for i, y_ in enumerate(ys) if i > 0 and int(y_[0]) == c]
        start = np.cumsum([0] + [len(y_) for y_ in ys])
        for i, n in parts:
            W[start[i]:start[i] + n] = 0.5 * len(clean_x) / (len(parts) * n)
    if memo:  # the leave-out variants: classifier outputs per frame set, computed once for all variants
        outs = [classifier_outputs(model, x) for x in xs]
        FEAT = torch.cat([o[0] for o in outs])
        LOG = torch.cat([o[1] for o in outs])
    else:  # the bundle's head: batches of 2,000 over all frames, as the committed head was made (float-exact rerun)
        with torch.no_grad():
            env = [model.run(X[i:i + 2000]) for i in range(0, len(X), 2000)]
            FEAT = torch.cat([e["features"] for e in env])
            LOG = torch.cat([e["logits"] for e in env])
    print(f"  head{tag}: {len(clean_x)} clean (corrupted included), {int((Y == 1).sum())} perturbed, "
          f"{int((Y == 2).sum())} fooling frames", flush=True)
    head = Head(mean, 0.353, FEAT.shape[1], LOG.shape[1])
    opt = torch.optim.Adam(head.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = args.epochs * (len(X) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps)
    t0 = time.time()
    for ep in range(args.epochs):
        head.train()
        perm = torch.randperm(len(X), generator=gen)
        total = 0.0
        for b in range(0, len(X) - 127, 128):
            i = perm[b:b + 128]
            loss = (F.cross_entropy(head(X[i], FEAT[i], LOG[i]), Y[i], reduction="none") * W[i]).sum() / W[i].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        print(f"    epoch {ep + 1}/{args.epochs}: loss {total / (len(X) // 128):.4f} ({time.time() - t0:.0f} s)", flush=True)
    return head.eval()


SHARES = (0.01, 0.02, 0.03)


def report(model, head, holdout_x, args, only_kinds=None, title=""):
    """The head alone at thresholds read on the holdout mix; returns {name: rates at SHARES} (printed too)."""
    th = [float(np.quantile(score(model, head, holdout_x), 1 - s)) for s in SHARES]
    print(f"  {title}thresholds at {' / '.join(f'{s:.0%}' for s in SHARES)} of the {len(holdout_x)} holdout frames "
          f"(clean + corrupted-but-right): {' / '.join(f'{t:.4f}' for t in th)}")
    out = {}

    def line(name, sig, neg=None):
        rates = [float(np.mean(sig > t)) for t in th]
        out[name] = rates
        auc = f"  AUC {roc_auc(sig, neg):.3f}" if neg is not None else ""
        print(f"    {name:16s} n={len(sig):4d}  " + " / ".join(f"{r:6.1%}" for r in rates) + auc, flush=True)

    clean_sig = None
    if args.clean_frames:
        rows = list(csv.DictReader(open(os.path.join(args.clean_frames, "labels.csv"))))
        clean_sig = score(model, head, read_pngs(args.clean_frames, [r["file"] for r in rows]))
        line("clean test", clean_sig)
    if args.corruptions and only_kinds is None:
        rows = [r for r in csv.DictReader(open(os.path.join(args.corruptions, "manifest.csv")))
                if r["model_correct"] == "1"]
        sig = score(model, head, read_pngs(args.corruptions, [r["file"] for r in rows]))
        names = np.array([r["corruption"] for r in rows])
        for name in C.NAMES:
            line(name, sig[names == name])
    if args.fixtures:
        rows = list(csv.DictReader(open(os.path.join(args.fixtures, "manifest.csv"))))
        for kind in A.KINDS:
            files = [r["file"] for r in rows if r["kind"] == kind]
            if files and (only_kinds is None or kind in only_kinds):
                line(kind, score(model, head, read_pngs(args.fixtures, files)), clean_sig)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/fashion-mnist-cnn", help="bundle folder (model.onnx, manifest.json)")
    ap.add_argument("--per-kind", type=int, default=500, help="training-image sources per attack kind")
    ap.add_argument("--slow-per-kind", type=int, default=250, help="sources for the costly kinds: " + ", ".join(sorted(SLOW)))
    ap.add_argument("--evo-count", type=int, default=200, help="evolved fooling images (the slowest kind)")
    ap.add_argument("--counts", default="", help="per-kind overrides, kind=n,kind=n (sources; universal-patch: x"
                    f"{A.UPATCH_SOURCE_FACTOR}); the other kinds use --per-kind / --slow-per-kind / --evo-count")
    ap.add_argument("--attacks-only", default="", help="comma-separated kinds: only generate these into --cache and "
                    "exit (to split the attack generation over processes; each kind is seeded alone, so the frames "
                    "are the same as in one run)")
    ap.add_argument("--clean", type=int, default=20000, help="clean non-holdout training images for the head")
    ap.add_argument("--corrupted", type=int, default=20000, help="non-holdout training images under a random corruption "
                    "(corruptions.py, all severities); those the classifier still gets right are trained as CLEAN")
    ap.add_argument("--extra-noisy", type=int, default=0, help="additional non-holdout training images under a random "
                    "noise corruption (" + ", ".join(NOISE) + "; all severities), trained as CLEAN where the classifier "
                    "stays right")
    ap.add_argument("--extra-clean", type=int, default=0, help="additional non-holdout training images under a random "
                    "corruption of --extra-clean-corruptions (all severities), trained as CLEAN where the classifier "
                    "stays right: for the corruptions the head still mistakes for attacks")
    ap.add_argument("--extra-clean-corruptions", default="lines,rotate", help="comma-separated corruptions for "
                    "--extra-clean: the recipe's (" + ",".join(C.NAMES) + ") or its training-only conditions ("
                    + ",".join(C.EXTRA_NAMES) + "); default: lines,rotate")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--ensemble", type=int, default=1, help="heads trained alike from different seeds and exported as "
                    "one (the mean of their class probabilities); the leave-out variants get as many")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data-dir", default=A.DATA_DIR)
    ap.add_argument("--cache", default="", help="npz of generated training attacks to reuse or extend (speeds reruns)")
    ap.add_argument("--leave-out", default="", help="comma-separated attack FAMILIES (" + ", ".join(sorted(set(A.FAMILIES.values())))
                    + ") to leave out of the head's training; implies --check-only unless --variant-out is given")
    ap.add_argument("--variant-out", default="", help="with --leave-out: write the grafted graph here (nothing else)")
    ap.add_argument("--leave-out-variants", action="store_true", help="also train one head per family without it and "
                    "write <model>/heads/leave-out-<family>.onnx + manifest adversarial_head.leave_out")
    ap.add_argument("--variants-only", action="store_true", help="train only the leave-out variants (all families, or "
                    "--variant-families) and add them to the manifest; model.onnx and its head are left as they are")
    ap.add_argument("--variant-families", default="", help="with --variants-only: comma-separated families (default all)")
    ap.add_argument("--check-only", action="store_true", help="train and report, but write nothing into the bundle")
    ap.add_argument("--fixtures", default="", help="report the head alone on these attack fixtures (manifest.csv)")
    ap.add_argument("--corruptions", default="", help="report its false alarms on this corruption set (manifest.csv)")
    ap.add_argument("--clean-frames", default="models/eval/fashion-mnist-test", help="clean test frames (labels.csv) "
                    "for false alarms and ROC-AUCs; '' = none")
    args = ap.parse_args()
    unknown = [n for n in args.extra_clean_corruptions.split(",") if n and n not in C.NAMES + C.EXTRA_NAMES]
    if unknown:
        ap.error(f"--extra-clean-corruptions: unknown {unknown}; known: {C.NAMES + C.EXTRA_NAMES}")
    try:
        args.counts = {k: int(n) for k, n in (kv.split("=") for kv in args.counts.split(",") if kv)}
    except ValueError:
        raise SystemExit(f"--counts: expected kind=n,kind=n, got {args.counts!r}")
    if args.ensemble < 1:
        raise SystemExit(f"--ensemble: at least 1 head, got {args.ensemble}")
    args.attacks_only = [k for k in args.attacks_only.split(",") if k]
    bad = [k for k in list(args.counts) + args.attacks_only if k not in TRAIN_KINDS]
    if bad:
        raise SystemExit(f"--counts/--attacks-only: unknown kinds {bad} (kinds: {TRAIN_KINDS})")
    if args.attacks_only and not args.cache:
        raise SystemExit("--attacks-only needs --cache (where the frames go)")
    families = sorted(set(A.FAMILIES.values()))
    args.variant_families = [f for f in args.variant_families.split(",") if f]
    if set(args.variant_families) - set(families):
        raise SystemExit(f"--variant-families: unknown {sorted(set(args.variant_families) - set(families))} (families: {families})")
    leave_fams = [f for f in args.leave_out.split(",") if f]
    unknown = set(leave_fams) - set(families)
    if unknown:
        raise SystemExit(f"--leave-out: unknown families {sorted(unknown)} (families: {families})")
    leave = {k for k in FAMILY if families_of(k) & set(leave_fams)}
    check_only = args.check_only or (bool(leave) and not args.variant_out)
    torch.set_num_threads(args.threads)
    t_all = time.time()

    manifest_path = os.path.join(args.model, "manifest.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    # the head trains on the Fashion-MNIST training split (IDX, 1x28x28) and needs train.py's validation split as
    # the holdout; a bundle of one's own (`training` is optional in the manifest) would otherwise fail deep inside
    inp = manifest.get("input", {})
    geometry = (inp.get("channels"), inp.get("height"), inp.get("width"))
    training = manifest.get("training") or {}
    if geometry != (1, 28, 28) or "--val-size" not in training.get("command", ""):
        raise SystemExit(f"{manifest_path}: detector_head.py trains a head only for a Fashion-MNIST bundle made by "
                         f"models/recipe/train.py --val-size N (input 1x28x28, manifest training.command with --val-size); "
                         f"this one takes {'x'.join(str(v) for v in geometry)}"
                         f"{'' if training.get('command') else ' and has no training.command'}. A bundle of your own runs "
                         f"without the learned detector: calibrate it (./monitor calibrate --images DIR), optionally "
                         f"after models/recipe/layer_stats.py for the consistency detector")
    val_size = int(training["command"].split("--val-size")[1].split()[0]) if "--val-size" in training.get("command", "") else 0
    if val_size <= 0:
        raise SystemExit(f"{manifest_path}: training.command has no --val-size: the classifier has no holdout to calibrate on")
    mask_value = float(manifest["input"]["mask_value"][0])
    model_path = os.path.join(args.model, "model.onnx")
    model = A.load_classifier(args.model, args.data_dir)  # the classifier alone (OnnxTorch skips a grafted head)

    xtr_u8 = A.load_idx(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz"))
    xtr = torch.from_numpy(xtr_u8.astype(np.float32) / 255).unsqueeze(1)
    ytr = torch.from_numpy(A.load_idx(os.path.join(args.data_dir, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    # train.py's validation split: the classifier never trained on it
    holdout = np.sort(np.random.default_rng(training["seed"]).permutation(len(xtr))[:val_size])
    if not check_only and not args.variant_out and not args.attacks_only and not args.variants_only:
        with open(os.path.join(args.model, "holdout.txt"), "w") as f:
            f.write("\n".join(str(i) for i in holdout) + "\n")
    inside = np.ones(len(xtr), dtype=bool)
    inside[holdout] = False
    others = torch.from_numpy(np.nonzero(inside)[0])
    pred = A.predict(model, xtr[others]).argmax(1)
    pool = others[pred == ytr[others]]

    z = training_attacks(model, xtr, ytr, pool, args, mask_value)
    t_attacks = time.time() - t_all
    if args.attacks_only:
        print(f"attacks only: {args.attacks_only} in {args.cache} ({t_attacks:.0f} s)")
        return

    def corrupted_right(idx, rng, names=None):
        """Corrupted copies of training images idx (one random corruption each) that the classifier gets right."""
        xc, _, _ = C.corrupt_batch(xtr_u8[idx.numpy()], rng, names)
        xc = torch.from_numpy(xc)[:, None]
        ok = A.predict(model, xc).argmax(1) == ytr[idx]
        return xc[ok]

    gen = torch.Generator().manual_seed(args.seed + 1)
    clean_x = xtr[pool[torch.randperm(len(pool), generator=gen)[:args.clean]]]
    corr_x = corrupted_right(pool[torch.randperm(len(pool), generator=gen)[:args.corrupted]], np.random.default_rng(args.seed + 2))
    if args.extra_noisy > 0:  # sensor noise looks most like an L-inf perturbation to a pixel-reading head
        noisy = corrupted_right(pool[torch.randperm(len(pool), generator=gen)[:args.extra_noisy]],
                                np.random.default_rng(args.seed + 4), NOISE)
        print(f"extra noisy clean frames: {len(noisy)} of {args.extra_noisy} ({', '.join(NOISE)}, all severities)")
        corr_x = torch.cat([corr_x, noisy])
    if args.extra_clean > 0:
        names = [n for n in args.extra_clean_corruptions.split(",") if n]
        extra = corrupted_right(pool[torch.randperm(len(pool), generator=gen)[:args.extra_clean]],
                                np.random.default_rng(args.seed + 5), names)
        print(f"extra clean corrupted frames: {len(extra)} of {args.extra_clean} ({', '.join(names)}, all severities)")
        corr_x = torch.cat([corr_x, extra])
    clean_x = torch.cat([clean_x, corr_x])
    hx = torch.from_numpy(holdout)
    holdout_x = torch.cat([xtr[hx], corrupted_right(hx, np.random.default_rng(args.seed + 3))])
    mean = mask_value  # the training pixel mean
    print(f"clean side: {args.clean} clean + {len(corr_x)} of {args.corrupted} corrupted training frames the classifier "
          f"gets right; holdout mix for thresholds: {len(holdout_x)} frames ({val_size} clean + the corrupted ones right)")

    t0 = time.time()
    head = None
    if not args.variants_only:
        head = train_ensemble(model, clean_x, z, leave, mean, args, f" without {leave_fams}" if leave_fams else "")
        if args.ensemble > 1 and check_only:
            report(model, head.heads[0], holdout_x, args, title="its first member alone; ")
        report(model, head, holdout_x, args, title="head alone; " + (f"left out of training: {leave_fams}; " if leave_fams else ""))
    t_head = time.time() - t0
    if check_only:
        print(f"check only: nothing written ({time.time() - t_all:.0f} s)")
        return

    def write_graph(h, out_path):
        head_path = out_path + ".head.onnx"
        with torch.no_grad():
            e2 = model.run(xtr[:2])
        dummy = (xtr[:2], e2["features"], e2["logits"])
        torch.onnx.export(h, dummy, head_path, opset_version=13, input_names=["x", "features_in", "logits_in"],
                          output_names=["head_out"], do_constant_folding=True,
                          dynamic_axes={"x": {0: "N"}, "features_in": {0: "N"}, "logits_in": {0: "N"}, "head_out": {0: "N"}})
        classifier = strip_head(onnx.load(model_path))
        graft(classifier, head_path, out_path)
        os.remove(head_path)
        # The grafted graph must give the head's numbers and leave the classifier's alone.
        from onnx_numpy import OnnxNumpy
        logits, features, adv = OnnxNumpy(out_path).run({"input": xtr[:64].numpy()}, ["logits", "features", OUTPUT])
        with torch.no_grad():
            e = model.run(xtr[:64])
            ref = h(xtr[:64], e["features"], e["logits"]).numpy()
        d_cls = np.abs(logits - e["logits"].numpy()).max()
        d_feat = np.abs(features - e["features"].numpy()).max()
        d_head = np.abs(adv - ref).max()
        print(f"  {out_path}: grafted graph vs torch: classifier logits {d_cls:.2e}, features {d_feat:.2e}, head {d_head:.2e}")
        assert d_cls < 1e-3 and d_feat < 1e-3 and d_head < 1e-3, "the grafted graph disagrees with the trained modules"

    if args.variant_out:
        write_graph(head, args.variant_out)
        print(f"wrote {args.variant_out} ({time.time() - t_all:.0f} s)")
        return
    if head is not None:
        write_graph(head, model_path)

    variants, variant_rates, t_variants = {}, {}, time.time()
    if args.leave_out_variants or args.variants_only:
        os.makedirs(os.path.join(args.model, "heads"), exist_ok=True)
        for fam in args.variant_families or families:
            kinds = {k for k in FAMILY if fam in families_of(k)}
            h = train_ensemble(model, clean_x, z, kinds, mean, args, f" without {fam}", memo=True)
            variant_rates[fam] = report(model, h, holdout_x, args, only_kinds=kinds, title=f"held out: {fam}; ")
            rel = f"heads/leave-out-{fam}.onnx"
            write_graph(h, os.path.join(args.model, rel))
            variants[fam] = rel
    t_variants = time.time() - t_variants

    if args.variants_only:
        with open(manifest_path) as f:  # read again: another process may have added its variants meanwhile
            manifest = json.load(f)
        head_meta = manifest.setdefault("adversarial_head", {})
        head_meta.setdefault("leave_out", {}).update(variants)
        head_meta.setdefault("leave_out_commands", []).append(
            " ".join(["/usr/bin/python3", "models/recipe/detector_head.py"] + sys.argv[1:]))
        head_meta.setdefault("seconds", {})["leave_out_variants"] = round(
            head_meta.get("seconds", {}).get("leave_out_variants", 0) + t_variants)
        with open(manifest_path, "w") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
        print(f"wrote {len(variants)} leave-one-family-out graphs and their manifest entries ({time.time() - t_all:.0f} s)")
        return
    manifest["outputs"][OUTPUT] = OUTPUT
    manifest["outputs"]["adversarial_classes"] = CLASSES
    manifest["calibration_holdout"] = "holdout.txt"
    manifest["adversarial_head"] = {
        "recipe": "models/recipe/detector_head.py",
        "command": " ".join(["/usr/bin/python3", "models/recipe/detector_head.py"] + sys.argv[1:]),
        "seed": args.seed,
        "epochs": args.epochs,
        "ensemble": args.ensemble,
        "clean_images": args.clean,
        "corrupted_images_trained_as_clean": len(corr_x),
        "extra_noisy_images": args.extra_noisy,
        "extra_clean_images": args.extra_clean,
        "extra_clean_corruptions": args.extra_clean_corruptions if args.extra_clean else "",
        "training_attacks": {k: int(len(z[k])) for k in TRAIN_KINDS if k in z},
        "classes": {"perturbation": sorted(f for f in families if f not in FOOLING_FAMILIES),
                    "fooling": sorted(FOOLING_FAMILIES)},
        "note": "trained on TRAINING-split images outside holdout.txt; corrupted frames the classifier gets right are "
                "clean; attacks made by attacks.py's functions against this model's classifier; never saw the test split",
        "seconds": {"training_attacks": round(t_attacks), "head": round(t_head), "leave_out_variants": round(t_variants),
                    "total": round(time.time() - t_all)},
        "torch_version": torch.__version__,
    }
    if variants:
        manifest["adversarial_head"]["leave_out"] = variants
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {model_path} (+ output '{OUTPUT}'), holdout.txt, manifest.json"
          + (f" and {len(variants)} leave-one-family-out graphs" if variants else "") + f" in {time.time() - t_all:.0f} s")


if __name__ == "__main__":
    main()
