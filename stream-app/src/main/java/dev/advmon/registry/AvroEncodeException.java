package dev.advmon.registry;

/** A record could not be written with its own schema (typically a null in a non-nullable field). */
public final class AvroEncodeException extends RegistrySerdeException {

  public static final String REASON = "BAD_RECORD";

  public AvroEncodeException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public String reason() {
    return REASON;
  }
}
