package dev.advmon.topology;

import dev.advmon.registry.DeclaredLengths;
import dev.advmon.registry.WireFormat;
import dev.advmon.schema.Frame;
import java.io.IOException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * What to tell the producer of a record that is not in the Confluent wire format while its headers carry its schema
 * id: it was written by a registry serde, set to put the id in a header and the Avro body alone in the value, which
 * the monitor does not read (it reads the id from the value, where the Confluent wire format has it). "Not written by
 * a registry serde" would send its producer looking for the wrong mistake; the setting to change is named instead. Two serdes do this: Confluent's (Java and {@code @confluentinc/schemaregistry} with
 * {@code HeaderSchemaIdSerializer}: a schema GUID in {@code __value_schema_id}) and Apicurio's 2.x, by default
 * ({@code apicurio.value.globalId} and its other {@code apicurio.value.*} headers).
 */
final class SchemaIdHeaders {

  private SchemaIdHeaders() {}

  static final String CONFLUENT = "__value_schema_id";
  private static final String APICURIO_PREFIX = "apicurio.value.";

  /**
   * Why a record with {@code headers} and {@code value} is not read, when its value lacks the wire format's magic byte
   * and a header carries its schema id; null otherwise (the wire format's own message says it then). A value that is
   * JSON gets the wire format's advice (an Avro serializer) whatever its headers: it was written by a JSON
   * serializer, and moving its schema id into the value would still leave a value the monitor cannot read.
   */
  static String problem(Headers headers, byte[] value) {
    if (value == null || value.length == 0 || value[0] == WireFormat.MAGIC_BYTE
        || WireFormat.isJson(value)) {
      return null;
    }
    String advice = advice(headers);
    return advice == null ? null : String.format("byte 0 of the value is 0x%02x, not the magic byte 0x00 of the "
        + "Confluent wire format, because ", value[0] & 0xff) + advice;
  }

  /**
   * Why a record with {@code headers} and {@code value} is not read, when its value starts with 0x00, reading it as the
   * wire format failed with {@code failedReason} (an unknown schema id, or a body that does not decode) and a header
   * carries its schema id; null otherwise. An Avro Frame body alone starts with 0x00 when its first field, frameId, is
   * empty (its length is the varint 0): that looks like the magic byte, and bytes 1-4 (the camera id's length and first
   * characters) were read as a schema id. "Schema id N not found" sent its producer looking for a registry mistake.
   * Only a value that decodes whole as such a body gets this advice: a frame in the wire format whose id is unknown
   * and that carries a schema-id header too (copied by a forwarder) keeps its own reason.
   */
  static String problemOfAnEmptyFrameId(Headers headers, byte[] value, String failedReason) {
    if (value == null || value.length < WireFormat.HEADER_SIZE || value[0] != WireFormat.MAGIC_BYTE) {
      return null;
    }
    String advice = advice(headers);
    return advice == null || !isAFrameBodyAlone(value) ? null : "byte 0 of the value is 0x00, which was read as the magic byte of the Confluent "
        + "wire format, and bytes 1-4 as schema id " + WireFormat.schemaId(value) + " (" + failedReason
        + "), but the value is an Avro body alone whose frameId is empty (its length, 0, is written as 0x00; each frame "
        + "needs one), because " + advice;
  }

  /**
   * Whether {@code value} is one whole Avro Frame body with nothing before or after it. Its declared lengths are checked
   * first, as the deserializer does: Avro allocates what a length says before reading it.
   */
  private static boolean isAFrameBodyAlone(byte[] value) {
    if (DeclaredLengths.problem(Frame.getClassSchema(), value, 0, value.length) != null) {
      return false;
    }
    try {
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(value, null);
      new SpecificDatumReader<>(Frame.class).read(null, decoder);
      return decoder.isEnd();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** What the producer must change when a header carries the record's schema id; null when none does. */
  private static String advice(Headers headers) {
    if (headers.lastHeader(CONFLUENT) != null) {
      return "the record carries its schema id in the header " + CONFLUENT + " (Confluent's serializer with "
          + "HeaderSchemaIdSerializer), and the monitor reads it from the value only: set the producer's serializer "
          + "back to PrefixSchemaIdSerializer (Java: value.schema.id.serializer="
          + "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer; @confluentinc/schemaregistry: leave "
          + "schemaIdSerializer unset)";
    }
    for (Header h : headers) {
      if (h.key().startsWith(APICURIO_PREFIX)) {
        return "the record carries its schema id in the header " + LogText.of(DeadLetters.bounded(h.key(), 64))
            + " (Apicurio's serializer, whose 2.x default puts it there), and the monitor reads it from the value "
            + "only: configure the producer's serializer for the Confluent wire format with "
            + WireFormat.APICURIO_SETTINGS + " (the ids of the registry's Confluent API)";
      }
    }
    return null;
  }
}
