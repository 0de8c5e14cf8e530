package dev.advmon.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The inputs a model.onnx declares, with their shapes, for the error that refuses a manifest's {@code input}: DJL's
 * block names the inputs but gives no shapes, and ONNX Runtime's own refusal ("index: 1 Got: 28 Expected: 1") does not
 * say which manifest field to change. Read only on that error path, from a session of its own on the CPU.
 */
final class DeclaredInputs {

  private DeclaredInputs() {}

  /**
   * " (the model declares: 'input' [N, 1, 28, 28], that is layout NCHW, channels 1, height 28, width 28)", or "" where
   * the file cannot be read this way (the caller's message stands without it).
   */
  static String of(Path modelFile) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      // the shapes are in the graph's declaration: no optimisation pass is needed to read them
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      try (OrtSession session = env.createSession(modelFile.toString(), options)) {
        List<String> each = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> input : session.getInputInfo().entrySet()) {
          String one = "'" + input.getKey() + "'";
          if (input.getValue().getInfo() instanceof TensorInfo tensor) {
            long[] shape = tensor.getShape();
            one += " " + shape(shape);
            String reading = reading(shape);
            if (reading != null) {
              one += ", that is " + reading;
            }
          }
          each.add(one);
        }
        return each.isEmpty() ? "" : " (the model declares: " + String.join("; ", each) + ")";
      }
    } catch (OrtException | RuntimeException e) {
      return "";
    }
  }

  /** [N, 1, 28, 28]: a free first axis is the batch (N), any other free axis '?'. */
  static String shape(long[] shape) {
    List<String> dims = new ArrayList<>();
    for (int i = 0; i < shape.length; i++) {
      dims.add(shape[i] >= 0 ? Long.toString(shape[i]) : i == 0 ? "N" : "?");
    }
    return "[" + String.join(", ", dims) + "]";
  }

  /**
   * The manifest's input fields that a 4-axis shape stands for, where its layout is clear: the channel axis, 1 or 3,
   * is the second (NCHW) or the last (NHWC), not both; null otherwise (a flat input, a free size, a 3x3x3 frame).
   */
  static String reading(long[] shape) {
    if (shape.length != 4 || shape[1] <= 0 || shape[2] <= 0 || shape[3] <= 0) {
      return null;
    }
    boolean nchw = shape[1] == 1 || shape[1] == 3;
    boolean nhwc = shape[3] == 1 || shape[3] == 3;
    if (nchw == nhwc) {
      return null;
    }
    return nchw ? "layout NCHW, channels " + shape[1] + ", height " + shape[2] + ", width " + shape[3]
        : "layout NHWC, channels " + shape[3] + ", height " + shape[1] + ", width " + shape[2];
  }
}
