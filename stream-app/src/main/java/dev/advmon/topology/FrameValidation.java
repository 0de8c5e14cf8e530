package dev.advmon.topology;

import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;

/** Checks of a decoded Frame's fields that the Avro schema cannot express. */
final class FrameValidation {

  private FrameValidation() {}

  /** What is wrong with {@code frame}, or null when it may be scored. */
  static String problem(Frame frame) {
    for (var id : new String[][] {{"frameId", frame.getFrameId()}, {"cameraId", frame.getCameraId()}}) {
      if (id[1] == null || id[1].isEmpty()) {
        return id[0] + " is empty; each frame needs one";
      }
      if (id[1].isBlank()) {
        // called empty, a producer that sends spaces or a tab looked for an id it does not leave out
        return id[0] + " is blank (white space only); each frame needs one";
      }
    }
    for (var id : new String[][] {{"frameId", frame.getFrameId()}, {"cameraId", frame.getCameraId()},
        {"sourceId", frame.getSourceId()}}) {
      if (id[1] != null && id[1].length() > RecordLimits.MAX_ID_CHARS) {
        // ids travel in every verdict and alert: unbounded, one frame could make them too large to write
        return id[0] + " has " + id[1].length() + " characters; at most " + RecordLimits.MAX_ID_CHARS + " are accepted";
      }
    }
    if (frame.getEncoding() == ImageEncoding.UNKNOWN) {
      return "encoding is UNKNOWN (written with an encoding this monitor does not know); use PNG, JPEG, GRAY8 or RGB8";
    }
    if (frame.getImage() == null || !frame.getImage().hasRemaining()) {
      return "image is empty";
    }
    boolean raw = frame.getEncoding() == ImageEncoding.GRAY8 || frame.getEncoding() == ImageEncoding.RGB8;
    if (raw && (frame.getWidth() == null || frame.getHeight() == null)) {
      return "encoding " + frame.getEncoding() + " needs width and height";
    }
    return null;
  }
}
