package dev.advmon.image;

import java.util.Objects;

/**
 * A frame's image could not be decoded. Checked, because hostile and broken frames are expected input
 * that the caller must route to the dead-letter topic, not a programming error.
 */
public final class ImageDecodeException extends Exception {

  private static final long serialVersionUID = 1L;

  private final ImageRejection reason;

  public ImageDecodeException(ImageRejection reason, String message) {
    this(reason, message, null);
  }

  public ImageDecodeException(ImageRejection reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public ImageRejection reason() {
    return reason;
  }

  /** Shorthand for {@code reason().deadLetterReason()}. */
  public String deadLetterReason() {
    return reason.deadLetterReason();
  }
}
