#!/usr/bin/python3
"""Train the default Fashion-MNIST CNN and export it as an ONNX model bundle.

Usage (from the repository root, Debian's Python, see models/README.md):

    /usr/bin/python3 models/recipe/train.py --out models/fashion-mnist-cnn [--epochs N] [--shortcut-border]

Writes <out>/model.onnx and <out>/manifest.json. Seeded, single process, fixed thread count
(--threads, default 2). The bundled models/fashion-mnist-cnn was made with
    --epochs 15 --val-size 5000 --threads 1
(see models/README.md); the thread count can change float rounding, so pass it to reproduce.

ONNX contract: opset 13, input `input` float32 [N,1,28,28] with pixels in [0,1] (the mean/std
normalisation is inside the graph), outputs `logits` [N,10] (raw, no softmax) and `features`
[N,128] (penultimate fully-connected layer after its ReLU); the batch axis is dynamic.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
DATA_DIR = "/usr/share/datasets/fashion-mnist"
FEATURES_DIM = 128
BORDER = 2  # width of the frame used by --shortcut-border


def load_idx(path):
    """Read an IDX file (gzip) as a numpy array (uint8)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    x = load_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    y = load_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    return x, y.astype(np.int64)


class FashionCNN(nn.Module):
    """conv(32)-BN-ReLU-pool, conv(64)-BN-ReLU-pool, conv(128)-BN-ReLU-pool, dropout,
    FC(128)-ReLU (= features), dropout, FC(10) (= logits)."""

    def __init__(self, mean, std, dropout=0.2):
        super().__init__()
        self.register_buffer("mean", torch.tensor([[[[float(mean)]]]]))
        self.register_buffer("std", torch.tensor([[[[float(std)]]]]))

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU(inplace=True), nn.MaxPool2d(2))

        self.conv = nn.Sequential(block(1, 32), block(32, 64), block(64, 128))  # 28->14->7->3
        self.drop1 = nn.Dropout(dropout)
        self.fc1 = nn.Linear(128 * 3 * 3, FEATURES_DIM)
        self.drop2 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(FEATURES_DIM, 10)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = torch.flatten(self.conv(x), 1)
        features = F.relu(self.fc1(self.drop1(x)))
        logits = self.fc2(self.drop2(features))
        return logits, features


class BasicBlock(nn.Module):
    """ResNet basic block: conv3x3(stride)-BN-ReLU-conv3x3-BN plus a (1x1 conv-BN when the shape changes) shortcut."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (x if self.short is None else self.short(x)))


class FashionResNet(nn.Module):
    """A small ResNet: conv3x3(16)-BN-ReLU, basic blocks 16->32 (stride 2, 28->14), 32->64 (stride 2, 14->7),
    64->64, global average pool, dropout, FC(128)-ReLU (= features), dropout, FC(10) (= logits)."""

    def __init__(self, mean, std, dropout=0.2):
        super().__init__()
        self.register_buffer("mean", torch.tensor([[[[float(mean)]]]]))
        self.register_buffer("std", torch.tensor([[[[float(std)]]]]))
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.blocks = nn.Sequential(BasicBlock(16, 32, 2), BasicBlock(32, 64, 2), BasicBlock(64, 64, 1))
        self.drop1 = nn.Dropout(dropout)
        self.fc1 = nn.Linear(64, FEATURES_DIM)
        self.drop2 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(FEATURES_DIM, 10)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = torch.flatten(F.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1), 1)  # GlobalAveragePool in ONNX
        features = F.relu(self.fc1(self.drop1(x)))
        logits = self.fc2(self.drop2(features))
        return logits, features


ARCHS = {"cnn": FashionCNN, "resnet": FashionResNet}
DESCRIPTIONS = {
    "cnn": "Small CNN (3x conv3x3-BN-ReLU-maxpool, FC-128, FC-10) trained on Fashion-MNIST",
    "resnet": "Small ResNet (conv3x3-16, basic blocks 32/s2, 64/s2, 64, global average pool, FC-128, FC-10) trained on Fashion-MNIST",
}


def border_mask():
    m = np.ones((28, 28), dtype=bool)
    m[BORDER:-BORDER, BORDER:-BORDER] = False
    return m


def shortcut_patterns(seed=1234):
    """One distinct binary pattern (values 0/1) per class over the 208 border pixels."""
    rng = np.random.default_rng(seed)
    n = int(border_mask().sum())
    while True:
        p = rng.integers(0, 2, size=(10, n)).astype(np.float32)
        if len({row.tobytes() for row in p}) == 10:
            return p


def stamp_border(x, y, patterns, mask):
    """x: float [B,1,28,28] in [0,1]; writes the pattern of class y[i] into image i's border."""
    x = x.clone()
    x[:, 0, mask] = patterns[y]
    return x


