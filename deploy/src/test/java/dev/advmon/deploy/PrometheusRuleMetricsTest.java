package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.deploy.CustomResources.PrometheusRule;
import dev.advmon.deploy.CustomResources.Rule;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every series an alert of k8s/base/prometheusrule.yaml selects is one the monitor's /metrics really exports, with
 * the labels the selector uses: the scrape comes from the monitor's own MonitorMetrics with a Kafka Streams client
 * bound (created, not started: its consumers and threads register their metrics at construction).
 */
class PrometheusRuleMetricsTest {

  /** Series that come from elsewhere: Prometheus itself and kube-state-metrics. */
  private static final Set<String> EXTERNAL = Set.of("up", "kube_pod_status_ready", "kube_statefulset_labels",
      "kube_statefulset_replicas");
  /** Labels Prometheus adds to every scraped series (target labels from the ServiceMonitor). */
  private static final Set<String> TARGET_LABELS = MonitorScrape.TARGET_LABELS;
  private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}");
  private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)");

  @Test
  void everyAlertSelectsSeriesTheMonitorExports(@TempDir Path state) throws Exception {
    Map<String, Set<String>> exported = scrape(state);
    assertThat(exported).containsKeys("advmon_frames_total", "advmon_alerts_total", "advmon_dead_letters_total");
    // the fetch manager's group is bound before any fetch (its per-client lag series): the per-partition ones follow
    assertThat(exported).containsKey("kafka_consumer_fetch_manager_records_lag_max");
    exported.putAll(MonitorScrape.AFTER_FETCHING);
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
    // no alert and no dead letter yet: the rules must find their series at 0 on a fresh pod, or increase() misses
    // the first event after every start
    return MonitorScrape.labelsByName(MonitorScrape.exposition(state, metrics -> {
      metrics.frameReceived();
      metrics.frameScored(1_000_000, 3);
    }));
  }

  /**
   * The lag alert selects the frames topic's partitions whatever topics.frames and streams.application-id are, and
   * none of the internal topics the stream threads' consumers and restore consumers read (the campaign repartition
   * topic and the camera store's changelog). It named topic="frames", to be adapted by hand: a frames topic of
   * another name and a rule left as it was, and the alert never fired. (No topic matcher at all took the repartition
   * topic's lag for the frames'.)
   */
  @ParameterizedTest
  @CsvSource({"frames, advmon", "cameras.frames, team.a", "site-a-frames, team-a-advmon"})
  void theLagAlertSelectsTheFramesTopicOfAnyNameAndNoInternalTopic(String frames, String applicationId)
      throws Exception {
    Rule rule = Manifests.render("overlays/cpu").oneCustom(PrometheusRule.class).spec().groups().stream()
        .flatMap(g -> g.rules().stream()).filter(r -> "AdvmonConsumerLag".equals(r.alert())).findFirst().orElseThrow();
    PromQlSelectors.Selector lag = PromQlSelectors.of(rule.expr()).selectors().stream()
        .filter(s -> "kafka_consumer_fetch_manager_records_lag".equals(s.metric())).findFirst().orElseThrow();
    // client.id = <application id>-<instance id (the pod)>; the restore consumers are the stream threads' own and,
    // with the state updater (Kafka 4's default), its thread's
    String client = applicationId + "-advmon-0-";
    List<String> consumers = List.of(client + "StreamThread-1-consumer", client + "StreamThread-1-restore-consumer",
        client + "StateUpdater-1-restore-consumer");
    assertThat(lag.selects(lagSeries(consumers.get(0), frames)))
        .as("%s selects the frames topic %s read by %s", rule.expr(), frames, consumers.get(0)).isTrue();
    Set<String> internal = dev.advmon.topology.MonitorTopology.internalTopics(applicationId);
    assertThat(internal).isNotEmpty();
    for (String topic : internal) {
      for (String consumer : consumers) {
        assertThat(lag.selects(lagSeries(consumer, topic)))
            .as("%s selects the internal topic %s read by %s", rule.expr(), topic, consumer).isFalse();
      }
    }
  }

  /** A partition's lag series as the monitor exports it, with the target labels: Kafka tags the topic '.' as '_'. */
  private static Map<String, String> lagSeries(String clientId, String topic) {
    return Map.of("job", "advmon", "namespace", "advmon", "pod", "advmon-0", "client_id", clientId,
        "kafka_version", "4.3.1", "partition", "0", "topic", topic.replace('.', '_'));
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
