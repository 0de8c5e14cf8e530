#!/usr/bin/python3
"""Generate the attack fixtures that `./monitor evaluate` measures the detectors on.

Usage (from the repository root, Debian's Python; seeded, so a rerun gives the same fixtures):

    /usr/bin/python3 models/recipe/attacks.py --model models/fashion-mnist-cnn --out models/fixtures

Attacks the bundle's ONNX model itself: the graph is rebuilt as a torch module from the ONNX
initializers (BatchNorm is already folded into the convolutions by the export, so the training
class cannot take the weights as they are) and checked against the numpy reference runner.

Source images are Fashion-MNIST TEST images 2,000..9,999 (the first 2,000 are the clean test
frames `evaluate` measures false alarms on, so the two sets never share an image), taken only
where the model classifies them correctly. Every adversarial frame is rounded to 8 bits and kept
only if the ROUNDED frame still fools the model (untargeted: another class; fooling images: the
target class at >= 99% confidence), because 8-bit PNG is what a camera delivers.

Kinds (eps in [0,1] pixel units, L-inf unless said):
  fgsm           FGSM, eps 0.1
  pgd-0.05/0.1/0.2  PGD, 20 steps of eps/8, random start
  cw-l2          Carlini-Wagner L2 (tanh space, Adam, kappa 0, 4 binary-search steps of c)
  deepfool       DeepFool (multi-class, overshoot 0.02, until the 8-bit frame flips)
  uap            one universal perturbation (gradient-based, eps 0.15), fitted on 2,000
                 TRAINING images, applied to test images
  fool-evo       fooling images, evolutionary algorithm with direct encoding ((1+8) per image,
                 Gaussian mutations of 5% of the pixels), >= 99% confidence, 10 target classes
  fool-grad      fooling images by gradient ascent on the target log-probability from uniform
                 noise, >= 99% confidence

Writes <out>/<kind>/<kind>-NNNN.png, <out>/model.sha256 (the attacked model.onnx) and <out>/manifest.csv
(file,kind,source_index,true_label,adv_label,confidence), source_index = position in the test
split (-1 for fooling images), true_label -1 for fooling images.
"""
import argparse
import csv
import gzip
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from PIL import Image

DATA_DIR = "/usr/share/datasets/fashion-mnist"
FIRST_SOURCE = 2000  # test images below this index are the clean evaluation frames


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class OnnxTorch(torch.nn.Module):
    """The ONNX graph as a differentiable torch module (the operators this recipe's exports use)."""

    def __init__(self, path):
        super().__init__()
        m = onnx.load(path)
        # the classifier only: a grafted detector head (detector_head.py) is not what the attacks target
        self.nodes = [n for n in m.graph.node if not any(o == "adversarial" or o.startswith("adversarial/") for o in n.output)]
        self.params = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
        self.input = m.graph.input[0].name

    def forward(self, x):
        return self.run(x)["logits"]

    def run(self, x):
        """Every tensor of the graph by name (logits, features, ...)."""
        env = dict(self.params)
        env[self.input] = x
        for n in self.nodes:
            a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
            i = [env[k] if k else None for k in n.input]
            op = n.op_type
            if op == "Sub":
                y = i[0] - i[1]
            elif op == "Div":
                y = i[0] / i[1]
            elif op == "Add":
                y = i[0] + i[1]
            elif op == "Mul":
                y = i[0] * i[1]
            elif op == "Relu":
                y = F.relu(i[0])
            elif op == "Conv":
                p = a.get("pads", [0, 0, 0, 0])
                assert p[0] == p[2] and p[1] == p[3], "asymmetric padding not supported"
                y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, stride=a.get("strides", 1),
                             padding=(p[0], p[1]), dilation=a.get("dilations", 1), groups=a.get("group", 1))
            elif op == "BatchNormalization":
                y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get("epsilon", 1e-5))
            elif op == "MaxPool":
                p = a.get("pads", [0, 0, 0, 0])
                y = F.max_pool2d(i[0], a["kernel_shape"], a.get("strides", a["kernel_shape"]), (p[0], p[1]),
                                 ceil_mode=bool(a.get("ceil_mode", 0)))
            elif op == "Flatten":
                y = torch.flatten(i[0], a.get("axis", 1))
            elif op == "Reshape":
                y = i[0].reshape([int(v) for v in i[1]])
            elif op == "Gemm":
                aa = i[0].t() if a.get("transA", 0) else i[0]
                bb = i[1].t() if a.get("transB", 0) else i[1]
                y = a.get("alpha", 1.0) * (aa @ bb)
                if len(i) > 2 and i[2] is not None:
                    y = y + a.get("beta", 1.0) * i[2]
            elif op == "MatMul":
                y = i[0] @ i[1]
            elif op == "GlobalAveragePool":
                y = i[0].mean(dim=(2, 3), keepdim=True)
            elif op in ("Identity", "Dropout"):
                y = i[0]
            elif op == "Concat":
                y = torch.cat(i, a["axis"])
            elif op == "LogSoftmax":
                y = F.log_softmax(i[0], a.get("axis", -1))
            elif op == "Constant":
                y = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
            else:
                raise SystemExit(f"{op}: operator not supported by attacks.py's ONNX-to-torch rebuild; add it here")
            env[n.output[0]] = y
        return env


