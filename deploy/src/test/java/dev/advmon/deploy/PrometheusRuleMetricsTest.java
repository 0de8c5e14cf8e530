package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.deploy.CustomResources.PrometheusRule;
import dev.advmon.deploy.CustomResources.Rule;
import dev.advmon.metrics.MonitorMetrics;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every series an alert of k8s/base/prometheusrule.yaml selects is one the monitor's /metrics really exports, with
 * the labels the selector uses: the scrape comes from the monitor's own MonitorMetrics with a Kafka Streams client
 * bound (created, not started: its consumers and threads register their metrics at construction).
 */
class PrometheusRuleMetricsTest {

  /** Series that come from elsewhere: Prometheus itself and kube-state-metrics. */
  private static final Set<String> EXTERNAL = Set.of("up", "kube_pod_status_ready");
  /** Labels Prometheus adds to every scraped series (target labels from the ServiceMonitor). */
  private static final Set<String> TARGET_LABELS = Set.of("job", "namespace", "pod", "service", "instance", "endpoint");
  /**
   * Series a stream thread's consumer exports only once it has fetched from its assigned partitions, which a client
   * that never started cannot show, with their labels: as a running monitor's /metrics has them (./monitor demo,
   * 2026-12-06, Kafka 4.3.1, Micrometer 1.17.2: one series per topic and partition, the campaign repartition topic
   * among them; Micrometer's refresh then also drops the per-client series of the same name).
   */
  private static final Map<String, Set<String>> AFTER_FETCHING = Map.of(
      "kafka_consumer_fetch_manager_records_lag", Set.of("client_id", "kafka_version", "topic", "partition"));
  private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}");
  private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)");

  @Test
  void everyAlertSelectsSeriesTheMonitorExports(@TempDir Path state) throws Exception {
    Map<String, Set<String>> exported = scrape(state);
    assertThat(exported).containsKeys("advmon_frames_total", "advmon_alerts_total", "advmon_dead_letters_total");
    // the fetch manager's group is bound before any fetch (its per-client lag series): the per-partition ones follow
    assertThat(exported).containsKey("kafka_consumer_fetch_manager_records_lag_max");
    exported.putAll(AFTER_FETCHING);
    PrometheusRule rule = Manifests.render("overlays/cpu").oneCustom(PrometheusRule.class);
    int selectors = 0;
    for (var group : rule.spec().groups()) {
      for (Rule r : group.rules()) {
        Matcher m = SELECTOR.matcher(r.expr());
        boolean any = false;
        while (m.find()) {
          any = true;
          selectors++;
          String metric = m.group(1);
          if (EXTERNAL.contains(metric)) {
            continue;
          }
          assertThat(exported).as(r.alert() + " selects " + metric).containsKey(metric);
          Matcher labels = MATCHER.matcher(m.group(2));
          while (labels.find()) {
            String label = labels.group(1);
            if (!TARGET_LABELS.contains(label)) {
              assertThat(exported.get(metric)).as(r.alert() + ": label " + label + " of " + metric).contains(label);
            }
          }
        }
        assertThat(any).as(r.alert() + " selects a series with a label matcher (job=\"advmon\")").isTrue();
      }
    }
    assertThat(selectors).isGreaterThan(5);
  }

  /**
   * AdvmonCampaign pages while a camera is in CAMPAIGN: on increase() of the CAMPAIGN counter alone it resolved ten
   * minutes after the alert however long the attack lasted. The gauge it reads is exported (test above).
   */
  @Test
  void theCampaignAlertLastsWhileACameraIsInCampaign() throws Exception {
    PrometheusRule rule = Manifests.render("overlays/cpu").oneCustom(PrometheusRule.class);
    Rule campaign = rule.spec().groups().stream().flatMap(g -> g.rules().stream())
        .filter(r -> "AdvmonCampaign".equals(r.alert())).findFirst().orElseThrow();
    assertThat(campaign.expr()).contains("advmon_cameras_in_campaign{job=\"advmon\"}");
  }

  /** Metric name to the label names it carries, from the monitor's Prometheus exposition. */
  private static Map<String, Set<String>> scrape(Path state) {
    Map<String, Set<String>> out = new HashMap<>();
    try (MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      // no alert and no dead letter yet: the rules must find their series at 0 on a fresh pod, or increase() misses
      // the first event after every start
      metrics.frameReceived();
      metrics.frameScored(1_000_000, 3);
      metrics.hangingTransactions(() -> 0, () -> 0); // registered when the monitor starts
      metrics.schemaIdsLost(() -> 0); // registered when the monitor starts
      StreamsBuilder b = new StreamsBuilder();
      b.stream("frames").to("verdicts");
      Properties p = new Properties();
      p.put(StreamsConfig.APPLICATION_ID_CONFIG, "advmon");
      p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1"); // never started: nothing connects
      p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
      try (KafkaStreams streams = new KafkaStreams(b.build(), p)) {
        metrics.bind(streams);
        for (String line : metrics.scrape().lines().toList()) {
          if (line.startsWith("#") || line.isBlank()) {
            continue;
          }
          int brace = line.indexOf('{');
          int space = line.indexOf(' ');
          String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
          Set<String> labels = out.computeIfAbsent(name, k -> new HashSet<>());
          if (brace >= 0 && brace < space) {
            Matcher l = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"").matcher(line.substring(brace, line.indexOf('}')));
            while (l.find()) {
              labels.add(l.group(1));
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * The lag alert reads the frames topic's partitions by name: a rule left at another name than the monitor reads
   * (or no topic at all, which took the campaign repartition topic's lag for the frames') never fires, or fires for
   * the wrong topic.
   */
  @Test
  void theLagAlertReadsTheFramesTopicTheMonitorIsConfiguredWith() throws Exception {
    Manifests m = Manifests.render("overlays/cpu");
    Properties settings = new Properties();
    settings.load(new java.io.StringReader(m.one(io.fabric8.kubernetes.api.model.ConfigMap.class).getData()
        .get("monitor.properties")));
    Rule lag = m.oneCustom(PrometheusRule.class).spec().groups().stream().flatMap(g -> g.rules().stream())
        .filter(r -> "AdvmonConsumerLag".equals(r.alert())).findFirst().orElseThrow();
    assertThat(lag.expr()).contains("kafka_consumer_fetch_manager_records_lag{")
        // Kafka's fetch metrics tag a partition's topic with each '.' replaced by '_' (FetchMetricsManager)
        .contains("topic=\"" + settings.getProperty("topics.frames").replace('.', '_') + "\"");
  }

  @Test
  void theSelectorParserSeesEveryMetricOfAnExpression() {
    Matcher m = SELECTOR.matcher("sum(rate(a_total{job=\"x\",kind=~\"A|B\"}[5m])) / sum(rate(b_total{job=\"x\"}[5m]))");
    List<String> names = new java.util.ArrayList<>();
    while (m.find()) {
      names.add(m.group(1));
    }
    assertThat(names).containsExactly("a_total", "b_total");
  }
}
