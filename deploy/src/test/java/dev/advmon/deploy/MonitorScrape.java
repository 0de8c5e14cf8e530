package dev.advmon.deploy;

import dev.advmon.metrics.MonitorMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The monitor's /metrics as its own MonitorMetrics writes it, with a Kafka Streams client bound (created, not started:
 * its consumers and threads register their metrics at construction) and the gauges a started monitor registers. What
 * the Prometheus rules and the Grafana dashboard select is checked against this, not against a list kept by hand.
 */
final class MonitorScrape {

  /**
   * Series a stream thread's consumer exports only once it has fetched from its assigned partitions, which a client
   * that never started cannot show, with their labels: as a running monitor's /metrics has them (./monitor demo,
   * 2026-12-06, Kafka 4.3.1, Micrometer 1.17.2: one series per topic and partition, the campaign repartition topic
   * among them; Micrometer's refresh then also drops the per-client series of the same name).
   */
  static final Map<String, Set<String>> AFTER_FETCHING = Map.of(
      "kafka_consumer_fetch_manager_records_lag", Set.of("client_id", "kafka_version", "topic", "partition"));
  /** Labels Prometheus adds to every scraped series (target labels from the ServiceMonitor). */
  static final Set<String> TARGET_LABELS = Set.of("job", "namespace", "pod", "service", "instance", "endpoint",
      "container");

  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private MonitorScrape() {}

  /** One sample line of the exposition: its name, labels (in order), value as written, and its family's type. */
  record Sample(String name, Map<String, String> labels, String value, String type) {}

  /**
   * The exposition after {@code traffic} ran on the meters. The gauges the monitor registers as it starts (hanging
   * transactions, lost schema ids, pending frames, model info, a TLS endpoint's certificate expiry) are registered
   * first, as on a running pod.
   */
  static String exposition(Path state, Consumer<MonitorMetrics> traffic) {
    try (MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      metrics.hangingTransactions(() -> 0, () -> 0);
      metrics.schemaIdsLost(() -> 0);
      metrics.pendingFrames(() -> 1);
      metrics.modelInfo("fashion-mnist-cnn", "1.0.0", "OnnxRuntime", List.of("squeeze", "stability", "fooling"));
      metrics.certificateExpiry("kafka-kafka-bootstrap.kafka.svc:9093", () -> 1.8e9); // k8s/base speaks SASL_SSL
      traffic.accept(metrics);
      StreamsBuilder b = new StreamsBuilder();
      b.stream("frames").to("verdicts");
      Properties p = new Properties();
      p.put(StreamsConfig.APPLICATION_ID_CONFIG, "advmon");
      p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1"); // never started: nothing connects
      p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
      try (KafkaStreams streams = new KafkaStreams(b.build(), p)) {
        metrics.bind(streams);
        return metrics.scrape();
      }
    }
  }

  /** The samples of an exposition, each with the type its {@code # TYPE} line gives its family. */
  static List<Sample> samples(String exposition) {
    Map<String, String> types = new HashMap<>();
    List<Sample> out = new ArrayList<>();
    for (String line : exposition.lines().toList()) {
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ");
        types.put(parts[2], parts[3]);
        continue;
      }
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      boolean labelled = brace >= 0 && brace < space;
      String name = line.substring(0, labelled ? brace : space);
      Map<String, String> labels = new LinkedHashMap<>();
      int end = labelled ? line.lastIndexOf('}') : space;
      if (labelled) {
        Matcher l = LABEL.matcher(line.substring(brace, end));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      String value = line.substring(end + (labelled ? 1 : 0)).trim().split(" ")[0];
      out.add(new Sample(name, labels, value, typeOf(name, types)));
    }
    return out;
  }

  /** Metric name to the label names it carries. */
  static Map<String, Set<String>> labelsByName(String exposition) {
    Map<String, Set<String>> out = new HashMap<>();
    for (Sample s : samples(exposition)) {
      out.computeIfAbsent(s.name(), k -> new HashSet<>()).addAll(s.labels().keySet());
    }
    return out;
  }

  /** A histogram's or summary's _bucket, _count and _sum samples carry its family's type. */
  private static String typeOf(String name, Map<String, String> types) {
    if (types.containsKey(name)) {
      return types.get(name);
    }
    for (String suffix : List.of("_bucket", "_count", "_sum")) {
      if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length()))) {
        return types.get(name.substring(0, name.length() - suffix.length()));
      }
    }
    return "untyped";
  }
}
