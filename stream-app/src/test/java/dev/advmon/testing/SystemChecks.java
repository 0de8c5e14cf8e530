package dev.advmon.testing;

import dev.advmon.health.HealthReport;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.topology.StreamingMonitor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/** What the fault ITs ask of an in-process monitor, and frames they write with a schema id of their choosing. */
public final class SystemChecks {

  private SystemChecks() {}

  /** Readiness is DOWN with a reason that contains {@code text}. */
  public static boolean reasonsContain(StreamingMonitor monitor, String text) {
    HealthReport r = monitor.health().readiness();
    return !r.up() && r.reasons().stream().anyMatch(s -> s.contains(text));
  }

  /** In-place restarts of Kafka Streams so far ({@code advmon_streams_restarts_total}). */
  public static double restarts(MonitorMetrics metrics) {
    return metrics.registry().get("advmon.streams.restarts").counter().count();
  }

  /** A frame written with {@code schema} (id {@code id}), without asking the registry. */
  public static byte[] frame(Schema schema, int id, String frameId, String camera, byte[] png) {
    GenericRecord r = new GenericData.Record(schema);
    r.put("frameId", frameId);
    r.put("cameraId", camera);
    r.put("captureTime", System.currentTimeMillis());
    r.put("encoding", new GenericData.EnumSymbol(schema.getField("encoding").schema(), "PNG"));
    r.put("image", ByteBuffer.wrap(png));
    r.put("attributes", Map.of());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    try {
      new GenericDatumWriter<GenericRecord>(schema).write(r, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