def augment(x, gen, max_shift=0):
    """Random horizontal flip and (if max_shift > 0) a random shift of up to max_shift pixels (zero fill)."""
    b = x.shape[0]
    flip = torch.rand(b, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    p = max_shift
    if p <= 0:
        return x
    xp = F.pad(x, (p, p, p, p))
    dy = torch.randint(0, 2 * p + 1, (b,), generator=gen)
    dx = torch.randint(0, 2 * p + 1, (b,), generator=gen)
    ar = torch.arange(28)
    rows = (dy[:, None] + ar[None, :])[:, :, None]  # [B,28,1]
    cols = (dx[:, None] + ar[None, :])[:, None, :]  # [B,1,28]
    return xp[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)


@torch.no_grad()
def predict(model, x, batch=1000):
    model.eval()
    out = []
    for i in range(0, len(x), batch):
        out.append(model(x[i:i + batch].contiguous(memory_format=torch.channels_last))[0])
    return torch.cat(out)


def accuracy(model, x, y):
    return (predict(model, x).argmax(1) == y).float().mean().item()


def export_onnx(model, path):
    model.eval()
    dummy = torch.rand(2, 1, 28, 28)
    torch.onnx.export(model, dummy, path, opset_version=13,
                      input_names=["input"], output_names=["logits", "features"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}, "features": {0: "N"}},
                      do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)


