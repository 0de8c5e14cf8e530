"""Adds per-channel statistics of intermediate layers to a bundle's model.onnx, for the monitor's layer-consistency
detector (`consistency`: do the model's earlier layers agree with its decision?).

For each named activation map X [N, C, H, W] the graph gets one more output `layers/<k>` [N, 2C]: the mean of
each channel over H x W, then its standard deviation (population, sqrt(max(E[x^2] - E[x]^2, 0))). Pooled over the
whole map, the statistics say WHICH patterns a layer found, not where: a frame that was rotated or shifted a little
keeps them, and a decision that an attack pushed to another class while the frame's shapes and textures stay
those of its own class shows up as a layer that points elsewhere than the logits. The classifier's outputs
(logits, features, a grafted detector head) are unchanged, so every attack fixture made against the bundle stays
valid; only model.onnx's bytes (its SHA-256) change.

    PYTHONPATH=models/recipe /usr/bin/python3 models/recipe/layer_stats.py --model models/fashion-mnist-cnn \
        --layers /conv/conv.0/conv.0.2/Relu_output_0,/conv/conv.1/conv.1.2/Relu_output_0,/conv/conv.2/conv.2.2/Relu_output_0

`--list` prints the 4-D activations the graph has (Relu and Add outputs), to choose from: one per convolutional
stage is the rule the bundled models follow. Writes model.onnx and manifest.json's `outputs.layers` in place
(run it again with other layers to replace them); then `./monitor calibrate` fits the detector.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper, TensorProto

PREFIX = "layers/"


def strip(model):
    """The graph without a previous run's statistics nodes and outputs."""
    keep = [n for n in model.graph.node if not n.name.startswith(PREFIX)]
    del model.graph.node[:]
    model.graph.node.extend(keep)
    outs = [o for o in model.graph.output if not o.name.startswith(PREFIX)]
    del model.graph.output[:]
    model.graph.output.extend(outs)


def candidates(model):
    return [o for n in model.graph.node if n.op_type in ("Relu", "Add") and not n.name.startswith(PREFIX)
            for o in n.output]


def add_stats(model, tensor, k):
    """Nodes computing [mean, std] per channel of `tensor` as output layers/<k>; returns the output name."""
    p = f"{PREFIX}{k}/"
    out = f"{PREFIX}{k}"
    nodes = [
        helper.make_node("GlobalAveragePool", [tensor], [p + "mean"], name=p + "mean"),
        helper.make_node("Mul", [tensor, tensor], [p + "sq"], name=p + "sq"),
        helper.make_node("GlobalAveragePool", [p + "sq"], [p + "mean_sq"], name=p + "mean_sq"),
        helper.make_node("Mul", [p + "mean", p + "mean"], [p + "sq_mean"], name=p + "sq_mean"),
        helper.make_node("Sub", [p + "mean_sq", p + "sq_mean"], [p + "var_raw"], name=p + "var_raw"),
        # rounding can take E[x^2] - E[x]^2 a little below 0 on a flat channel: sqrt of a negative would be NaN
        helper.make_node("Relu", [p + "var_raw"], [p + "var"], name=p + "var"),
        helper.make_node("Sqrt", [p + "var"], [p + "std"], name=p + "std"),
        helper.make_node("Concat", [p + "mean", p + "std"], [p + "cat"], axis=1, name=p + "cat"),
        helper.make_node("Flatten", [p + "cat"], [out], axis=1, name=p + "flat"),
    ]
    model.graph.node.extend(nodes)
    model.graph.output.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, ["N", None]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="bundle folder (model.onnx + manifest.json), changed in place")
    ap.add_argument("--layers", help="comma-separated names of 4-D activations [N,C,H,W] in the graph")
    ap.add_argument("--list", action="store_true", help="print the candidate activations and exit")
    a = ap.parse_args()
    path = os.path.join(a.model, "model.onnx")
    model = onnx.load(path)
    strip(model)
    if a.list or not a.layers:
        print("\n".join(candidates(model)))
        return
    names = [s for s in a.layers.split(",") if s]
    known = {o for n in model.graph.node for o in n.output}
    for t in names:
        if t not in known:
            raise SystemExit(f"--layers: {t!r} is not a tensor of {path}; --list shows the candidates")
    outs = [add_stats(model, t, k) for k, t in enumerate(names)]
    onnx.checker.check_model(model, full_check=True)
    # check on real input with the recipe's reference runner: every statistic finite, std >= 0, dims 2C
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from onnx_numpy import OnnxNumpy
    tmp = path + ".tmp"
    onnx.save(model, tmp)
    man_path = os.path.join(a.model, "manifest.json")
    man = json.load(open(man_path))
    i = man["input"]
    x = np.random.default_rng(0).random((4, i["channels"], i["height"], i["width"]), dtype=np.float32)
    runner = OnnxNumpy(tmp)
    values = runner.run({i.get("name", "input"): x}, outs)
    dims = []
    for t, v in zip(names, values):
        assert v.ndim == 2 and v.shape[0] == 4 and np.isfinite(v).all(), f"{t}: bad statistics {v.shape}"
        assert (v[:, v.shape[1] // 2:] >= 0).all(), f"{t}: negative standard deviation"
        dims.append(int(v.shape[1]))
    os.replace(tmp, path)
    man["outputs"]["layers"] = outs
    man["layer_stats"] = {
        "recipe": "models/recipe/layer_stats.py",
        "layers": names,
        "command": "PYTHONPATH=models/recipe /usr/bin/python3 models/recipe/layer_stats.py --model "
                   + a.model.rstrip("/") + " --layers " + ",".join(names),
    }
    with open(man_path, "w") as f:
        json.dump(man, f, indent=2)
        f.write("\n")
    print(f"{path}: outputs {outs} (dims {dims}) from {names}")


if __name__ == "__main__":
    main()
