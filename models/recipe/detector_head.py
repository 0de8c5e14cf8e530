#!/usr/bin/python3
"""Train the adversarial detector head and graft it onto a bundle's model.onnx as a third output.

Usage (from the repository root, Debian's Python; seeded, so a rerun gives the same head):

    PYTHONPATH=models/recipe /usr/bin/python3 models/recipe/detector_head.py --model models/fashion-mnist-cnn --threads 2

Why a learned head: the forward-only scores the issue starts from (feature squeezing, Mahalanobis, KNN)
reach 20-60% on several attack kinds at the false-alarm budget on this data (BENCHMARKS.md). A small
network that looks at the pixels AND at the classifier's own penultimate features and log-probabilities
(Metzen et al., "On Detecting Adversarial Perturbations", ICLR 2017, attach a detector to a classifier's
layers the same way) separates most of them. It is trained on clean TRAINING images against attacks the
recipe makes itself from TRAINING images (attacks.py's functions, same settings), never on the test split
the committed fixtures come from.

What it does:
  1. holdout: the classifier's validation split (train.py: default_rng(seed).permutation(60000)[:val_size]);
     neither the classifier nor this head ever trains on it, so `./monitor calibrate` sets thresholds there.
     Written to <model>/holdout.txt (one training-split index per line).
  2. attacks on 1,000 correctly classified non-holdout training images per kind (300 evolved fooling
     images), kept only where they still fool after 8-bit rounding, as attacks.py does.
  3. head: three 3x3 conv blocks on the pixels, concatenated with the classifier's features and
     log-probabilities, two dense layers, 3 logits: clean, perturbation, fooling. 8 epochs, Adam. The
     perturbation class also gets 3,000 clean images with random noise (no attack): without them the head
     misses most of an L-inf attack family left out of its training (BENCHMARKS.md).
  4. the head is exported alone and its nodes appended to the classifier graph (names prefixed
     "adversarial/"), reading the classifier's own input, features and logits tensors; the classifier's
     nodes and weights are not touched, so logits and features stay bit-identical. New output:
     "adversarial" [N,3]. An existing head is replaced.
  5. prints the head's rates on the holdout (the same numbers calibrate will see).

Afterwards: regenerate the fixtures (attacks.py; the model's sha256 changed, the frames do not) and
recalibrate (./monitor calibrate).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attacks as A  # noqa: E402  (the attack functions and the ONNX-to-torch rebuild)

PREFIX = "adversarial/"
OUTPUT = "adversarial"
CLASSES = ["clean", "perturbation", "fooling"]
PERTURBATIONS = ["fgsm", "pgd-0.05", "pgd-0.1", "pgd-0.2", "cw-l2", "deepfool", "uap"]
FOOLING = ["fool-evo", "fool-grad"]


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/fashion-mnist-cnn", help="bundle folder (model.onnx, manifest.json)")
    ap.add_argument("--per-kind", type=int, default=1000, help="training-image sources per attack kind")
    ap.add_argument("--evo-count", type=int, default=300, help="evolved fooling images (the slowest kind)")
    ap.add_argument("--clean", type=int, default=30000, help="clean non-holdout training images for the head")
    ap.add_argument("--noise", type=int, default=3000, help="clean training images with random noise (uniform or random-sign, "
                    "L-inf 0.02-0.2) added to the perturbation class: no attack needed, and it is what lets the head catch "
                    "L-inf attack families it never saw (BENCHMARKS.md); 0 = none")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data-dir", default=A.DATA_DIR)
    ap.add_argument("--cache", default="", help="npz of generated training attacks to reuse or write (speeds reruns)")
    ap.add_argument("--leave-out", default="", help="comma-separated attack kinds to leave out of the head's training "
                    "(a held-out-family check; implies --check-only)")
    ap.add_argument("--check-only", action="store_true", help="train and report, but write nothing into the bundle")
    ap.add_argument("--fixtures", default="", help="also report the head alone on these fixtures (manifest.csv) at "
                    "thresholds set on the holdout: for the held-out-family check, not for choosing anything")
    args = ap.parse_args()
    leave = {k for k in args.leave_out.split(",") if k}
    unknown = leave - set(PERTURBATIONS + FOOLING)
    if unknown:
        raise SystemExit(f"--leave-out: unknown kinds {sorted(unknown)} (kinds: {PERTURBATIONS + FOOLING})")
    check_only = args.check_only or bool(leave)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    t_all = time.time()

    manifest_path = os.path.join(args.model, "manifest.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    training = manifest["training"]
    val_size = int(training["command"].split("--val-size")[1].split()[0]) if "--val-size" in training["command"] else 0
    if val_size <= 0:
        raise SystemExit(f"{manifest_path}: training.command has no --val-size: the classifier has no holdout to calibrate on")
    model_path = os.path.join(args.model, "model.onnx")
    classifier = strip_head(onnx.load(model_path))
    plain = os.path.join(args.model, ".classifier-only.onnx")
    onnx.save(classifier, plain)
    model = A.OnnxTorch(plain).eval()
    os.remove(plain)
    for p in model.params.values():
        p.requires_grad_(False)

    xtr = torch.from_numpy(A.load_idx(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)
    ytr = torch.from_numpy(A.load_idx(os.path.join(args.data_dir, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    # train.py's validation split: the classifier never trained on it
    holdout = np.sort(np.random.default_rng(training["seed"]).permutation(len(xtr))[:val_size])
    if not check_only:
        with open(os.path.join(args.model, "holdout.txt"), "w") as f:
            f.write("\n".join(str(i) for i in holdout) + "\n")
    inside = np.ones(len(xtr), dtype=bool)
    inside[holdout] = False
    others = torch.from_numpy(np.nonzero(inside)[0])
    pred = A.predict(model, xtr[others]).argmax(1)
    pool = others[pred == ytr[others]]

    if args.cache and os.path.exists(args.cache):
        z = dict(np.load(args.cache))
        print(f"reusing training attacks from {args.cache}")
    else:
        z = {}
        for kind in PERTURBATIONS + FOOLING:
            t0 = time.time()
            src = pool[torch.randperm(len(pool), generator=gen)[:args.per_kind]].sort().values
            x, y = xtr[src], ytr[src]
            adv, y, _ = A.attack(kind, model, x, y, gen, lambda: xtr[pool[torch.randperm(len(pool), generator=gen)[:2000]]],
                                 args.evo_count if kind == "fool-evo" else args.per_kind)
            keep, _, _ = A.still_fools(model, adv, y, kind)
            z[kind] = (adv[keep].numpy() * 255).round().astype(np.uint8)
            print(f"  {kind}: {int(keep.sum())} of {len(adv)} training attacks kept ({time.time() - t0:.0f} s)", flush=True)
        if args.cache:
            np.savez_compressed(args.cache, **z)

    # the head's own generator and seed: a rerun from --cache trains exactly the head a full run trains
    gen = torch.Generator().manual_seed(args.seed + 1)
    torch.manual_seed(args.seed + 1)
    clean_idx = pool[torch.randperm(len(pool), generator=gen)[:args.clean]]
    xs = [xtr[clean_idx]]
    ys = [torch.zeros(len(clean_idx), dtype=torch.long)]
    for kind in PERTURBATIONS + FOOLING:
        if kind in leave:
            continue
        a = torch.from_numpy(z[kind].astype(np.float32) / 255)
        xs.append(a)
        ys.append(torch.full((len(a),), 1 if kind in PERTURBATIONS else 2))
    if args.noise:
        # generic perturbations, no attack: clean non-holdout training images plus random noise, 8-bit rounded
        src = xtr[pool[torch.randperm(len(pool), generator=gen)[:args.noise]]]
        eps = torch.empty(len(src), 1, 1, 1).uniform_(0.02, 0.2, generator=gen)
        signed = torch.randint(0, 2, (len(src), 1, 1, 1), generator=gen) == 1
        u = torch.rand(src.shape, generator=gen) * 2 - 1
        xs.append(A.q8(src + torch.where(signed, torch.sign(u), u) * eps))
        ys.append(torch.full((len(src),), 1))
    X, Y = torch.cat(xs), torch.cat(ys)
    with torch.no_grad():
        env = [model.run(X[i:i + 1000]) for i in range(0, len(X), 1000)]
        FEAT = torch.cat([e["features"] for e in env])
        LOG = torch.cat([e["logits"] for e in env])
    # each attack class weighs half as much as the clean class in the loss
    w = torch.tensor([1.0] + [0.5 * len(clean_idx) / max(1, int((Y == c).sum())) for c in (1, 2)])
    print(f"head training set: {len(clean_idx)} clean, {int((Y == 1).sum())} perturbed ({args.noise} of them random noise), "
          f"{int((Y == 2).sum())} fooling")

    mean = float(manifest["input"]["mask_value"][0])  # the training pixel mean
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
            loss = F.cross_entropy(head(X[i], FEAT[i], LOG[i]), Y[i], weight=w)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        print(f"  epoch {ep + 1}/{args.epochs}: loss {total / (len(X) // 128):.4f} ({time.time() - t0:.0f} s)", flush=True)
    head.eval()

    with torch.no_grad():
        xh = xtr[torch.from_numpy(holdout)]
        eh = model.run(xh)
        ph = F.softmax(head(xh, eh["features"], eh["logits"]), 1)
    shares = (0.01, 0.02, 0.03)
    thresholds = [float(np.quantile(1 - ph[:, 0].numpy(), 1 - share)) for share in shares]
    for share, t in zip(shares, thresholds):
        print(f"  holdout ({len(xh)} clean frames): 1 - p(clean) at {share:.0%} false alarms: threshold {t:.4f}")
    if args.fixtures:
        import csv
        from PIL import Image
        rows = list(csv.DictReader(open(os.path.join(args.fixtures, "manifest.csv"))))
        print("  head alone on " + args.fixtures + " (detected at 1% / 2% / 3% holdout false alarms)"
              + (f"; left out of training: {sorted(leave)}" if leave else ""))
        for kind in PERTURBATIONS + FOOLING:
            files = [r["file"] for r in rows if r["kind"] == kind]
            x = torch.from_numpy(np.stack([np.asarray(Image.open(os.path.join(args.fixtures, f)), dtype=np.float32) / 255
                                           for f in files]))[:, None]
            with torch.no_grad():
                e = model.run(x)
                sig = 1 - F.softmax(head(x, e["features"], e["logits"]), 1)[:, 0].numpy()
            rates = " / ".join(f"{np.mean(sig > t):6.1%}" for t in thresholds)
            print(f"    {kind:10s} n={len(files):4d}  {rates}{'   (held out)' if kind in leave else ''}", flush=True)
    if check_only:
        print(f"check only: nothing written ({time.time() - t_all:.0f} s)")
        return

    head_path = os.path.join(args.model, ".head.onnx")
    dummy = (torch.rand(2, 1, 28, 28), torch.rand(2, FEAT.shape[1]), torch.rand(2, LOG.shape[1]))
    torch.onnx.export(head, dummy, head_path, opset_version=13, input_names=["x", "features_in", "logits_in"],
                      output_names=["head_out"], do_constant_folding=True,
                      dynamic_axes={"x": {0: "N"}, "features_in": {0: "N"}, "logits_in": {0: "N"}, "head_out": {0: "N"}})
    graft(classifier, head_path, model_path)
    os.remove(head_path)

    # The grafted graph must give the head's numbers and leave the classifier's alone.
    from onnx_numpy import OnnxNumpy
    xs8 = xtr[:64].numpy()
    logits, features, adv = OnnxNumpy(model_path).run({"input": xs8}, ["logits", "features", OUTPUT])
    with torch.no_grad():
        e = model.run(xtr[:64])
        ref = head(xtr[:64], e["features"], e["logits"]).numpy()
    d_cls = np.abs(logits - e["logits"].numpy()).max()
    d_head = np.abs(adv - ref).max()
    print(f"grafted graph vs torch: classifier logits {d_cls:.2e}, head {d_head:.2e}")
    assert d_cls < 1e-3 and d_head < 1e-3, "the grafted graph disagrees with the trained modules"

    manifest["outputs"][OUTPUT] = OUTPUT
    manifest["outputs"]["adversarial_classes"] = CLASSES
    manifest["calibration_holdout"] = "holdout.txt"
    manifest["adversarial_head"] = {
        "recipe": "models/recipe/detector_head.py",
        "command": " ".join(["/usr/bin/python3", "models/recipe/detector_head.py"] + sys.argv[1:]),
        "seed": args.seed,
        "epochs": args.epochs,
        "clean_images": len(clean_idx),
        "noise_images": args.noise,
        "training_attacks": {k: int(len(z[k])) for k in PERTURBATIONS + FOOLING},
        "note": "trained on TRAINING-split images outside holdout.txt; attacks made by attacks.py's functions "
                "against this model's classifier; never saw the test split",
        "train_seconds": round(time.time() - t_all),
        "torch_version": torch.__version__,
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {model_path} (+ output '{OUTPUT}'), holdout.txt and manifest.json in {time.time() - t_all:.0f} s")


if __name__ == "__main__":
    main()