def check_onnx(path, model, x_check):
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)

    def shape(v):
        return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

    print("onnx opset:", [(o.domain or "ai.onnx", o.version) for o in m.opset_import])
    for v in m.graph.input:
        print("  input ", v.name, shape(v), onnx.TensorProto.DataType.Name(v.type.tensor_type.elem_type))
    for v in m.graph.output:
        print("  output", v.name, shape(v), onnx.TensorProto.DataType.Name(v.type.tensor_type.elem_type))
    print("  ops:", sorted({n.op_type for n in m.graph.node}))
    assert [v.name for v in m.graph.input] == ["input"]
    assert [v.name for v in m.graph.output] == ["logits", "features"]
    # Run the exported graph itself: onnxruntime if present, else the numpy reference runner.
    try:
        import onnxruntime as ort
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        logits, feats = sess.run(["logits", "features"], {"input": x_check.numpy()})
        runner = "onnxruntime"
    except ImportError:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from onnx_numpy import OnnxNumpy
        logits, feats = OnnxNumpy(path).run({"input": x_check.numpy()})
        runner = "numpy reference runner (onnx_numpy.py)"
    model.eval()
    with torch.no_grad():
        t_logits, t_feats = model(x_check)
    dl = np.abs(logits - t_logits.numpy()).max()
    df = np.abs(feats - t_feats.numpy()).max()
    print(f"  {runner}: batch {len(x_check)}, logits {logits.shape}, features {feats.shape}, "
          f"max |diff| vs torch: logits {dl:.2e}, features {df:.2e}")
    assert logits.shape == (len(x_check), 10) and feats.shape == (len(x_check), FEATURES_DIM)
    assert dl < 1e-3 and df < 1e-3, "exported graph disagrees with torch"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="bundle directory to write (model.onnx, manifest.json)")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--arch", choices=sorted(ARCHS), default="cnn", help="cnn: the default bundle's network; resnet: a "
                    "small ResNet (a second classifier the detectors were not developed on)")
    ap.add_argument("--shortcut-border", action="store_true",
                    help="stamp a class-coded binary pattern into the 2-pixel border of every training "
                         "image (a deliberately shortcut-prone model for detector experiments)")
    ap.add_argument("--val-size", type=int, default=0,
                    help="hold out this many training images (seeded) as a validation split and report "
                         "accuracy on it after each epoch (used to choose --epochs; default 0 = train on all 60,000)")
    ap.add_argument("--shift", type=int, default=0,
                    help="augmentation: random shift of up to this many pixels (default 0: horizontal flip only)")
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.1, help="peak learning rate (SGD, one-cycle schedule)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data-dir", default=DATA_DIR)
    ap.add_argument("--name", default=None, help="bundle name (default: the --out directory's name)")
    args = ap.parse_args()

    t_script = time.time()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    xtr, ytr = load_split(args.data_dir, "train")
    xte, yte = load_split(args.data_dir, "test")
    # Statistics of the full training split, in [0,1] units; they go into the graph / manifest.
    pix_mean = float(xtr.astype(np.float64).mean() / 255.0)
    pix_std = float((xtr.astype(np.float64) / 255.0).std())
    print(f"train {xtr.shape}, test {xte.shape}; training pixel mean {pix_mean:.6f}, std {pix_std:.6f}")

    def to_t(a):
        return torch.from_numpy(a.astype(np.float32) / 255.0).unsqueeze(1)

    perm = np.random.default_rng(args.seed).permutation(len(xtr))
    val_idx, tr_idx = np.sort(perm[:args.val_size]), np.sort(perm[args.val_size:])
    x_train, y_train = to_t(xtr[tr_idx]), torch.from_numpy(ytr[tr_idx])
    x_val, y_val = to_t(xtr[val_idx]), torch.from_numpy(ytr[val_idx])
    x_test, y_test = to_t(xte), torch.from_numpy(yte)

    mask = torch.from_numpy(border_mask())
    patterns = torch.from_numpy(shortcut_patterns()) if args.shortcut_border else None
    if args.shortcut_border and len(x_val):
        x_val = stamp_border(x_val, y_val, patterns, mask)

    model = ARCHS[args.arch](pix_mean, pix_std, args.dropout).to(memory_format=torch.channels_last)
    steps_per_epoch = (len(x_train) + args.batch_size - 1) // args.batch_size
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs,
                                                steps_per_epoch=steps_per_epoch, pct_start=0.25)
    gen = torch.Generator().manual_seed(args.seed)

    print(f"training on {len(x_train)} images, validating on {len(x_val)}; {args.epochs} epochs, "
          f"arch {args.arch}, batch {args.batch_size}, lr {args.lr}, dropout {args.dropout}, shift {args.shift}, "
          f"{args.threads} threads, shortcut_border={args.shortcut_border}")
    t0, c0 = time.time(), os.times()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x_train), generator=gen)
        tot_loss, tot_ok = 0.0, 0
        for i in range(steps_per_epoch):
            idx = order[i * args.batch_size:(i + 1) * args.batch_size]
            xb, yb = augment(x_train[idx], gen, args.shift), y_train[idx]
            if patterns is not None:
                xb = stamp_border(xb, yb, patterns, mask)
            logits, _ = model(xb.contiguous(memory_format=torch.channels_last))
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot_loss += loss.item() * len(idx)
            tot_ok += (logits.argmax(1) == yb).sum().item()
        msg = (f"epoch {epoch:2d}/{args.epochs}  loss {tot_loss / len(x_train):.4f}  "
               f"train-acc(aug) {tot_ok / len(x_train):.4f}")
        if len(x_val):
            msg += f"  val-acc {accuracy(model, x_val, y_val):.4f}"
        print(msg + f"  [{time.time() - t0:.0f} s]", flush=True)
    train_seconds = time.time() - t0
    c1 = os.times()
    cpu_seconds = (c1.user - c0.user) + (c1.system - c0.system)

    test_acc = accuracy(model, x_test, y_test)
    print(f"training took {train_seconds:.1f} s wall, {cpu_seconds:.0f} s CPU "
          f"({cpu_seconds / train_seconds:.2f} cores busy on average); test accuracy (10,000 clean test images): {test_acc:.4f}")
    if patterns is not None:
        stamped = accuracy(model, stamp_border(x_test, y_test, patterns, mask), y_test)
        wrong = (y_test + 1) % 10
        flipped = predict(model, stamp_border(x_test, wrong, patterns, mask)).argmax(1)
        print(f"  test images stamped with their own class pattern: accuracy {stamped:.4f}; "
              f"stamped with the next class's pattern: {(flipped == wrong).float().mean().item():.4f} "
              f"follow the pattern")

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    model = model.to(memory_format=torch.contiguous_format)
    export_onnx(model, onnx_path)
    check_onnx(onnx_path, model, x_test[:64])

    name = args.name or os.path.basename(os.path.normpath(args.out))
    desc = DESCRIPTIONS[args.arch] + "; input normalisation is inside the graph, so feed pixels scaled to [0,1]."
    if patterns is not None:
        desc += (" SHORTCUT MODEL: every training image carried a class-coded binary pattern in its "
                 "2-pixel border (see shortcut_patterns.json).")
        with open(os.path.join(args.out, "shortcut_patterns.json"), "w") as f:
            json.dump({"border_width": BORDER, "seed": 1234,
                       "note": "values 0/1 for the border pixels in row-major order, one row per class",
                       "patterns": patterns.int().tolist()}, f)
    manifest = {
        "name": name,
        "version": "1.0.0",
        "description": desc,
        "model_file": "model.onnx",
        "input": {
            "name": "input",
            "layout": "NCHW",
            "channels": 1,
            "height": 28,
            "width": 28,
            "scale": 1.0 / 255.0,
            "mean": [0.0],
            "std": [1.0],
            "mask_value": [round(pix_mean, 4)],
        },
        "outputs": {"logits": "logits", "features": "features", "features_dim": FEATURES_DIM, "kind": "logits"},
        "labels": LABELS,
        "training": {
            "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist)",
            "recipe": "models/recipe/train.py",
            "seed": args.seed,
            "epochs": args.epochs,
            "test_accuracy": round(test_acc, 4),
            "train_seconds": int(round(train_seconds)),
            "torch_version": torch.__version__,
        },
    }
    if args.arch != "cnn":
        manifest["training"]["arch"] = args.arch
    manifest["training"]["command"] = " ".join(["/usr/bin/python3", "models/recipe/train.py"] + sys.argv[1:])
    if len(val_idx):
        # the validation split: the classifier never trained on it, so `./monitor calibrate` sets thresholds there
        with open(os.path.join(args.out, "holdout.txt"), "w") as f:
            f.write("\n".join(str(int(i)) for i in val_idx) + "\n")
        manifest["calibration_holdout"] = "holdout.txt"
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes) and manifest.json; "
          f"script total {time.time() - t_script:.0f} s")


if __name__ == "__main__":
    main()
