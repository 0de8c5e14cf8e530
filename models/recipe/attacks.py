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

Kinds (eps in [0,1] pixel units, L-inf unless said), one family per threat a camera faces (family in brackets;
`./monitor evaluate`'s leave-one-family-out table removes a whole family):
  fgsm           [linf] FGSM, eps 0.1
  pgd-0.05/0.1/0.2  [linf] PGD, 20 steps of eps/8, random start
  mifgsm         [linf] momentum iterative FGSM (Dong et al. 2018), eps 0.1, 10 steps, momentum 1
  cw-l2          [minimal-l2] Carlini-Wagner L2 (tanh space, Adam, kappa 0, 4 binary-search steps of c)
  deepfool       [minimal-l2] DeepFool (multi-class, overshoot 0.02, until the 8-bit frame flips)
  jsma           [sparse] greedy L0 after JSMA: one pixel at a time set to 0 or 1, <= 20 pixels (2.6%)
  pgd-l0         [sparse] sparse PGD after Croce & Hein 2019: <= 20 changed pixels, 100 steps, 3 restarts
  patch          [patch] per-frame 6x6 sticker (4.6% of the frame), free pixel values, sign-gradient ascent,
                 first at the most gradient-salient place, then up to 7 random places
  universal-patch  [patch] one 6x6 sticker fitted on 2,000 TRAINING images at one place (best of a 3x3 grid),
                 stamped at that place on test frames (a sticker on the lens or in the scene); it fools only
                 some frames, so 5x --per-kind sources are drawn and at most --per-kind frames kept
  spatial        [spatial] worst rotation (-15..15 deg, step 2.5) + shift (-3..3 px) by grid search (Engstrom
                 et al. 2019), bilinear, black outside (corruptions.warp)
  square         [query-score] Square attack (Andriushchenko et al. 2020), eps 0.1, <= 1,000 queries of the
                 model's logits on 8-bit frames
  hsj            [query-decision] HopSkipJump L2 (Chen et al. 2020), labels only, 20 iterations
  uap            [universal] one universal perturbation (gradient-based, eps 0.15), fitted on 2,000
                 TRAINING images, applied to test images
  fool-evo       [fooling] fooling images, evolutionary algorithm with direct encoding ((1+8) per image,
                 Gaussian mutations of 5% of the pixels), >= 99% confidence, 10 target classes
  fool-grad      [fooling] fooling images by gradient ascent on the target log-probability from uniform
                 noise, >= 99% confidence
  masked-mean/-black/-white/-noise/-blur  [overinterpretation] 95% of the pixels removed (set to the manifest's
                 mask value, black, white, uniform noise, or the frame blurred with sigma 3 px), the 5% kept chosen by
                 gradient backward selection (batched-gradient SIS); kept where the model still gives the TRUE class
                 at >= 0.9 and the fill alone does not; 400 sources, at most 100 frames each

Writes <out>/<kind>/<kind>-NNNN.png, <out>/model.sha256 (the attacked model.onnx), <out>/uap-perturbation.png,
<out>/universal-patch.png and <out>/manifest.csv:
file,kind,source_index,true_label,adv_label,confidence,family,l0,l2,linf,detail
(source_index = position in the test split; l0 = pixels changed on the 8-bit grid, l2 / linf in [0,1] units;
-1 for fooling images, which have no source; detail = a per-frame note: transform, sticker place, fill).
`--kinds a,b` remakes only those kinds and keeps the other kinds' rows of an existing manifest.
"""
import argparse
import csv
import gzip
import json
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

    def __init__(self, path, head=False):
        super().__init__()
        m = onnx.load(path)
        # the classifier only unless head: a grafted detector head (detector_head.py) is not what the attacks target
        # (adaptive.py attacks both)
        self.nodes = [n for n in m.graph.node
                      if head or not any(o == "adversarial" or o.startswith("adversarial/") for o in n.output)]
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
            elif op == "Softmax":
                y = F.softmax(i[0], a.get("axis", -1))
            elif op == "Log":
                y = torch.log(i[0])
            elif op == "Sqrt":
                y = torch.sqrt(i[0])
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


# ---------------------------------------------------------------------------------------------------------------
# The broader threat recipe (issue 10): one family per threat a camera faces. Every function takes sources x
# [n,1,28,28] in [0,1] and their labels y and returns frames on the 8-bit grid.

def mifgsm(model, x, y, eps, steps=10, mu=1.0):
    """Momentum iterative FGSM (Dong et al., CVPR 2018): L-inf eps, `steps` steps of eps/steps along the sign of
    a momentum of L1-normalised gradients."""
    alpha = eps / steps
    adv, g = x.clone(), torch.zeros_like(x)
    for _ in range(steps):
        adv.requires_grad_(True)
        grad, = torch.autograd.grad(F.cross_entropy(model(adv), y, reduction="sum"), adv)
        g = mu * g + grad / grad.abs().flatten(1).mean(1).clamp(min=1e-12)[:, None, None, None]
        adv = torch.min(torch.max(adv.detach() + alpha * g.sign(), x - eps), x + eps).clamp(0, 1)
    return adv


def margin(logits, y):
    """True-class logit minus the best other logit: > 0 while the model is still right."""
    onehot = F.one_hot(y, logits.shape[1]).bool()
    return logits[onehot] - logits.masked_fill(onehot, -1e9).max(1).values


def sparse_greedy(model, x, y, max_pixels):
    """Greedy L0 attack after JSMA (Papernot et al., EuroS&P 2016), untargeted: per step, set to 0 or 1 the one
    unchanged pixel whose first-order effect lowers the margin most; stop per frame when it is misclassified or
    `max_pixels` pixels have changed."""
    n = len(x)
    adv = x.clone()
    changed = torch.zeros(n, 28 * 28, dtype=torch.bool)
    active = torch.ones(n, dtype=torch.bool)
    rows = torch.arange(n)
    for _ in range(max_pixels):
        with torch.no_grad():
            active &= model(adv).argmax(1) == y
        if not active.any():
            break
        a = adv.clone().requires_grad_(True)
        g, = torch.autograd.grad(margin(model(a), y).sum(), a)
        g, cur = g.flatten(1), adv.flatten(1)
        to0, to1 = g * (0 - cur), g * (1 - cur)
        gain = torch.min(to0, to1).masked_fill(changed, float("inf"))
        p = gain.argmin(1)
        v = (to1[rows, p] < to0[rows, p]).float()
        flat = adv.flatten(1).clone()
        flat[rows[active], p[active]] = v[active]
        changed[rows[active], p[active]] = True
        adv = flat.view_as(x)
    return adv


def stamp(x, patch, r, c):
    """x with patch [n,1,s,s] pasted at rows r.., cols c.. (one place per frame); differentiable in patch."""
    n, s = len(x), patch.shape[-1]
    ar = torch.arange(s)
    rows = (r[:, None] + ar[None, :])[:, :, None].expand(n, s, s)
    cols = (c[:, None] + ar[None, :])[:, None, :].expand(n, s, s)
    bi = torch.arange(n)[:, None, None].expand(n, s, s)
    mask = torch.zeros(n, 28, 28).index_put((bi, rows, cols), torch.ones(n, s, s))
    full = torch.zeros(n, 28, 28).index_put((bi, rows, cols), patch.reshape(n, s, s))
    return x * (1 - mask[:, None]) + full[:, None]


def patch_attack(model, x, y, size, gen, steps=100, tries=4, lr=0.1):
    """Per-frame adversarial patch (a sticker): a size x size square, its pixels free in [0,1], optimised by
    sign-gradient ascent on the cross-entropy (step lr, decaying linearly). First place: where the loss gradient of
    the clean frame is largest in L1 over the square (the most influential region); frames still right get
    another, random place, up to `tries` places."""
    adv = x.clone()
    todo = torch.ones(len(x), dtype=torch.bool)
    xg = x.clone().requires_grad_(True)
    g0, = torch.autograd.grad(F.cross_entropy(model(xg), y, reduction="sum"), xg)
    sal = F.avg_pool2d(g0.abs(), size, stride=1).flatten(1)  # [n, (29-size)^2]
    first = sal.argmax(1)
    for t in range(tries):
        idx = todo.nonzero().squeeze(1)
        if len(idx) == 0:
            break
        xi, yi = x[idx], y[idx]
        if t == 0:
            r, c = first[idx] // (29 - size), first[idx] % (29 - size)
        else:
            r = torch.randint(0, 28 - size + 1, (len(idx),), generator=gen)
            c = torch.randint(0, 28 - size + 1, (len(idx),), generator=gen)
        p = torch.rand(len(idx), 1, size, size, generator=gen)
        for k in range(steps):
            p.requires_grad_(True)
            g, = torch.autograd.grad(F.cross_entropy(model(stamp(xi, p, r, c)), yi, reduction="sum"), p)
            p = (p.detach() + lr * (1 - k / steps) * g.sign()).clamp(0, 1)
        with torch.no_grad():
            a = q8(stamp(xi, p, r, c))
            ok = model(a).argmax(1) != yi
        adv[idx] = a
        todo[idx[ok]] = False
    return adv


UPATCH_SOURCE_FACTOR = 5  # universal-patch draws 5x --per-kind sources and keeps at most --per-kind frames
UPATCH_PLACES = [(r, c) for r in (3, 11, 19) for c in (3, 11, 19)]  # candidate top-left corners (6x6 patch)


def universal_patch(model, xtrain, size, gen, epochs=5, lr=0.05, trial_epochs=2):
    """One size x size sticker at one place for every frame of a camera (a universal adversarial patch, after Brown
    et al. 2017, untargeted; a sticker on the lens or in the scene stays where it is): sign-gradient ascent on the
    mean cross-entropy of training images, step lr decaying linearly to 0. The place is the best of a 3x3 grid of
    candidates by the fooling rate of a short fit (trial_epochs) on the first 500 of them. On this data a 6x6
    sticker fools only some frames (15-30%), so the caller draws more sources for it. Returns (patch [1,1,s,s],
    row, col)."""
    with torch.no_grad():
        ytrain = model(xtrain).argmax(1)

    def fit(r, c, ep):
        p = torch.rand(1, 1, size, size, generator=gen)
        steps, k = ep * ((len(xtrain) + 99) // 100), 0
        for _ in range(ep):
            order = torch.randperm(len(xtrain), generator=gen)
            for b in range(0, len(xtrain), 100):
                i = order[b:b + 100]
                rr, cc = torch.full((len(i),), r), torch.full((len(i),), c)
                p.requires_grad_(True)
                loss = F.cross_entropy(model(stamp(xtrain[i], p.expand(len(i), -1, -1, -1), rr, cc)), ytrain[i])
                g, = torch.autograd.grad(loss, p)
                p = (p.detach() + lr * (1 - k / steps) * g.sign()).clamp(0, 1)
                k += 1
        return q8(p.detach())

    def rate(p, r, c, xs, ys):
        n = len(xs)
        with torch.no_grad():
            a = stamp(xs, p.expand(n, -1, -1, -1), torch.full((n,), r), torch.full((n,), c))
            return (predict(model, a).argmax(1) != ys).float().mean().item()

    full = (xtrain, ytrain)
    xtrain, ytrain = full[0][:500], full[1][:500]  # the trial fits use the first 500 images only
    rates = [rate(fit(r, c, trial_epochs), r, c, xtrain, ytrain) for r, c in UPATCH_PLACES]
    r, c = UPATCH_PLACES[int(np.argmax(rates))]
    xtrain, ytrain = full
    p = fit(r, c, epochs)
    print(f"  universal-patch: place ({r},{c}) of {len(UPATCH_PLACES)} (trial fooling rates "
          + " ".join(f"{v:.2f}" for v in rates) + f"); fooling rate on its training images {rate(p, r, c, xtrain, ytrain):.3f}")
    return p, r, c


def warp_batch(x, angle, dx, dy, scale=None):
    """corruptions.warp for a batch (angle, dx, dy [n] tensors): the same bilinear, black-outside sampling."""
    n = len(x)
    scale = torch.ones(n) if scale is None else scale
    t = torch.deg2rad(angle.double())
    cos, sin = torch.cos(t), torch.sin(t)
    ar = torch.arange(28, dtype=torch.float64)
    r, q = torch.meshgrid(ar, ar, indexing="ij")
    yr = (r[None] - 13.5 - dy.double()[:, None, None]) / scale.double()[:, None, None]
    xr = (q[None] - 13.5 - dx.double()[:, None, None]) / scale.double()[:, None, None]
    sx = cos[:, None, None] * xr - sin[:, None, None] * yr + 13.5
    sy = sin[:, None, None] * xr + cos[:, None, None] * yr + 13.5
    grid = torch.stack([sx / 27 * 2 - 1, sy / 27 * 2 - 1], -1).float()  # align_corners=True: -1 / 1 = pixel 0 / 27
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


SPATIAL_ANGLES = [a / 2 for a in range(-30, 31, 5)]  # degrees: -15 to 15, step 2.5
SPATIAL_SHIFTS = list(range(-3, 4))         # pixels, each axis


def spatial(model, x, y):
    """Adversarial rotation + translation by exhaustive grid search (Engstrom et al., ICML 2019): every rotation in
    -15..15 degrees (step 2.5) with every shift of -3..3 px per axis (637 transforms); the one with the highest
    cross-entropy, sampled as corruptions.warp does (bilinear, black outside). Returns (frames, transforms)."""
    grid = torch.tensor([(a, dx, dy) for a in SPATIAL_ANGLES for dx in SPATIAL_SHIFTS for dy in SPATIAL_SHIFTS],
                        dtype=torch.float32)
    best_loss = torch.full((len(x),), -float("inf"))
    best = torch.zeros(len(x), 3)
    with torch.no_grad():
        for i in range(len(x)):
            xs = x[i:i + 1].expand(len(grid), -1, -1, -1)
            loss = F.cross_entropy(model(q8(warp_batch(xs, grid[:, 0], grid[:, 1], grid[:, 2]))),
                                   y[i].expand(len(grid)), reduction="none")
            j = loss.argmax()
            best_loss[i], best[i] = loss[j], grid[j]
    import corruptions as C  # the one definition of the warp, next to this file
    adv = torch.stack([torch.from_numpy(C.warp(x[i, 0].numpy(), float(a), float(dx), float(dy)))
                       for i, (a, dx, dy) in enumerate(best.tolist())])[:, None]
    return q8(adv), best


def square_linf(model, x, y, eps, gen, queries=1000, p_init=0.3):
    """Square attack, L-inf (Andriushchenko et al., ECCV 2020): score-based, uses only the model's outputs (the
    margin of its logits) on 8-bit frames: vertical-stripe start, then random squares of +-eps, kept when the
    margin drops; square side shrinks on the paper's schedule. `queries` model calls per frame at most."""
    n = len(x)

    def query(a):
        with torch.no_grad():
            return margin(model(q8(a)), y)

    adv = (x + eps * (torch.randint(0, 2, (n, 1, 1, 28), generator=gen).float() * 2 - 1)).clamp(0, 1)
    m = query(adv)
    used = 1
    for it in range(queries - 1):
        todo = m > 0
        if not todo.any():
            break
        i10k = int(it / queries * 10000)
        p = p_init / (1 if i10k <= 10 else 2 if i10k <= 50 else 4 if i10k <= 200 else 8 if i10k <= 500 else
                      16 if i10k <= 1000 else 32 if i10k <= 2000 else 64 if i10k <= 4000 else 128 if i10k <= 6000 else
                      256 if i10k <= 8000 else 512)
        s = int(min(max(round((p * 784) ** 0.5), 1), 27))
        r = torch.randint(0, 28 - s + 1, (n,), generator=gen)
        c = torch.randint(0, 28 - s + 1, (n,), generator=gen)
        sign = torch.randint(0, 2, (n, 1, 1, 1), generator=gen).float() * 2 - 1
        cand = stamp(adv - x, (eps * sign).expand(n, 1, s, s), r, c)  # the perturbation with one square re-drawn
        cand = (x + cand.clamp(-eps, eps)).clamp(0, 1)
        cand = torch.where(todo[:, None, None, None], cand, adv)
        mc = query(cand)
        used += 1
        better = mc < m
        adv = torch.where(better[:, None, None, None], cand, adv)
        m = torch.where(better, mc, m)
    return q8(adv)


