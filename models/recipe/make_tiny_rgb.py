#!/usr/bin/python3
"""Build the tiny RGB plumbing model used by the Java tests (no training; hand-set weights).

    /usr/bin/python3 models/recipe/make_tiny_rgb.py [--out stream-app/src/test/resources/models/tiny-rgb]

input  `input`    float32 [N,3,16,16] NCHW, values in [0,1] (manifest: scale 1/255, mean 0, std 1)
output `features` float32 [N,4] = [mean R, mean G, mean B, mean of all three channels]
output `logits`   float32 [N,3] = 10 * [mean R, mean G, mean B]
So a pure red image is class 0 "red" (logits [10,0,0]), pure green class 1, pure blue class 2;
a uniform gray image ties all three logits (argmax = 0).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


class TinyRgb(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.feat = nn.Linear(3, 4)
        self.head = nn.Linear(4, 3)
        with torch.no_grad():
            self.feat.weight.copy_(torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1 / 3, 1 / 3, 1 / 3]]))
            self.feat.bias.zero_()
            self.head.weight.copy_(torch.tensor([[10.0, 0, 0, 0], [0, 10.0, 0, 0], [0, 0, 10.0, 0]]))
            self.head.bias.zero_()

    def forward(self, x):
        features = self.feat(torch.flatten(self.pool(x), 1))
        return self.head(features), features


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="stream-app/src/test/resources/models/tiny-rgb")
    args = ap.parse_args()
    torch.manual_seed(0)
    model = TinyRgb().eval()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(model, torch.rand(2, 3, 16, 16), path, opset_version=13,
                      input_names=["input"], output_names=["logits", "features"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}, "features": {0: "N"}},
                      do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    for v in list(m.graph.input) + list(m.graph.output):
        print(" ", v.name, [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim])
    print("  ops:", sorted({n.op_type for n in m.graph.node}))

    # Check the exported graph on pure colours, gray and random images.
    from onnx_numpy import OnnxNumpy
    x = np.zeros((5, 3, 16, 16), np.float32)
    x[0, 0] = 1.0
    x[1, 1] = 1.0
    x[2, 2] = 1.0
    x[3] = 0.5
    x[4] = np.random.default_rng(0).random((3, 16, 16))
    logits, feats = OnnxNumpy(path).run({"input": x})
    with torch.no_grad():
        t_logits, t_feats = model(torch.from_numpy(x))
    means = x.mean(axis=(2, 3))
    assert np.allclose(logits, 10 * means, atol=1e-5) and np.allclose(t_logits.numpy(), logits, atol=1e-5)
    assert np.allclose(feats, np.c_[means, means.mean(1)], atol=1e-5)
    assert list(logits[:3].argmax(1)) == [0, 1, 2]
    print("  logits:", np.round(logits, 4).tolist())
    print("  features:", np.round(feats, 4).tolist())

    manifest = {
        "name": "tiny-rgb",
        "version": "1.0.0",
        "description": "Plumbing model for tests: logits = 10 x per-channel mean (red, green, blue), "
                       "features = [mean R, mean G, mean B, overall mean]. Hand-set weights, no training.",
        "model_file": "model.onnx",
        "input": {
            "name": "input",
            "layout": "NCHW",
            "channels": 3,
            "height": 16,
            "width": 16,
            "scale": 1.0 / 255.0,
            "mean": [0.0, 0.0, 0.0],
            "std": [1.0, 1.0, 1.0],
            "mask_value": [0.5, 0.5, 0.5],
        },
        "outputs": {"logits": "logits", "features": "features", "features_dim": 4, "kind": "logits"},
        "labels": ["red", "green", "blue"],
        "training": {
            "dataset": "none (hand-set weights)",
            "recipe": "models/recipe/make_tiny_rgb.py",
            "seed": 0,
            "epochs": 0,
            "test_accuracy": None,
            "train_seconds": 0,
            "torch_version": torch.__version__,
        },
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and manifest.json")


if __name__ == "__main__":
    main()
