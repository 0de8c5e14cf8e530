package dev.advmon.topology;

import dev.advmon.image.FloatImage;
import dev.advmon.schema.Frame;

/**
 * A frame that passed decoding and validation, with its image already in the model's geometry. The original
 * bytes travel along in case scoring fails and the frame must go to the dead-letter topic. {@code redrivenFrom}: the
 * dead letter redrive sent it back from when the record bore {@link RedrivenFrames#HEADER}, else null (the input's
 * headers are not passed on to the outputs).
 */
public record DecodedFrame(Frame frame, FloatImage image, byte[] originalKey, byte[] originalValue,
    String topic, int partition, long offset, String redrivenFrom) {

  /** Whether redrive sent it back from a dead letter. */
  public boolean redriven() {
    return redrivenFrom != null;
  }
}
