package dev.advmon.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.testing.UnstartedStreams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorMetricsTest {

  /** The upper-case words a schema field's doc lists (its kinds or reasons). */
  private static List<String> codesIn(String doc) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\\b[A-Z][A-Z_]{3,}\\b").matcher(doc);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  @Test
  void everyAlertKindAndDeadLetterReasonIsExportedAtZeroBeforeTheFirstOne() {
    try (MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      String scrape = metrics.scrape();
      for (String kind : MonitorMetrics.ALERT_KINDS) {
        assertThat(scrape).contains("advmon_alerts_total{kind=\"" + kind + "\"} 0.0");
      }
      for (String reason : MonitorMetrics.DEAD_LETTER_REASONS) {
        assertThat(scrape).contains("advmon_dead_letters_total{reason=\"" + reason + "\"} 0.0");
      }
      assertThat(scrape).contains("advmon_streams_restarts_total 0.0");
      metrics.alert("CAMPAIGN");
      metrics.streamsRestarted();
      assertThat(metrics.scrape()).contains("advmon_alerts_total{kind=\"CAMPAIGN\"} 1.0")
          .contains("advmon_streams_restarts_total 1.0");
    }
  }

  @Test
  void countsHangingTransactionsLeftAndAborted() {
    try (MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicLong aborted = new java.util.concurrent.atomic.AtomicLong();
      metrics.hangingTransactions(left::get, aborted::get);
      assertThat(metrics.scrape()).containsPattern("(?m)^advmon_transactions_hanging 0(\\.0)?$")
          .containsPattern("(?m)^advmon_transactions_hanging_aborted_total 0(\\.0)?$");
      System.gc(); // the counter's supplier must outlive a collection: Micrometer holds it weakly
      left.set(1);
      aborted.set(2);
      assertThat(metrics.scrape()).containsPattern("(?m)^advmon_transactions_hanging 1(\\.0)?$")
          .containsPattern("(?m)^advmon_transactions_hanging_aborted_total 2(\\.0)?$");
    }
  }

  @Test
  void countsSchemaIdsTheRegistryLost() {
    try (MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      java.util.concurrent.atomic.AtomicLong lost = new java.util.concurrent.atomic.AtomicLong();
      metrics.schemaIdsLost(lost::get);
      assertThat(metrics.scrape()).containsPattern("(?m)^advmon_registry_schema_ids_lost_total 0(\\.0)?$");
      System.gc(); // the counter's supplier must outlive a collection: Micrometer holds it weakly
      lost.set(3);
      assertThat(metrics.scrape()).containsPattern("(?m)^advmon_registry_schema_ids_lost_total 3(\\.0)?$");
    }
  }

  @Test
  void namesTheModelTheEngineAndTheDetectorsAnInstanceScoresWith() {
    try (MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      metrics.modelInfo("fashion-mnist-cnn", "3", "OnnxRuntime", List.of("perturbation", "fooling"));
      assertThat(metrics.scrape()).containsPattern("(?m)^advmon_model_info\\{[^}]*detectors=\"perturbation,fooling\""
          + "[^}]*engine=\"OnnxRuntime\"[^}]*model=\"fashion-mnist-cnn\"[^}]*version=\"3\"[^}]*} 1(\\.0)?$");
    }
    try (MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      metrics.modelInfo("own", "1", "OnnxRuntime", List.of()); // no calibration: no detector, no alert ever
      assertThat(metrics.scrape()).containsPattern("(?m)^advmon_model_info\\{detectors=\"\",.*} 1(\\.0)?$");
    }
  }

  /**
   * Kafka Streams' own kafka_stream_alive_stream_threads leaves /metrics within a minute of its client's close (the
   * binder drops a closed client's series), so while a failed client is replaced an alert on it sees nothing: the
   * monitor's own gauge stays and reads 0, and follows the next client bound.
   */
  @Test
  void liveStreamThreadsReadZeroOnceTheClientIsClosedAndFollowTheNextClient(@TempDir Path state) {
    try (MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      KafkaStreams failed = client(state.resolve("a"), 2);
      try {
        metrics.bind(failed);
        assertThat(metrics.scrape()).containsPattern("(?m)^advmon_streams_threads_alive 2(\\.0)?$");
      } finally {
        failed.close(Duration.ofSeconds(30));
      }
      assertThat(metrics.scrape()).containsPattern("(?m)^advmon_streams_threads_alive 0(\\.0)?$");
      try (KafkaStreams next = client(state.resolve("b"), 3)) {
        metrics.bind(next);
        assertThat(metrics.scrape()).containsPattern("(?m)^advmon_streams_threads_alive 3(\\.0)?$");
      }
    }
  }

  /**
   * Kafka's own kafka_stream_client_state is its enum's position of the state, and leaves /metrics with its client: an
   * operator's panel of rebalances needs a series per state, there from the start, that follows the client bound last
   * (the monitor replaces a failed one) and stays while it is closed.
   */
  @Test
  void streamsStateIsOneForTheCurrentClientsStateAndZeroForEveryOther(@TempDir Path state) {
    try (MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      assertStates(metrics.scrape(), null);
      KafkaStreams failed = client(state.resolve("a"), 1);
      try {
        metrics.bind(failed);
        assertStates(metrics.scrape(), KafkaStreams.State.CREATED);
        failed.start(); // its broker (localhost:1) never answers: it stays in REBALANCING
        assertStates(metrics.scrape(), KafkaStreams.State.REBALANCING);
      } finally {
        failed.close(Duration.ofSeconds(30));
      }
      assertStates(metrics.scrape(), KafkaStreams.State.NOT_RUNNING);
      try (KafkaStreams next = client(state.resolve("b"), 1)) {
        metrics.bind(next);
        assertStates(metrics.scrape(), KafkaStreams.State.CREATED);
      }
    }
  }

  /**
   * README says Kafka's text-valued client metrics are not exported (Micrometer binds only numeric ones): a Micrometer
   * that exported them would show series that read a constant 0 or NaN, which a dashboard would take for a value.
   * Kafka's numeric state (its enum's position) is exported.
   */
  @Test
  void kafkasTextValuedClientMetricsAreNotExported(@TempDir Path state) {
    try (MonitorMetrics metrics = MonitorMetrics.prometheus(); KafkaStreams streams = client(state, 1)) {
      metrics.bind(streams);
      String scrape = metrics.scrape();
      for (String text : List.of("kafka_stream_state", "kafka_stream_version", "kafka_stream_commit_id",
          "kafka_stream_application_id", "kafka_stream_topology_description", "kafka_stream_thread_state")) {
        assertThat(scrape).as("a text-valued Kafka metric exported as a number").doesNotContainPattern(
            "(?m)^" + text + "[{ ]");
      }
      assertThat(scrape).containsPattern("(?m)^kafka_stream_client_state\\{.*} 0(\\.0)?$"); // CREATED
    }
  }

  /** Every state's series is there; {@code current}'s reads 1 and the others 0 (all 0 where it is null). */
  private static void assertStates(String scrape, KafkaStreams.State current) {
    for (KafkaStreams.State s : KafkaStreams.State.values()) {
      assertThat(scrape).as("advmon_streams_state of %s while the client is %s", s, current)
          .containsPattern("(?m)^advmon_streams_state\\{state=\"" + s + "\"} " + (s == current ? 1 : 0) + "(\\.0)?$");
    }
  }

  /** A client that is created, never started: its threads exist (alive) and nothing connects. */
  private static KafkaStreams client(Path state, int threads) {
    return new KafkaStreams(UnstartedStreams.topology(), UnstartedStreams.properties("advmon-metrics-test", state, threads));
  }

  @Test
  void forwardPassesAreCountedInAFewBucketsAroundTheBudgetNotHundreds() {
    try (MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      metrics.frameScored(1_000_000, 18);
      String scrape = metrics.scrape();
      long buckets = scrape.lines().filter(l -> l.startsWith("advmon_forward_passes_bucket")).count();
      assertThat(buckets).as("advmon_forward_passes buckets").isBetween(5L, 20L);
      assertThat(scrape).contains("advmon_forward_passes_bucket{le=\"15.0\"} 0", "advmon_forward_passes_bucket{le=\"20.0\"} 1");
    }
  }

  /** A backlog of minutes must land in a bucket of its own, not only in +Inf (a timer's default buckets end at 30 s). */
  @Test
  void frameLatencyIsCountedInBucketsUpToTenMinutes() {
    try (MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      assertThat(metrics.scrape()).contains("advmon_frame_latency_seconds_count 0");
      metrics.frameLatency(Duration.ofSeconds(200).toMillis());
      String scrape = metrics.scrape();
      long buckets = scrape.lines().filter(l -> l.startsWith("advmon_frame_latency_seconds_bucket")).count();
      assertThat(buckets).as("advmon_frame_latency_seconds buckets").isBetween(10L, 20L);
      assertThat(scrape).contains("advmon_frame_latency_seconds_bucket{le=\"120.0\"} 0",
          "advmon_frame_latency_seconds_bucket{le=\"300.0\"} 1", "# HELP advmon_frame_latency_seconds Time from");
    }
  }

  @Test
  void theKindsAndReasonsAreThoseTheSchemasDocument() {
    assertThat(MonitorMetrics.ALERT_KINDS)
        .containsExactlyInAnyOrderElementsOf(codesIn(Alert.getClassSchema().getField("kind").doc()));
    assertThat(MonitorMetrics.DEAD_LETTER_REASONS).containsExactlyInAnyOrderElementsOf(
        codesIn(DeadLetter.getClassSchema().getField("reason").doc()).stream().distinct().toList());
  }

  /**
   * README names metrics operators alert on and the dead-letter reasons and alert kinds they filter by: each metric
   * it names must be one /metrics exports, each advmon_ metric /metrics exports must be named there, and it must name
   * every reason and kind the monitor writes.
   */
  @Test
  void readmeNamesOnlyExportedMetricsAndEveryReasonAndKind(@TempDir Path state) throws Exception {
    String readme = java.nio.file.Files.readString(dev.advmon.testing.TestData.repoRoot().resolve("README.md"));
    try (MonitorMetrics metrics = MonitorMetrics.prometheus(); KafkaStreams streams = client(state, 1)) {
      metrics.bind(streams); // each Kafka Streams client as it is created
      metrics.pendingFrames(() -> 0); // registered by the batcher at start-up
      metrics.modelInfo("m", "1", "OnnxRuntime", List.of("perturbation")); // registered at start-up
      metrics.hangingTransactions(() -> 0, () -> 0); // registered at start-up
      metrics.schemaIdsLost(() -> 0); // registered at start-up
      metrics.certificateExpiry("broker-1:9093", () -> 1.8e9); // registered at start-up with TLS, per endpoint
      String scrape = metrics.scrape();
      Matcher named = Pattern.compile("\\badvmon_[a-z_]+").matcher(readme);
      int count = 0;
      while (named.find()) {
        count++;
        assertThat(scrape).as("README names metric %s; /metrics exports no such name", named.group())
            .containsPattern("(?m)^(# TYPE )?" + named.group() + "[{ ]"); // a sample, or a histogram's family
      }
      assertThat(count).as("README names metrics (else this checks nothing)").isPositive();
      // And the other way: a metric the monitor exports that README never names is one no operator knows to watch.
      Matcher family = Pattern.compile("(?m)^# TYPE (advmon_[a-z_]+) ").matcher(scrape);
      List<String> unnamed = new ArrayList<>();
      while (family.find()) {
        String name = family.group(1).replaceFirst("_max$", ""); // Micrometer's companion gauge of a timer or summary
        if (!Pattern.compile("\\b" + name + "\\b").matcher(readme).find()) {
          unnamed.add(family.group(1));
        }
      }
      assertThat(unnamed).as("metrics /metrics exports that README's Metrics paragraph (Faults, restarts and health) "
          + "does not name").isEmpty();
    }
    for (String reason : MonitorMetrics.DEAD_LETTER_REASONS) {
      assertThat(readme).as("README documents dead-letter reason " + reason).contains("`" + reason + "`");
    }
    for (String kind : MonitorMetrics.ALERT_KINDS) {
      assertThat(readme).as("README documents alert kind " + kind).contains(kind);
    }
  }
}
