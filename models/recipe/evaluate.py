#!/usr/bin/python3
"""Accuracy of a model bundle on a folder of PNGs with a labels.csv (file,label,...).

    /usr/bin/python3 models/recipe/evaluate.py models/fashion-mnist-cnn models/eval/fashion-mnist-test

Decodes the PNG files and applies the manifest's input formula exactly as the Java side does:
value = (pixel * scale - mean[c]) / std[c], pixel 0..255, then runs the exported model.onnx
(onnxruntime when installed, otherwise the numpy reference runner onnx_numpy.py).
"""
import argparse
import csv
import json
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def load_images(folder, spec):
    with open(os.path.join(folder, "labels.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    mode = "L" if spec["channels"] == 1 else "RGB"
    x = np.stack([np.asarray(Image.open(os.path.join(folder, r["file"])).convert(mode), dtype=np.float32)
                  for r in rows])
    if x.ndim == 3:
        x = x[..., None]                        # N,H,W,C
    mean = np.asarray(spec.get("mean", [0.0]), np.float32)
    std = np.asarray(spec.get("std", [1.0]), np.float32)
    x = (x * np.float32(spec["scale"]) - mean) / std
    if spec.get("layout", "NCHW") == "NCHW":
        x = x.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(x, dtype=np.float32), np.array([int(r["label"]) for r in rows]), rows


def make_runner(model_path):
    try:
        import onnxruntime as ort
        sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        return "onnxruntime", lambda name, feeds, outs: sess.run(outs, feeds)
    except ImportError:
        from onnx_numpy import OnnxNumpy
        r = OnnxNumpy(model_path)
        return "onnx_numpy", lambda name, feeds, outs: r.run(feeds, outs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("images")
    ap.add_argument("--batch", type=int, default=250)
    args = ap.parse_args()
    with open(os.path.join(args.bundle, "manifest.json")) as f:
        man = json.load(f)
    spec = man["input"]
    x, y, _ = load_images(args.images, spec)
    runner_name, run = make_runner(os.path.join(args.bundle, man["model_file"]))
    logits_name = man["outputs"]["logits"]
    preds = []
    for i in range(0, len(x), args.batch):
        preds.append(run(spec["name"], {spec["name"]: x[i:i + args.batch]}, [logits_name])[0].argmax(1))
    pred = np.concatenate(preds)
    acc = float((pred == y).mean())
    print(f"{man['name']} on {args.images}: {int((pred == y).sum())}/{len(y)} correct, accuracy {acc:.4f} "
          f"(PNG-decoded, runner {runner_name})")
    labels = man["labels"]
    for c in range(len(labels)):
        sel = y == c
        if sel.any():
            print(f"  {c} {labels[c]:12s} {float((pred[sel] == c).mean()):.3f}  (n={int(sel.sum())})")


if __name__ == "__main__":
    main()
