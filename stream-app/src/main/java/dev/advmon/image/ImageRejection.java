package dev.advmon.image;

/** Why a frame's image was refused; stable, so that dashboards and dead-letter consumers can count them. */
public enum ImageRejection {
  TOO_MANY_BYTES,
  /** Too many pixels, or a width or height above the limit. */
  TOO_MANY_PIXELS,
  BAD_MAGIC,
  TRUNCATED,
  CORRUPT,
  UNSUPPORTED,
  /** Missing, zero or negative dimensions, or dimensions that disagree with the bytes or the header. */
  BAD_DIMENSIONS;

  /** The {@code reason} of the DeadLetter record: size refusals are told apart from broken images. */
  public String deadLetterReason() {
    return switch (this) {
      case TOO_MANY_BYTES, TOO_MANY_PIXELS -> "IMAGE_TOO_LARGE";
      default -> "UNDECODABLE_IMAGE";
    };
  }
}
