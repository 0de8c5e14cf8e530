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
    String json = jsonText(data);
    if (json != null) {
      String text = json.strip();
      throw new WireFormatException(String.format("byte 0 is 0x%02x, not the magic byte 0x00: the value looks like JSON "
          + "(%sit starts with '%c'), and the monitor reads Avro in the Confluent wire format (magic byte 0, a 4-byte "
          + "schema id, the Avro binary body): produce frames with a schema-registry Avro serializer (Confluent's "
          + "KafkaAvroSerializer or @confluentinc/schemaregistry's AvroSerializer; Apicurio's with "
          + APICURIO_SETTINGS + "), not a JSON serializer",
          data[0] & 0xff, wideEncoding(data) == null ? "" : "in " + wideEncoding(data).name() + ", ", text.charAt(0)));
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
   * Whether {@code data}, after blanks and a byte order mark, is JSON as a JSON producer writes it: an object or array
   * whose first document reads without a syntax error, whole or cut short, whatever follows it (several documents in
   * one record, NDJSON, or more text), in UTF-8, UTF-16 or UTF-32 (as JSON's RFC 4627 tells them apart), and one NUL
   * at its end (a C string's terminator) aside. Neither can start a wire-format record, whose byte 0 is 0x00: such a
   * record is never JSON here, so that a frame is always read as one (UTF-16 and UTF-32 big-endian without a byte
   * order mark start with 0x00, and are left to the wire format's messages). "Not written by a registry serde" alone
   * sends a JSON producer looking for the wrong mistake.
   *
   * <p>Starting like JSON is not enough: an Avro Frame body alone (its schema id in a header) starts with frameId's
   * length as a zigzag varint, which is a blank for 5 characters (0x0a) and 16 (0x20), so a frame id starting with
   * '{' or '[' looks like JSON after blanks. A Frame body always holds a control character JSON text never has,
   * outside or inside a string: sourceId's union branch (0x00 or 0x02), followed by at least six more fields' bytes,
   * so it is never the one NUL allowed at the end. Text that only starts with a bracket ("[INFO] ...") fails the
   * syntax. In UTF-16 and UTF-32, whose ASCII characters hold 0x00 bytes, the control characters are those of the
   * decoded text, and the first bytes rule out a Frame body instead: as a varint, frameId's length would be negative
   * (odd in zigzag) after FF FE (little-endian's byte order mark, whose next byte is below 0x80) and after '{' or '['
   * (little-endian without one, which must start with the bracket, not a blank), and FE FF 00 (big-endian's mark, then
   * a character's high byte) is no varint an Avro writer writes (it never ends one with 0x00 after a continued byte).
   * Public for the topology's advice on schema-id headers, which this one overrides.
   */
  public static boolean isJson(byte[] data) {
    return jsonText(data) != null;
  }

  /** What {@link #isJson} reads: {@code data} decoded, without its byte order mark and end NUL; null if not JSON. */
  private static String jsonText(byte[] data) {
    if (data == null || data.length == 0 || data[0] == MAGIC_BYTE) {
      return null;
    }
    java.nio.charset.Charset wide = wideEncoding(data);
    // malformed bytes read as U+FFFD: Latin-1 text in a JSON string, or a document cut inside a character, is still
    // JSON, and no byte below 0x80 (a control character) is ever taken into a malformed sequence
    String text = new String(data, wide == null ? java.nio.charset.StandardCharsets.UTF_8 : wide);
    boolean mark = !text.isEmpty() && text.charAt(0) == '\uFEFF';
    if (mark) {
      text = text.substring(1);
    }
    if (!text.isEmpty() && text.charAt(text.length() - 1) == 0) {
      text = text.substring(0, text.length() - 1); // one NUL at the end: a C string's terminator
    }
    int i = 0;
    // without a byte order mark, a wide encoding must start with the bracket itself (see above)
    while ((wide == null || mark) && i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t'
        || text.charAt(i) == '\n' || text.charAt(i) == '\r')) {
      i++;
    }
    if (i >= text.length() || text.charAt(i) != '{' && text.charAt(i) != '[') {
      return null;
    }
    for (int k = 0; k < text.length(); k++) {
      char c = text.charAt(k);
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return null;
      }
    }
    try (JsonParser parser = JSON.createParser(text)) {
      parser.nextToken();
      parser.skipChildren(); // the first document only: what follows it is not read
      return text;
    } catch (JsonEOFException e) {
      return text; // cut short inside its first document
    } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
      // read without a syntax error up to one of the parser's limits (nested deeper than 1,000, a number of more than
      // 1,000 digits): JSON too large for the parser, not text that is something else
      return text;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * UTF-16 or UTF-32 as RFC 4627 tells them from UTF-8 (by the 0x00 bytes of its first characters, or a byte order
   * mark), with the endianness the bytes say; null for UTF-8 and for the big-endian forms that start with 0x00.
   */
  private static java.nio.charset.Charset wideEncoding(byte[] data) {
    int b0 = data.length > 0 ? data[0] & 0xff : -1;
    int b1 = data.length > 1 ? data[1] & 0xff : -1;
    boolean twoZeros = data.length > 3 && data[2] == 0 && data[3] == 0;
    if (b0 == 0xfe && b1 == 0xff) {
      return java.nio.charset.StandardCharsets.UTF_16BE; // decoding keeps the mark as U+FEFF, dropped after
    }
    if (b0 == 0xff && b1 == 0xfe) {
      return twoZeros ? java.nio.charset.Charset.forName("UTF-32LE") : java.nio.charset.StandardCharsets.UTF_16LE;
    }
    if (b0 > 0 && b1 == 0) {
      return twoZeros ? java.nio.charset.Charset.forName("UTF-32LE") : java.nio.charset.StandardCharsets.UTF_16LE;
    }
    return null;
  }

  private static final JsonFactory JSON = new JsonFactory();

  /** Writes the 5-byte header for {@code schemaId} into the first bytes of {@code target}. */
  static void writeHeader(byte[] target, int schemaId) {
    target[0] = MAGIC_BYTE;
    ByteBuffer.wrap(target, 1, 4).putInt(schemaId);
  }
}
