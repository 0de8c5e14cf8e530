package dev.advmon.registry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversion;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.ResolvingDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The reader's {@code timestamp-millis} fields (Frame's {@code captureTime}) as a writer wrote them with another
 * timestamp unit, or made nullable. Avro's resolution ignores logical types, so a writer's
 * {@code timestamp-micros} would read as milliseconds (the year 55840), and Avro 1.12 fails every record of a writer
 * whose union holds a long that the reader converts ("Cannot convert ...: expected generic type"), the long too.
 * Such fields are read here as the writer's plain long (or {@code ["null", "long"]}) and converted by the writer's
 * unit: micros and nanos divided down to millis, truncated toward the past (floor), {@code local-timestamp-*} read as
 * if UTC (the writer names no zone, and the monitor has none to apply). A record holding null there is read whole
 * and then refused, naming the field. Only the top-level fields of a record reader; a writer whose long has no
 * logical type is read as milliseconds, as before.
 */
final class WriterTimes {

  private WriterTimes() {}

  /** What one field needs: the writer's unit, whether the writer's type lets null in, the reader's field. */
  private record Adjusted(long divisor, boolean nullable, Schema.Field readerField, String writerType) {}

  /**
   * A reader of {@code writer}'s records as {@code reader}'s, converting the fields described above; null when no
   * field needs it (then Avro's own resolving reader is right).
   */
  static <T> Reader<T> readerFor(Schema writer, Schema reader, int id) {
    if (writer.getType() != Schema.Type.RECORD || reader.getType() != Schema.Type.RECORD) {
      return null;
    }
    Map<String, Adjusted> byName = new java.util.LinkedHashMap<>();
    for (Schema.Field r : reader.getFields()) {
      Schema.Field w = writerField(writer, r);
      if (w == null || !isTimestampMillis(r.schema())) {
        continue;
      }
      Adjusted a = adjusted(w.schema(), r);
      if (a != null) {
        byName.put(r.name(), a);
      }
    }
    if (byName.isEmpty()) {
      return null;
    }
    // the reader's schema with each such field of the writer's shape without logical types: resolution then reads
    // the raw long (or null), which readField below converts
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field r : reader.getFields()) {
      Adjusted a = byName.get(r.name());
      if (a == null) {
        fields.add(new Schema.Field(r, r.schema()));
        continue;
      }
      Schema raw = Schema.create(Schema.Type.LONG);
      Schema.Field f = new Schema.Field(r.name(), a.nullable() ? Schema.createUnion(Schema.create(Schema.Type.NULL),
          raw) : raw, r.doc()); // no default: the writer has the field
      r.aliases().forEach(f::addAlias);
      fields.add(f);
    }
    Schema decoding = Schema.createRecord(reader.getName(), reader.getDoc(), reader.getNamespace(), reader.isError(),
        fields);
    reader.getAliases().forEach(decoding::addAlias);
    return new Reader<>(writer, decoding, byName, "writer schema id " + id + " (" + writer.getFullName() + ")");
  }

  /** The writer's field the reader's {@code r} reads: by name, else by one of {@code r}'s aliases (Avro's rule). */
  private static Schema.Field writerField(Schema writer, Schema.Field r) {
    Schema.Field w = writer.getField(r.name());
    if (w != null) {
      return w;
    }
    for (String alias : r.aliases()) {
      w = writer.getField(alias);
      if (w != null) {
        return w;
      }
    }
    return null;
  }

  private static boolean isTimestampMillis(Schema s) {
    return s.getType() == Schema.Type.LONG && s.getLogicalType() != null
        && s.getLogicalType().getName().equals("timestamp-millis");
  }

  /** What the writer's {@code type} needs for the reader's field {@code r}; null when Avro reads it right. */
  private static Adjusted adjusted(Schema type, Schema.Field r) {
    if (type.getType() == Schema.Type.LONG) {
      long divisor = divisor(type);
      return divisor > 1 ? new Adjusted(divisor, false, r, type.toString()) : null;
    }
    if (type.getType() == Schema.Type.UNION && type.getTypes().size() == 2) {
      Schema first = type.getTypes().get(0);
      Schema second = type.getTypes().get(1);
      Schema time = first.getType() == Schema.Type.NULL ? second : second.getType() == Schema.Type.NULL ? first : null;
      if (time != null && time.getType() == Schema.Type.LONG) {
        // null first or last: the decoding schema's union is ["null", "long"] either way, resolved by branch type
        return new Adjusted(divisor(time), true, r, type.toString());
      }
    }
    return null;
  }

  /** How many of the writer's units make a millisecond: its logical type's; none (plain long) is millis. */
  private static long divisor(Schema longType) {
    LogicalType t = longType.getLogicalType();
    if (t == null) {
      return 1;
    }
    return switch (t.getName()) {
      case "timestamp-micros", "local-timestamp-micros" -> 1_000L;
      case "timestamp-nanos", "local-timestamp-nanos" -> 1_000_000L;
      default -> 1; // timestamp-millis, local-timestamp-millis (read as UTC), and what Avro itself would not convert
    };
  }

  /** Reads with the decoding schema and converts the adjusted fields; refuses a record that holds null in one. */
  static final class Reader<T> extends SpecificDatumReader<T> {

    /** By field name, for the top-level record only ({@link #topLevel}). */
    private final Map<String, Adjusted> adjusted;
    private final String writerName;

    private Reader(Schema writer, Schema decoding, Map<String, Adjusted> adjusted, String writerName) {
      super(writer, decoding, slowReading(SpecificData.getForSchema(decoding)));
      this.adjusted = adjusted;
      this.writerName = writerName;
    }

    /**
     * {@code model}'s conversions on Avro's field-by-field reader: Avro 1.12's fast reader (its default) never calls
     * {@link #readField}. A copy, so that the generated class's shared model stays as it is.
     */
    private static SpecificData slowReading(SpecificData model) {
      SpecificData own = new SpecificData(model.getClassLoader());
      model.getConversions().forEach(own::addLogicalTypeConversion);
      own.setFastReaderEnabled(false);
      return own;
    }

    /** The decoding schema: to check the writer's other fields against, as Avro's resolution will. */
    Schema decoding() {
      return getExpected();
    }

    @Override
    protected void readField(Object record, Schema.Field field, Object oldDatum, ResolvingDecoder in, Object state)
        throws IOException {
      Adjusted a = adjusted.get(field.name());
      if (a == null || !topLevel(record)) {
        super.readField(record, field, oldDatum, in, state);
        return;
      }
      Object raw = readWithoutConversion(null, field.schema(), in);
      Object value = raw == null ? null : toReader(record, a, Math.floorDiv((Long) raw, a.divisor()));
      getData().setField(record, field.name(), field.pos(), value);
    }

    /** Whether {@code record} is the reader's record itself, not a record nested in it with a field of that name. */
    private boolean topLevel(Object record) {
      return record instanceof IndexedRecord r && r.getSchema().getFullName().equals(getExpected().getFullName());
    }

    /** The reader's representation of {@code millis}: its class's conversion (an Instant for Frame), else a long. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object toReader(Object record, Adjusted a, long millis) {
      Schema.Field r = a.readerField();
      Conversion conversion = record instanceof SpecificRecordBase s ? s.getConversion(r.pos()) : null;
      return conversion == null ? (Object) millis
          : conversion.fromLong(millis, r.schema(), r.schema().getLogicalType());
    }

    /** The record read, or a refusal naming the first field the writer left null that the reader requires. */
    @Override
    public T read(T reuse, org.apache.avro.io.Decoder in) throws IOException {
      T value = super.read(reuse, in);
      for (Adjusted a : adjusted.values()) {
        if (a.nullable() && value instanceof IndexedRecord rec && rec.get(a.readerField().pos()) == null) {
          String name = a.readerField().name();
          throw new AvroDecodeException(writerName + " makes " + name + " " + a.writerType()
              + " and this record holds null there; a time is required (" + name + " of "
              + getExpected().getFullName() + " has no null): write one in every record, or register a schema where "
              + name + " is a long", null, value);
        }
      }
      return value;
    }
  }
}