def load_classifier(bundle, data_dir=DATA_DIR):
    """The bundle's classifier (model.onnx without a grafted head) as a frozen torch module, checked against the
    numpy reference runner on 64 test images."""
    model = OnnxTorch(os.path.join(bundle, "model.onnx")).eval()
    for p in model.params.values():
        p.requires_grad_(False)
    x = torch.from_numpy(load_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"))[:64].astype(np.float32) / 255).unsqueeze(1)
    # The rebuilt module must be the bundle's model: compare with the numpy reference runner.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        from onnx_numpy import OnnxNumpy  # the training recipe's reference runner, next to this file
    except ImportError:
        raise SystemExit("onnx_numpy.py (the training recipe's ONNX reference runner) must sit next to attacks.py "
                         "or be on PYTHONPATH: it checks that the torch rebuild is the bundle's model")
    ref, = OnnxNumpy(os.path.join(bundle, "model.onnx")).run({"input": x.numpy()}, ["logits"])
    with torch.no_grad():
        diff = np.abs(model(x).numpy() - ref).max()
    print(f"torch rebuild vs ONNX reference runner: max |logit diff| {diff:.2e}")
    assert diff < 1e-3, "the torch rebuild disagrees with the ONNX graph"
    return model


def q8(x):
    """What a PNG carries: round to 8 bits."""
    return torch.round(x.clamp(0, 1) * 255) / 255


@torch.no_grad()
def predict(model, x, batch=1000):
    return torch.cat([F.softmax(model(x[i:i + batch]), 1) for i in range(0, len(x), batch)])


def fgsm(model, x, y, eps):
    x = x.clone().requires_grad_(True)
    F.cross_entropy(model(x), y).backward()
    return (x + eps * x.grad.sign()).clamp(0, 1).detach()


def pgd(model, x, y, eps, steps, gen):
    alpha = eps / 8
    adv = (x + (torch.rand(x.shape, generator=gen) * 2 - 1) * eps).clamp(0, 1)
    for _ in range(steps):
        adv.requires_grad_(True)
        loss = F.cross_entropy(model(adv), y)
        g, = torch.autograd.grad(loss, adv)
        adv = torch.min(torch.max(adv.detach() + alpha * g.sign(), x - eps), x + eps).clamp(0, 1)
    return adv


def cw_l2(model, x, y, steps=100, search=4, lr=0.01):
    """Carlini-Wagner L2 (kappa 0). Keeps, per image, the smallest perturbation whose 8-bit rounding fools."""
    n = len(x)
    w0 = torch.atanh((x * 2 - 1).clamp(-1 + 1e-6, 1 - 1e-6))
    c = torch.full((n,), 1.0)
    lo, hi = torch.zeros(n), torch.full((n,), 1e10)
    best = x.clone()
    best_l2 = torch.full((n,), float("inf"))
    onehot = F.one_hot(y, 10).bool()
    for _ in range(search):
        w = w0.clone().requires_grad_(True)
        opt = torch.optim.Adam([w], lr=lr)
        success = torch.zeros(n, dtype=torch.bool)
        for _ in range(steps):
            adv = (torch.tanh(w) + 1) / 2
            logits = model(adv)
            real = logits[onehot]
            other = logits.masked_fill(onehot, -1e9).max(1).values
            f = (real - other).clamp(min=0)
            l2 = ((adv - x) ** 2).flatten(1).sum(1)
            loss = (l2 + c * f).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                a8 = q8(adv.detach())
                fooled = model(a8).argmax(1) != y
                d = ((a8 - x) ** 2).flatten(1).sum(1)
                better = fooled & (d < best_l2)
                best[better] = a8[better]
                best_l2[better] = d[better]
                success |= fooled
        hi = torch.where(success, torch.min(hi, c), hi)
        lo = torch.where(success, lo, torch.max(lo, c))
        c = torch.where(hi < 1e9, (lo + hi) / 2, c * 10)
    return best, torch.isfinite(best_l2)


def deepfool(model, x, y, overshoot=0.02, max_iter=50):
    """Multi-class DeepFool; stops per image as soon as its 8-bit rounding is misclassified."""
    adv = x.clone()
    r_tot = torch.zeros_like(x)
    active = torch.ones(len(x), dtype=torch.bool)
    for _ in range(max_iter):
        with torch.no_grad():
            cand = q8(x + (1 + overshoot) * r_tot)
            active &= model(cand).argmax(1) == y
            adv = torch.where(active[:, None, None, None], adv, cand)
        if not active.any():
            break
        idx = active.nonzero().squeeze(1)
        xi = (x[idx] + (1 + overshoot) * r_tot[idx]).clamp(0, 1).requires_grad_(True)
        logits = model(xi)
        yi = y[idx]
        grads = []
        for k in range(logits.shape[1]):
            g, = torch.autograd.grad(logits[:, k].sum(), xi, retain_graph=True)
            grads.append(g)
        grads = torch.stack(grads, 1)  # [b,K,1,28,28]
        g0 = grads[torch.arange(len(idx)), yi]
        f = (logits - logits[torch.arange(len(idx)), yi][:, None]).detach()
        w = grads - g0[:, None]
        wn = w.flatten(2).norm(dim=2) + 1e-8
        ratio = f.abs() / wn
        ratio[torch.arange(len(idx)), yi] = float("inf")
        l = ratio.argmin(1)
        wl = w[torch.arange(len(idx)), l]
        step = (ratio[torch.arange(len(idx)), l] + 1e-4)[:, None, None, None] * wl / wn[torch.arange(len(idx)), l][:, None, None, None]
        r_tot[idx] = r_tot[idx] + step
    with torch.no_grad():
        final = q8(x + (1 + overshoot) * r_tot)
        adv = torch.where(active[:, None, None, None], final, adv)
    return adv


def universal(model, xtrain, eps, epochs, gen, lr=0.005):
    """Gradient-based universal perturbation: ascend the mean cross-entropy over training images, L-inf eps."""
    v = torch.zeros(1, 1, 28, 28)
    with torch.no_grad():
        ytrain = model(xtrain).argmax(1)
    for _ in range(epochs):
        order = torch.randperm(len(xtrain), generator=gen)
        for b in range(0, len(xtrain), 100):
            i = order[b:b + 100]
            v.requires_grad_(True)
            loss = F.cross_entropy(model((xtrain[i] + v).clamp(0, 1)), ytrain[i])
            g, = torch.autograd.grad(loss, v)
            v = (v.detach() + lr * g.sign()).clamp(-eps, eps)
    return v.detach()


def fool_evo(model, n, gen, max_gens=600, offspring=8, rate=0.05, sigma=0.3):
    """Direct-encoding evolution (Nguyen et al. 2015): one (1+lambda) lineage per image, target class i mod 10."""
    targets = torch.arange(n) % 10
    parent = torch.rand(n, 1, 28, 28, generator=gen)
    with torch.no_grad():
        fit = F.log_softmax(model(q8(parent)), 1)[torch.arange(n), targets]
        for _ in range(max_gens):
            if (fit.exp() >= 0.995).all():
                break
            kids = parent.repeat_interleave(offspring, 0)
            mask = torch.rand(kids.shape, generator=gen) < rate
            kids = torch.where(mask, (kids + sigma * torch.randn(kids.shape, generator=gen)).clamp(0, 1), kids)
            kfit = F.log_softmax(model(q8(kids)), 1)[torch.arange(len(kids)), targets.repeat_interleave(offspring)]
            kfit = kfit.view(n, offspring)
            bi = kfit.argmax(1)
            bf = kfit[torch.arange(n), bi]
            improve = bf > fit
            chosen = kids.view(n, offspring, 1, 28, 28)[torch.arange(n), bi]
            parent = torch.where(improve[:, None, None, None], chosen, parent)
            fit = torch.where(improve, bf, fit)
    return q8(parent), targets


def fool_grad(model, n, gen, steps=300, lr=0.05):
    """Gradient ascent on the target log-probability from uniform noise (pixels through a sigmoid)."""
    targets = torch.arange(n) % 10
    z = torch.logit(torch.rand(n, 1, 28, 28, generator=gen).clamp(0.01, 0.99)).requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    for _ in range(steps):
        lp = F.log_softmax(model(torch.sigmoid(z)), 1)[torch.arange(n), targets]
        opt.zero_grad()
        (-lp.sum()).backward()
        opt.step()
        with torch.no_grad():
            if (F.softmax(model(q8(torch.sigmoid(z))), 1)[torch.arange(n), targets] >= 0.995).all():
                break
    return q8(torch.sigmoid(z.detach())), targets


def attack(kind, model, x, y, gen, uap_images, fooling_count):
    """One kind's attack on sources x (true labels y), rounded to 8 bits. Returns (frames, labels, v): the labels
    the frames are judged against (the true labels; for fooling images their target classes) and, for uap, the
    universal perturbation (else None). uap_images() gives the images the perturbation is fitted on; it is called
    only for uap, so the generator is drawn in the same order by every caller."""
    v = None
    if kind == "fgsm":
        adv = fgsm(model, x, y, 0.1)
    elif kind.startswith("pgd-"):
        adv = pgd(model, x, y, float(kind[4:]), 20, gen)
    elif kind == "cw-l2":
        adv, _ = cw_l2(model, x, y)
    elif kind == "deepfool":
        adv = deepfool(model, x, y)
    elif kind == "uap":
        v = universal(model, uap_images(), 0.15, 5, gen)
        adv = (x + v).clamp(0, 1)
    elif kind == "fool-evo":
        adv, y = fool_evo(model, fooling_count, gen)
    elif kind == "fool-grad":
        adv, y = fool_grad(model, fooling_count, gen)
    else:
        raise SystemExit(f"unknown kind {kind}")
    return q8(adv), y, v


def still_fools(model, adv, y, kind):
    """Which 8-bit frames count: another class than y, or for fooling images class y at >= 99%. Returns
    (keep, confidence, label)."""
    conf, lab = predict(model, adv).max(1)
    keep = (lab == y) & (conf >= 0.99) if kind.startswith("fool-") else (lab != y)
    return keep, conf, lab


KINDS = ["fgsm", "pgd-0.05", "pgd-0.1", "pgd-0.2", "cw-l2", "deepfool", "uap", "fool-evo", "fool-grad"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/fashion-mnist-cnn", help="bundle folder with model.onnx")
    ap.add_argument("--out", default="models/fixtures")
    ap.add_argument("--per-kind", type=int, default=200, help="source images (or fooling images) per kind")
    ap.add_argument("--evo-count", type=int, default=100, help="fooling images to evolve (the slowest kind)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data-dir", default=DATA_DIR)
    ap.add_argument("--kinds", default=",".join(KINDS))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    t_all = time.time()

    model = load_classifier(args.model, args.data_dir)
    xte = torch.from_numpy(load_idx(os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)
    yte = torch.from_numpy(load_idx(os.path.join(args.data_dir, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    xtr = torch.from_numpy(load_idx(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)

    pred = predict(model, xte).argmax(1)
    pool = torch.arange(FIRST_SOURCE, len(xte))
    pool = pool[pred[pool] == yte[pool]]
    rows = []
    kinds = args.kinds.split(",")
    os.makedirs(args.out, exist_ok=True)
    for kind in kinds:
        t0 = time.time()
        # seeded by the kind's place in the full list, so `--kinds uap` alone reproduces the same frames
        ki = KINDS.index(kind) if kind in KINDS else len(KINDS)
        g = torch.Generator().manual_seed(args.seed * 1000 + ki)
        src = pool[torch.randperm(len(pool), generator=g)[:args.per_kind]].sort().values
        x, y = xte[src], yte[src]
        fooling = kind.startswith("fool-")
        adv, y, v = attack(kind, model, x, y, g, lambda: xtr[torch.randperm(len(xtr), generator=g)[:2000]],
                           args.evo_count if kind == "fool-evo" else args.per_kind)
        if v is not None:
            # The perturbation itself, for the demo's "stickered" camera: 8-bit, 128 = no change, 1 level = 1/255.
            Image.fromarray((128 + v[0, 0].numpy() * 255).round().clip(0, 255).astype(np.uint8), "L").save(
                os.path.join(args.out, "uap-perturbation.png"), optimize=True)
            with torch.no_grad():
                rate = (model(adv).argmax(1) != y).float().mean().item()
            print(f"  uap: fooling rate on the {len(x)} test sources after 8-bit rounding: {rate:.3f}")
        keep, conf, lab = still_fools(model, adv, y, kind)
        d = os.path.join(args.out, kind)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.endswith(".png"):
                os.remove(os.path.join(d, f))
        n = 0
        for j in keep.nonzero().squeeze(1).tolist():
            name = f"{kind}/{kind}-{n:04d}.png"
            Image.fromarray((adv[j, 0].numpy() * 255).round().astype(np.uint8), "L").save(os.path.join(args.out, name), optimize=True)
            rows.append([name, kind, -1 if fooling else int(src[j]), -1 if fooling else int(y[j]), int(lab[j]), f"{conf[j].item():.6f}"])
            n += 1
        print(f"{kind}: kept {n} of {len(adv)} (still fooling after 8-bit rounding) in {time.time() - t0:.0f} s", flush=True)

    with open(os.path.join(args.out, "manifest.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "kind", "source_index", "true_label", "adv_label", "confidence"])
        w.writerows(rows)
    # The fixtures only mean something for the weights they were made against: evaluate's test checks this.
    import hashlib
    with open(os.path.join(args.model, "model.onnx"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(args.out, "model.sha256"), "w") as f:
        f.write(sha + "\n")
    print(f"wrote {len(rows)} fixtures to {args.out} in {time.time() - t_all:.0f} s")


if __name__ == "__main__":
    main()
