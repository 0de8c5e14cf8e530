package dev.advmon.image;

import java.util.Optional;

/** How a frame's bytes are encoded; the names match the {@code ImageEncoding} symbols of the Frame schema. */
public enum ImageFormat {
  PNG(1, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}),
  JPEG(1, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}),
  /** One byte per pixel, row-major; width and height come from the frame, not the bytes. */
  GRAY8(1, null),
  /** Three bytes per pixel (R, G, B), interleaved, row-major; width and height come from the frame. */
  RGB8(3, null);

  private final int rawChannels;
  private final byte[] magic;

  ImageFormat(int rawChannels, byte[] magic) {
    this.rawChannels = rawChannels;
    this.magic = magic;
  }

  /** Whether the bytes carry their own size (PNG, JPEG) rather than needing width and height beside them. */
  public boolean isEncoded() {
    return magic != null;
  }

  /** Bytes per pixel of a raw format. */
  int rawChannels() {
    return rawChannels;
  }

  /** The encoded format whose signature starts {@code bytes}, if any; raw formats have no signature. */
  public static Optional<ImageFormat> detect(byte[] bytes) {
    for (ImageFormat format : values()) {
      if (format.isEncoded() && format.matches(bytes)) {
        return Optional.of(format);
      }
    }
    return Optional.empty();
  }

  boolean matches(byte[] bytes) {
    if (magic == null || bytes == null || bytes.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (bytes[i] != magic[i]) {
        return false;
      }
    }
    return true;
  }

  /** True when {@code bytes} is shorter than the signature but agrees with it as far as it goes. */
  boolean isTruncatedMagic(byte[] bytes) {
    if (magic == null || bytes.length >= magic.length) {
      return false;
    }
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] != magic[i]) {
        return false;
      }
    }
    return true;
  }
}
