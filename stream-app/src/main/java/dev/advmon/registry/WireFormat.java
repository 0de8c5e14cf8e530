package dev.advmon.registry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, then the Avro binary
 * body. Public so that the topology can read the id of a record it dead-letters.
 */
public final class WireFormat {

  public static final byte MAGIC_BYTE = 0;
  public static final int HEADER_SIZE = 5;

  /**
   * The settings that make Apicurio's serializer 2.x write this format (the id in the value, 4 bytes, of the registry's
   * Confluent API): every message that tells an Apicurio producer what to change names them in these words.
   */
  public static final String APICURIO_SETTINGS = "apicurio.registry.headers.enabled=false, "
      + "apicurio.registry.as-confluent=true and apicurio.registry.use-id=contentId";

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
    if (isJson(data)) {
      throw new WireFormatException(String.format("byte 0 is 0x%02x, not the magic byte 0x00: the value looks like JSON "
          + "(it starts with '%c'), and the monitor reads Avro in the Confluent wire format (magic byte 0, a 4-byte "
          + "schema id, the Avro binary body): produce frames with a schema-registry Avro serializer (Confluent's "
          + "KafkaAvroSerializer or @confluentinc/schemaregistry's AvroSerializer; Apicurio's with "
          + APICURIO_SETTINGS + "), not a JSON serializer",
          data[0] & 0xff, (char) data[firstNonBlank(data)]));
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

  /**
   * Whether {@code data}, after blanks and a UTF-8 byte order mark, is JSON as a JSON producer writes it: an object or
   * array whose first document reads without a syntax error, whole or cut short, whatever follows it (several
   * documents in one record, NDJSON, or more text). Neither can start a wire-format record (byte 0 would be 0x00),
   * and "not written by a registry serde" alone sends its producer looking for the wrong mistake. Starting like JSON
   * is not enough: an Avro Frame body starts with frameId's length as a zigzag varint, which is a blank for 5
   * characters (0x0a) and 16 (0x20), so a frame id starting with '{' or '[' looks like JSON after blanks. A Frame body
   * always holds a control character JSON text never has, outside or inside a string: sourceId's union branch (0x00
   * or 0x02) and the encoding enum (0x00-0x08). Text that only starts with a bracket ("[INFO] ...") fails the syntax.
   * Public for the topology's advice on schema-id headers, which this one overrides.
   */
  public static boolean isJson(byte[] data) {
    int i = firstNonBlank(data);
    if (i >= data.length || data[i] != '{' && data[i] != '[') {
      return false;
    }
    for (byte b : data) {
      if (b >= 0 && b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
        return false;
      }
    }
    try (JsonParser parser = JSON.createParser(data)) {
      parser.nextToken();
      parser.skipChildren(); // the first document only: what follows it is not read
      return true;
    } catch (JsonEOFException e) {
      return true; // cut short inside its first document
    } catch (IOException e) {
      return false;
    }
  }

  private static final JsonFactory JSON = new JsonFactory();

  private static int firstNonBlank(byte[] data) {
    int i = data.length >= 3 && (data[0] & 0xff) == 0xef && (data[1] & 0xff) == 0xbb && (data[2] & 0xff) == 0xbf ? 3 : 0;
    while (i < data.length && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) {
      i++;
    }
    return i;
  }

  /** Writes the 5-byte header for {@code schemaId} into the first bytes of {@code target}. */
  static void writeHeader(byte[] target, int schemaId) {
    target[0] = MAGIC_BYTE;
    ByteBuffer.wrap(target, 1, 4).putInt(schemaId);
  }
}