def hop_skip_jump(model, x, y, gen, iterations=20, init_evals=30, max_evals=100):
    """HopSkipJump, L2, untargeted (Chen, Jordan, Wainwright, IEEE S&P 2020): decision-based, uses only the
    model's top label. Start from uniform noise that is misclassified, binary search to the boundary, then per
    iteration: estimate the gradient direction from the labels of init_evals*sqrt(t) (at most max_evals) random
    probes around the boundary point (radius dist/d: the paper's sqrt(d) theta dist with theta = d^-1.5), a
    geometric step along it (dist/sqrt(t), halved until adversarial), binary search back to the boundary. All
    frames advance together (batched queries). The search runs on the model's float input; at the end each frame
    is pushed just far enough past the boundary that its 8-bit rounding is still misclassified (factor 1 to 1.5
    along the perturbation)."""
    n, d = len(x), 28 * 28
    theta = 1.0 / (d ** 1.5)
    bisect_steps = int(np.ceil(np.log2(1 / theta)))

    def adversarial(a, yy):
        with torch.no_grad():
            return torch.cat([model(a[i:i + 2000]).argmax(1) for i in range(0, len(a), 2000)]) != yy

    def to_boundary(a, mask):
        """Per frame, binary search on x..a (a adversarial) for the point nearest x that is still adversarial."""
        lo, hi = torch.zeros(n), torch.ones(n)
        for _ in range(bisect_steps):
            mid = (lo + hi) / 2
            adv_mid = adversarial(x + mid[:, None, None, None] * (a - x), y)
            hi = torch.where(adv_mid, mid, hi)
            lo = torch.where(adv_mid, lo, mid)
        return torch.where(mask[:, None, None, None], x + hi[:, None, None, None] * (a - x), a)

    start = x.clone()
    found = torch.zeros(n, dtype=torch.bool)
    for _ in range(100):
        u = torch.rand(x.shape, generator=gen)
        ok = adversarial(u, y) & ~found
        start[ok] = u[ok]
        found |= ok
        if found.all():
            break
    adv = to_boundary(start, found)
    dist = (adv - x).flatten(1).norm(dim=1)
    for t in range(1, iterations + 1):
        nev = int(min(init_evals * t ** 0.5, max_evals))
        u = torch.randn(n, nev, 1, 28, 28, generator=gen)
        u = u / u.flatten(2).norm(dim=2)[:, :, None, None, None]
        probes = (adv[:, None] + (dist / d)[:, None, None, None, None] * u).clamp(0, 1)
        s = adversarial(probes.flatten(0, 1), y.repeat_interleave(nev)).float().view(n, nev) * 2 - 1
        s = torch.where(s.abs().mean(1, keepdim=True) < 1, s - s.mean(1, keepdim=True), s)
        v = (s[:, :, None, None, None] * u).mean(1)
        v = v / v.flatten(1).norm(dim=1).clamp(min=1e-12)[:, None, None, None]
        step = dist / t ** 0.5
        moved = torch.zeros(n, dtype=torch.bool)
        for _ in range(25):  # geometric step search: halve until adversarial
            cand = (adv + step[:, None, None, None] * v).clamp(0, 1)
            ok = adversarial(cand, y) & ~moved
            moved |= ok
            if moved.all():
                break
            step = torch.where(moved, step, step / 2)
        cand = (adv + step[:, None, None, None] * v).clamp(0, 1)
        moved &= found
        new = to_boundary(cand, moved)
        nd = (new - x).flatten(1).norm(dim=1)
        better = moved & (nd < dist)
        adv = torch.where(better[:, None, None, None], new, adv)
        dist = torch.where(better, nd, dist)
    out = q8(adv)
    with torch.no_grad():
        todo = model(out).argmax(1) == y
        for f in (1.02, 1.05, 1.1, 1.2, 1.35, 1.5):
            if not todo.any():
                break
            a8 = q8(x + f * (adv - x))
            fooled = todo & (model(a8).argmax(1) != y)
            out[fooled] = a8[fooled]
            todo &= ~fooled
    return out


