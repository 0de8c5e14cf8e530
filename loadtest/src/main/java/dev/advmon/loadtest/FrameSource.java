package dev.advmon.loadtest;

import dev.advmon.demo.FrameFactory;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Labelled frames to replay: the evaluation images (PNG, with labels.csv) cycled over the cameras, each sent as
 * an Avro {@link Frame} with a frame id that carries the run and a sequence number, so that the reader can tell
 * this run's verdicts from any others and spot a frame seen twice or never.
 */
final class FrameSource {

  private final List<FrameFactory.EvalImage> images;
  private final String run;

  FrameSource(Path dir, dev.advmon.model.ModelBundle bundle, String run) throws IOException {
    this.images = FrameFactory.loadEvalSet(dir, bundle);
    this.run = run;
  }

  List<FrameFactory.EvalImage> images() {
    return images;
  }

  /** The id of frame {@code seq} of this run. */
  String frameId(long seq) {
    return run + "-" + seq;
  }

  /** The sequence number in a frame id of this run, or -1 for another run's frame (or none). */
  long sequenceOf(CharSequence frameId) {
    if (frameId == null) {
      return -1;
    }
    String id = frameId.toString();
    if (!id.startsWith(run) || id.length() <= run.length() + 1 || id.charAt(run.length()) != '-') {
      return -1;
    }
    try {
      return Long.parseLong(id, run.length() + 1, id.length(), 10);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Frame {@code seq}: image {@code seq mod n}, from camera {@code cameraId}, captured {@code nowMs}. */
  Frame frame(long seq, String cameraId, long nowMs) {
    FrameFactory.EvalImage img = images.get((int) (seq % images.size()));
    return Frame.newBuilder().setFrameId(frameId(seq)).setCameraId(cameraId).setSourceId("loadtest")
        .setCaptureTime(Instant.ofEpochMilli(nowMs)).setEncoding(ImageEncoding.PNG)
        .setImage(ByteBuffer.wrap(img.png()))
        .setAttributes(Map.of("truth.label", Integer.toString(img.label()), "truth.source", img.file(),
            "loadtest.run", run))
        .build();
  }
}
