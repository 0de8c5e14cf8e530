package dev.advmon.registry;

/**
 * The body does not decode with its writer schema, or the writer schema cannot be resolved to the reader
 * schema (an incompatible change was registered, or the record is not Avro at all).
 */
public final class AvroDecodeException extends RegistrySerdeException {

  public static final String REASON = "BAD_AVRO";

  /** The record as far as it was read (a required field left null), or null: lets a dead letter name it. */
  private final transient Object partialRecord;

  public AvroDecodeException(String message, Throwable cause) {
    this(message, cause, null);
  }

  AvroDecodeException(String message, Throwable cause, Object partialRecord) {
    super(message, cause);
    this.partialRecord = partialRecord;
  }

  /** The whole body was read but a value cannot be used: the record as read, else null. Not a valid record. */
  public Object partialRecord() {
    return partialRecord;
  }

  @Override
  public String reason() {
    return REASON;
  }
}