def pgd_l0(model, x, y, gen, pixels, steps=100, eta=0.5, restarts=3):
    """Sparse PGD (after PGD-L0 of Croce & Hein, ICCV 2019): gradient steps on the cross-entropy (L2-normalised,
    scaled by eta * sqrt(d)), each followed by projection onto the box [0,1] and onto at most `pixels` changed
    pixels (the largest changes kept); random sparse start, `restarts` tries for frames still right."""
    n = len(x)
    out = x.clone()
    todo = torch.ones(n, dtype=torch.bool)

    def project(delta, xi):
        delta = (xi + delta).clamp(0, 1) - xi
        flat = delta.flatten(1)
        keep = flat.abs().topk(pixels, 1).indices
        return torch.zeros_like(flat).scatter(1, keep, flat.gather(1, keep)).view_as(xi)

    for _ in range(restarts):
        idx = todo.nonzero().squeeze(1)
        if len(idx) == 0:
            break
        xi, yi = x[idx], y[idx]
        delta = project(torch.rand(xi.shape, generator=gen) * 2 - 1, xi)
        best = xi.clone()
        for k in range(steps):
            a = (xi + delta).requires_grad_(True)
            g, = torch.autograd.grad(F.cross_entropy(model(a), yi, reduction="sum"), a)
            g = g / g.flatten(1).norm(dim=1).clamp(min=1e-12)[:, None, None, None]
            delta = project(delta + eta * 28 * g, xi)
            with torch.no_grad():
                a8 = q8(xi + delta)
                ok = model(a8).argmax(1) != yi
            best = torch.where(ok[:, None, None, None], a8, best)
        with torch.no_grad():
            ok = model(best).argmax(1) != yi
        out[idx] = torch.where(ok[:, None, None, None], best, q8(xi + delta))
        todo[idx[ok]] = False
    return out


