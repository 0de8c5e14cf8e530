package dev.advmon.registry;

import java.nio.ByteBuffer;

/**
 * The Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, then the Avro binary
 * body. Public so that the topology can read the id of a record it dead-letters.
 */
public final class WireFormat {

  public static final byte MAGIC_BYTE = 0;
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /**
   * The schema id of {@code data}, after checking the header.
   *
   * @throws WireFormatException when data is null, shorter than the header, or has a bad magic byte
   */
  public static int schemaId(byte[] data) {
    if (data == null) {
      throw new WireFormatException("record has no bytes (null); expected magic byte 0, a 4-byte schema id "
          + "and an Avro body (a tombstone or a producer that does not use the registry serde?)");
    }
    if (data.length < HEADER_SIZE) {
      throw new WireFormatException("record has " + data.length + " byte(s), fewer than the " + HEADER_SIZE
          + "-byte header (magic byte 0 + 4-byte schema id); not written by a registry serde");
    }
    if (data[0] != MAGIC_BYTE) {
      throw new WireFormatException(String.format(
          "byte 0 is 0x%02x, expected the magic byte 0x00 of the Confluent wire format; the record was not "
              + "written by a schema-registry serde (plain Avro, JSON or another format?)", data[0] & 0xff));
    }
    return ByteBuffer.wrap(data, 1, 4).getInt();
  }

  /** Writes the 5-byte header for {@code schemaId} into the first bytes of {@code target}. */
  static void writeHeader(byte[] target, int schemaId) {
    target[0] = MAGIC_BYTE;
    ByteBuffer.wrap(target, 1, 4).putInt(schemaId);
  }
}
