"""A minimal numpy runner for the ONNX graphs made by this recipe (no onnxruntime in Debian).

Supports the operators torch.onnx.export emits for these models (Conv, BatchNormalization,
Relu, MaxPool, GlobalAveragePool, Flatten, Reshape, Gemm, MatMul, Add, Sub, Mul, Div,
Constant, Identity, Softmax, LogSoftmax, Log, Sqrt, Concat). Enough to check an exported bundle end to end; not a general runtime.

    from onnx_numpy import OnnxNumpy
    logits, features = OnnxNumpy("models/fashion-mnist-cnn/model.onnx").run({"input": x})
"""
import numpy as np
import onnx
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _windows(x, kh, kw, sh, sw):
    """x [N,C,H,W] (already padded) -> strided view [N,C,OH,OW,kh,kw]."""
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, c, oh, ow, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3]), writeable=False)


def _pad(x, pads, value=0.0):
    if not pads or not any(pads):
        return x
    t, l, b, r = pads[0], pads[1], pads[2], pads[3]
    return np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), constant_values=value)


def conv(x, w, b=None, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), group=1, **_):
    assert tuple(dilations) == (1, 1) and group == 1, "only plain convolutions supported"
    x = _pad(x, pads)
    win = _windows(x, w.shape[2], w.shape[3], strides[0], strides[1])  # N,C,OH,OW,kh,kw
    y = np.einsum("ncijkl,ockl->noij", win, w, optimize=True)
    if b is not None:
        y = y + b[None, :, None, None]
    return y.astype(np.float32)


def maxpool(x, kernel_shape, strides=None, pads=(0, 0, 0, 0), ceil_mode=0, dilations=(1, 1), **_):
    assert not ceil_mode and tuple(dilations) == (1, 1)
    strides = strides or kernel_shape
    x = _pad(x, pads, -np.inf)
    return _windows(x, kernel_shape[0], kernel_shape[1], strides[0], strides[1]).max(axis=(4, 5))


def gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0, **_):
    a = a.T if transA else a
    b = b.T if transB else b
    y = alpha * (a @ b)
    if c is not None:
        y = y + beta * c
    return y.astype(np.float32)


def batchnorm(x, scale, bias, mean, var, epsilon=1e-5, **_):
    sh = (1, -1) + (1,) * (x.ndim - 2)
    return ((x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + epsilon) * scale.reshape(sh)
            + bias.reshape(sh)).astype(np.float32)


def log_softmax(x, axis=-1, **_):
    z = x - x.max(axis=axis, keepdims=True)  # log of a softmax that underflowed to 0 would be -inf
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def softmax(x, axis=-1, **_):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


OPS = {
    "Conv": lambda i, a: conv(*i, **a),
    "MaxPool": lambda i, a: maxpool(i[0], **a),
    "Relu": lambda i, a: np.maximum(i[0], 0),
    "Gemm": lambda i, a: gemm(*i, **a),
    "MatMul": lambda i, a: (i[0] @ i[1]).astype(np.float32),
    "Add": lambda i, a: i[0] + i[1],
    "Sub": lambda i, a: i[0] - i[1],
    "Mul": lambda i, a: i[0] * i[1],
    "Div": lambda i, a: i[0] / i[1],
    "Flatten": lambda i, a: i[0].reshape(int(np.prod(i[0].shape[:a.get("axis", 1)])), -1),
    "Reshape": lambda i, a: i[0].reshape([d if d != 0 else i[0].shape[k] for k, d in enumerate(i[1])]),
    "Identity": lambda i, a: i[0],
    "BatchNormalization": lambda i, a: batchnorm(*i, **a),
    "GlobalAveragePool": lambda i, a: i[0].mean(axis=(2, 3), keepdims=True),
    "Softmax": lambda i, a: softmax(i[0], **a),
    "LogSoftmax": lambda i, a: log_softmax(i[0], **a),
    "Log": lambda i, a: np.log(i[0]),
    "Sqrt": lambda i, a: np.sqrt(i[0]),
    "Concat": lambda i, a: np.concatenate(i, axis=a["axis"]),
    "Constant": lambda i, a: numpy_helper.to_array(a["value"]),
}


class OnnxNumpy:
    def __init__(self, path):
        self.model = onnx.load(path)
        g = self.model.graph
        self.inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        self.outputs = [o.name for o in g.output]
        for n in g.node:
            if n.op_type not in OPS:
                raise NotImplementedError(f"operator {n.op_type} not supported by onnx_numpy")

    def run(self, feeds, outputs=None):
        env = dict(self.inits)
        env.update({k: np.asarray(v, dtype=np.float32) for k, v in feeds.items()})
        for n in self.model.graph.node:
            ins = [env[x] if x else None for x in n.input]
            env[n.output[0]] = OPS[n.op_type](ins, _attrs(n))
        return [env[o] for o in (outputs or self.outputs)]