MASK_FILLS = ["mean", "black", "white", "noise", "blur"]
MASK_KEEP = 0.05
BLUR_SIGMA = 3.0


def mask_fill(x, fill, mean_value, gen):
    """What the removed pixels hold: the manifest's mask value (8-bit), black, white, uniform noise (per pixel),
    or the frame blurred (Gaussian, sigma 3 px, edges repeated) so far that no garment shape is left to read."""
    if fill == "mean":
        return torch.full_like(x, round(mean_value * 255) / 255)
    if fill == "black":
        return torch.zeros_like(x)
    if fill == "white":
        return torch.ones_like(x)
    if fill == "noise":
        return q8(torch.rand(x.shape, generator=gen))
    if fill == "blur":
        from scipy import ndimage
        return q8(torch.from_numpy(np.stack([ndimage.gaussian_filter(f[0].numpy().astype(np.float64), BLUR_SIGMA,
                                                                     mode="nearest") for f in x]).astype(np.float32))[:, None])
    raise ValueError(fill)


def masked(model, x, y, fill, mean_value, gen, keep=MASK_KEEP, shrink=0.08):
    """Overinterpretation frames (Carter et al., NeurIPS 2021): 95% of the pixels removed (set to the fill), the
    5% kept chosen by gradient backward selection (the batched-gradient variant of Sufficient Input Subsets):
    starting from the whole frame, repeatedly remove the 8% of the remaining pixels whose removal lowers the
    true class's log-probability least by the first-order estimate, until 39 of 784 remain. Returns (frames,
    valid): valid = the fill alone (every pixel removed) does not already give the true class at >= 0.9,
    so that what the model reads is the kept 5%."""
    n = len(x)
    fillv = mask_fill(x, fill, mean_value, gen)
    kept = int(round(keep * 784)) if keep < 1 else int(keep)
    m = torch.ones(n, 784)
    remaining = 784
    rows = torch.arange(n)[:, None]
    while remaining > kept:
        r = min(remaining - kept, max(1, int(shrink * remaining)))
        mm = m.clone().requires_grad_(True)
        img = x * mm.view_as(x) + fillv * (1 - mm.view_as(x))
        lp = F.log_softmax(model(img), 1)[torch.arange(n), y]
        g, = torch.autograd.grad(lp.sum(), mm)
        g = g.masked_fill(m == 0, float("inf"))
        drop = g.topk(r, 1, largest=False).indices  # smallest gain from keeping = cheapest to remove
        m[rows, drop] = 0
        remaining -= r
    adv = q8(x * m.view_as(x) + fillv * (1 - m.view_as(x)))
    with torch.no_grad():
        pf = F.softmax(model(fillv), 1)
        valid = ~((pf.argmax(1) == y) & (pf.max(1).values >= 0.9))
    return adv, valid


