package dev.advmon.registry;

/**
 * The body does not decode with its writer schema, or the writer schema cannot be resolved to the reader
 * schema (an incompatible change was registered, or the record is not Avro at all).
 */
public final class AvroDecodeException extends RegistrySerdeException {

  public static final String REASON = "BAD_AVRO";

  public AvroDecodeException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public String reason() {
    return REASON;
  }
}
