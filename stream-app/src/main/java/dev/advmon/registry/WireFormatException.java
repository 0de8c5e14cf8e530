package dev.advmon.registry;

/** The bytes are not in the Confluent wire format: null, shorter than the 5-byte header, or a bad magic byte. */
public final class WireFormatException extends RegistrySerdeException {

  public static final String REASON = "BAD_MAGIC_BYTE";

  public WireFormatException(String message) {
    super(message, null);
  }

  @Override
  public String reason() {
    return REASON;
  }
}