def attack(kind, model, x, y, gen, uap_images, fooling_count, mask_value=0.286):
    """One kind's attack on sources x (true labels y), rounded to 8 bits. Returns (frames, labels, extra): the labels
    the frames are judged against (the true labels; for fooling images their target classes) and a dict with, where
    the kind has them: "v" (uap: the universal perturbation), "patch" and "place" (universal-patch), "valid" (masked
    kinds: frames that may count), "detail" (a per-frame note without commas: transform, patch place, fill).
    uap_images() gives the training images a universal perturbation or patch is fitted on; it is called only for
    those kinds, so the generator is drawn in the same order by every caller. mask_value: the manifest's
    input.mask_value (masked-mean)."""
    extra = {}
    if kind == "fgsm":
        adv = fgsm(model, x, y, 0.1)
    elif kind == "pgd-l0":
        adv = pgd_l0(model, x, y, gen, SPARSE_PIXELS)
    elif kind.startswith("pgd-"):
        adv = pgd(model, x, y, float(kind[4:]), 20, gen)
    elif kind == "cw-l2":
        adv, _ = cw_l2(model, x, y)
    elif kind == "deepfool":
        adv = deepfool(model, x, y)
    elif kind == "uap":
        extra["v"] = universal(model, uap_images(), 0.15, 5, gen)
        adv = (x + extra["v"]).clamp(0, 1)
    elif kind == "fool-evo":
        adv, y = fool_evo(model, fooling_count, gen)
    elif kind == "fool-grad":
        adv, y = fool_grad(model, fooling_count, gen)
    elif kind == "mifgsm":
        adv = mifgsm(model, x, y, 0.1)
    elif kind == "jsma":
        adv = sparse_greedy(model, x, y, SPARSE_PIXELS)
    elif kind == "patch":
        adv = patch_attack(model, x, y, PATCH_SIZE, gen, tries=8)
    elif kind == "universal-patch":
        p, r, c = universal_patch(model, uap_images(), PATCH_SIZE, gen)
        extra.update(patch=p, place=(r, c), detail=[f"r={r};c={c}"] * len(x))
        adv = stamp(x, p.expand(len(x), -1, -1, -1), torch.full((len(x),), r), torch.full((len(x),), c))
    elif kind == "spatial":
        adv, t = spatial(model, x, y)
        extra["detail"] = [f"rot={a:g};dx={dx:g};dy={dy:g}" for a, dx, dy in t.tolist()]
    elif kind == "square":
        adv = square_linf(model, x, y, 0.1, gen)
    elif kind == "hsj":
        adv = hop_skip_jump(model, x, y, gen)
    elif kind.startswith("masked-") and kind[7:] in MASK_FILLS:
        adv, extra["valid"] = masked(model, x, y, kind[7:], mask_value, gen)
        extra["detail"] = [f"fill={kind[7:]}"] * len(x)
    else:
        raise SystemExit(f"unknown kind {kind} (kinds: {KINDS})")
    return q8(adv), y, extra


def still_fools(model, adv, y, kind, extra=None):
    """Which 8-bit frames count: another class than y; for fooling images class y at >= 99%; for masked frames
    still class y at >= 90% (and, from extra["valid"], not a frame whose fill alone gives that). Returns
    (keep, confidence, label)."""
    conf, lab = predict(model, adv).max(1)
    if kind.startswith("fool-"):
        keep = (lab == y) & (conf >= 0.99)
    elif kind.startswith("masked-"):
        keep = (lab == y) & (conf >= MASK_MIN_CONFIDENCE)
    else:
        keep = lab != y
    if extra and "valid" in extra:
        keep &= extra["valid"]
    return keep, conf, lab


SPARSE_PIXELS = 20       # at most 2.6% of a 28x28 frame
PATCH_SIZE = 6           # 36 pixels, 4.6% of the frame
MASK_MIN_CONFIDENCE = 0.9
# The order matters: each kind's random generator is seeded by its place here (new kinds go at the end).
KINDS = ["fgsm", "pgd-0.05", "pgd-0.1", "pgd-0.2", "cw-l2", "deepfool", "uap", "fool-evo", "fool-grad",
         "mifgsm", "jsma", "pgd-l0", "patch", "universal-patch", "spatial", "square", "hsj",
         "masked-mean", "masked-black", "masked-white", "masked-noise", "masked-blur"]
# Coarser groups for leave-one-family-out: a family is left out of everything a detector learns or is tuned on.
FAMILIES = {"fgsm": "linf", "pgd-0.05": "linf", "pgd-0.1": "linf", "pgd-0.2": "linf", "mifgsm": "linf",
            "cw-l2": "minimal-l2", "deepfool": "minimal-l2", "jsma": "sparse", "pgd-l0": "sparse",
            "patch": "patch", "universal-patch": "patch", "spatial": "spatial", "square": "query-score",
            "hsj": "query-decision", "uap": "universal", "fool-evo": "fooling", "fool-grad": "fooling",
            "masked-mean": "overinterpretation", "masked-black": "overinterpretation",
            "masked-white": "overinterpretation", "masked-noise": "overinterpretation",
            "masked-blur": "overinterpretation"}
assert set(FAMILIES) == set(KINDS)
COLUMNS = ["file", "kind", "source_index", "true_label", "adv_label", "confidence", "family", "l0", "l2", "linf",
           "detail"]


def norms(adv, src):
    """L0 (pixels that differ on the 8-bit grid), L2 and L-inf of adv - src in [0,1] units."""
    d = (adv - src).flatten(1)
    return (d.abs() > 0.5 / 255).sum(1), d.norm(dim=1), d.abs().max(1).values


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/fashion-mnist-cnn", help="bundle folder with model.onnx")
    ap.add_argument("--out", default="models/fixtures")
    ap.add_argument("--per-kind", type=int, default=200, help="source images (or fooling images) per kind")
    ap.add_argument("--evo-count", type=int, default=100, help="fooling images to evolve (the slowest kind)")
    ap.add_argument("--masked-sources", type=int, default=400, help="source images per masked-* kind (only some "
                    "keep >= 0.9 confidence with 5%% of their pixels)")
    ap.add_argument("--masked-keep", type=int, default=100, help="at most this many frames per masked-* kind")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data-dir", default=DATA_DIR)
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds to (re)make; the manifest keeps "
                    "the other kinds' rows already in <out>/manifest.csv (default: all kinds)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t_all = time.time()
    kinds = args.kinds.split(",")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise SystemExit(f"--kinds: unknown {unknown} (kinds: {KINDS})")

    with open(os.path.join(args.model, "manifest.json")) as f:
        mask_value = float(json.load(f)["input"].get("mask_value", [0.5])[0])
    model = load_classifier(args.model, args.data_dir)
    xte = torch.from_numpy(load_idx(os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)
    yte = torch.from_numpy(load_idx(os.path.join(args.data_dir, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    xtr = torch.from_numpy(load_idx(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)

    pred = predict(model, xte).argmax(1)
    pool = torch.arange(FIRST_SOURCE, len(xte))
    pool = pool[pred[pool] == yte[pool]]
    rows = {}
    os.makedirs(args.out, exist_ok=True)
    old = os.path.join(args.out, "manifest.csv")
    if set(kinds) != set(KINDS) and os.path.exists(old):
        with open(old, newline="") as f:
            for r in csv.DictReader(f):
                if r["kind"] not in kinds:  # kinds made elsewhere (adaptive.py) keep their rows too
                    if not r.get("family"):
                        r["family"] = FAMILIES.get(r["kind"], r["kind"])
                    rows.setdefault(r["kind"], []).append([r.get(c) if r.get(c) is not None else "" for c in COLUMNS])
    for kind in kinds:
        t0 = time.time()
        # seeded by the kind's place in the full list, so `--kinds uap` alone reproduces the same frames
        g = torch.Generator().manual_seed(args.seed * 1000 + KINDS.index(kind))
        n_src = (args.masked_sources if kind.startswith("masked-") else
                 args.per_kind * UPATCH_SOURCE_FACTOR if kind == "universal-patch" else args.per_kind)
        src = pool[torch.randperm(len(pool), generator=g)[:n_src]].sort().values
        x, y = xte[src], yte[src]
        fooling = kind.startswith("fool-")
        adv, y, extra = attack(kind, model, x, y, g, lambda: xtr[torch.randperm(len(xtr), generator=g)[:2000]],
                               args.evo_count if kind == "fool-evo" else args.per_kind, mask_value)
        if "v" in extra:
            v = extra["v"]
            # The perturbation itself, for the demo's "stickered" camera: 8-bit, 128 = no change, 1 level = 1/255.
            Image.fromarray((128 + v[0, 0].numpy() * 255).round().clip(0, 255).astype(np.uint8), "L").save(
                os.path.join(args.out, "uap-perturbation.png"), optimize=True)
            with torch.no_grad():
                rate = (model(adv).argmax(1) != y).float().mean().item()
            print(f"  uap: fooling rate on the {len(x)} test sources after 8-bit rounding: {rate:.3f}")
        if "patch" in extra:
            # the sticker itself (8-bit pixels) and where it goes: for a demo camera with a sticker
            Image.fromarray((extra["patch"][0, 0].numpy() * 255).round().astype(np.uint8), "L").save(
                os.path.join(args.out, "universal-patch.png"), optimize=True)
            with torch.no_grad():
                rate = (model(adv).argmax(1) != y).float().mean().item()
            print(f"  universal-patch at row {extra['place'][0]}, column {extra['place'][1]}: fooling rate on the "
                  f"{len(x)} test sources: {rate:.3f}")
        keep, conf, lab = still_fools(model, adv, y, kind, extra)
        if kind.startswith("masked-"):
            keep &= keep.cumsum(0) <= args.masked_keep
        elif kind == "universal-patch":
            keep &= keep.cumsum(0) <= args.per_kind
        l0, l2, linf = norms(adv, x) if not fooling else (None, None, None)
        d = os.path.join(args.out, kind)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.endswith(".png"):
                os.remove(os.path.join(d, f))
        out = rows[kind] = []
        for j in keep.nonzero().squeeze(1).tolist():
            name = f"{kind}/{kind}-{len(out):04d}.png"
            Image.fromarray((adv[j, 0].numpy() * 255).round().astype(np.uint8), "L").save(os.path.join(args.out, name), optimize=True)
            out.append([name, kind, -1 if fooling else int(src[j]), -1 if fooling else int(y[j]), int(lab[j]),
                        f"{conf[j].item():.6f}", FAMILIES[kind],
                        -1 if fooling else int(l0[j]), -1 if fooling else f"{l2[j].item():.4f}",
                        -1 if fooling else f"{linf[j].item():.4f}", extra["detail"][j] if "detail" in extra else ""])
        what = "still confident after 8-bit rounding" if kind.startswith("masked-") else "still fooling after 8-bit rounding"
        print(f"{kind}: kept {len(out)} of {len(adv)} ({what}) in {time.time() - t0:.0f} s", flush=True)

    with open(os.path.join(args.out, "manifest.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for kind in KINDS + sorted(set(rows) - set(KINDS)):
            w.writerows(rows.get(kind, []))
    # The fixtures only mean something for the weights they were made against: evaluate's test checks this.
    import hashlib
    with open(os.path.join(args.model, "model.onnx"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(args.out, "model.sha256"), "w") as f:
        f.write(sha + "\n")
    print(f"wrote {sum(len(r) for r in rows.values())} fixtures ({len(kinds)} kinds made now) to {args.out} "
          f"in {time.time() - t_all:.0f} s")


if __name__ == "__main__":
    main()
