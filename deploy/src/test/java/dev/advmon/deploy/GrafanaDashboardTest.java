package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.deploy.CustomResources.ServiceMonitor;
import dev.advmon.deploy.PromQlSelectors.Parts;
import dev.advmon.deploy.PromQlSelectors.Selector;
import dev.advmon.metrics.MonitorMetrics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * k8s/grafana/advmon.json, the operators' Grafana dashboard, held to what the monitor's /metrics really exports: every
 * query selects series of the monitor's own exposition (as {@link PrometheusRuleMetricsTest} does for the alerts),
 * in the namespace the dashboard's variable picks, and evaluates to numbers with the labels its legend names when
 * Prometheus' own engine ({@code promtool test rules}) runs it as a recording rule on series shaped as a scrape of two
 * pods. Not rendered in a real Grafana: its variables are put in as Grafana would for this ServiceMonitor.
 */
class GrafanaDashboardTest {

  private static final Path DASHBOARD = Kustomize.repoRoot().resolve("k8s/grafana/advmon.json");
  private static final Pattern UNKNOWN_VARIABLE = Pattern.compile("\\$\\{?[a-zA-Z_]+");
  private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*}}");
  private static final Pattern LABEL_VALUES =
      Pattern.compile("label_values\\((.*),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)");
  /** Series from elsewhere: Prometheus' own scrape health. */
  private static final Set<String> EXTERNAL = Set.of("up");
  private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  /** Two pods, as the ServiceMonitor labels their targets (the Service is advmon, its port http). */
  private static final Map<String, String> PODS = Map.of("advmon-0", "10.42.0.10:8080", "advmon-1", "10.42.0.11:8080");
  /** Scrapes in each input series; the queries are evaluated at the last. */
  private static final int STEPS = 40;
  private static final YAMLMapper YAML = new YAMLMapper();

  /**
   * What each pod does between two scrapes: 100 frames, of which 4 raise a PERTURBATION and 1 a FOOLING
   * alert (5%) and 1 is dead-lettered (1%), 2 CAMPAIGN and 1 CAMPAIGN_CLEARED alerts (a camera's, no frame's); every
   * histogram gets observations, so that no quantile is NaN for want of them.
   */
  private static final Consumer<MonitorMetrics> TRAFFIC = metrics -> {
    for (int f = 0; f < 100; f++) {
      metrics.frameReceived();
      metrics.frameScored(2_000_000L + f * 10_000L, 3 + f % 5);
      metrics.frameLatency(40 + f * 3L);
      if (f < 99) {
        metrics.verdictWritten();
      }
    }
    for (int b = 0; b < 25; b++) {
      metrics.batchScored(4, 6_000_000L);
    }
    for (String kind : List.of("PERTURBATION", "PERTURBATION", "PERTURBATION", "PERTURBATION", "FOOLING", "CAMPAIGN",
        "CAMPAIGN", "CAMPAIGN_CLEARED")) {
      metrics.alert(kind);
    }
    metrics.deadLetter("BAD_AVRO");
    metrics.camerasInCampaign("1_0", 1);
  };

  @TempDir
  static Path state;
  private static String exposition;
  private static Map<?, ?> dashboard;
  /** The ServiceMonitor's scrape interval, as written ("30s"). */
  private static String scrapeInterval;
  /**
   * Grafana's variables as it fills them in: $__rate_interval is four scrape intervals (each query's min step, which
   * the dashboard sets to the ServiceMonitor's), $__range the time picker's range.
   */
  private static Map<String, String> variables;

  @BeforeAll
  static void scrapeAndRead() throws Exception {
    exposition = MonitorScrape.exposition(state, TRAFFIC);
    dashboard = JsonMapper.builder().build().readValue(DASHBOARD.toFile(), Map.class);
    List<CustomResources.Endpoint> endpoints = Manifests.render("overlays/cpu").oneCustom(ServiceMonitor.class).spec()
        .endpoints();
    assertThat(endpoints).hasSize(1);
    scrapeInterval = endpoints.get(0).interval();
    assertThat(scrapeInterval).as("the ServiceMonitor's interval, in seconds").matches("[0-9]+s");
    variables = Map.of("${namespace}", "advmon", "$namespace", "advmon", "$__rate_interval",
        4 * seconds(scrapeInterval) + "s",
        "$__range", "1h", "$__interval", scrapeInterval);
  }

  /** One query of a panel: where it is, its PromQL as written, its legend. */
  record Query(int panelId, String panelTitle, String refId, String expr, String legend, Set<String> columns) {

    String where() {
      return "panel " + panelId + " \"" + panelTitle + "\" query " + refId;
    }

    String record() {
      return "advmon_dashboard:panel_" + panelId + "_" + refId;
    }
  }

  @Test
  void everyQuerySelectsSeriesTheMonitorExportsInTheChosenNamespace() {
    Map<String, Set<String>> exported = new HashMap<>(MonitorScrape.labelsByName(exposition));
    exported.putAll(MonitorScrape.AFTER_FETCHING);
    List<Query> queries = queries();
    assertThat(queries).hasSizeGreaterThan(20);
    for (Query q : queries) {
      Parts parts = PromQlSelectors.of(q.expr());
      assertThat(parts.selectors()).as(q.where() + " selects something: " + q.expr()).isNotEmpty();
      Set<String> carried = new HashSet<>(MonitorScrape.TARGET_LABELS);
      for (Selector s : parts.selectors()) {
        String what = q.where() + ": " + s + " in " + q.expr();
        assertThat(s.metric()).as(what + " names its metric").isNotNull();
        // the namespace variable must narrow every series, or a panel mixes in another installation's monitor
        assertThat(s.matches("job", "=", "advmon") && s.matches("namespace", "=", "$namespace"))
            .as(what + ": select with job=\"advmon\",namespace=\"$namespace\"").isTrue();
        if (EXTERNAL.contains(s.metric())) {
          continue;
        }
        assertThat(exported).as(what + ": a metric the monitor's /metrics exports (MonitorMetrics)")
            .containsKey(s.metric());
        carried.addAll(exported.get(s.metric()));
        for (PromQlSelectors.LabelMatcher m : s.matchers()) {
          if (!MonitorScrape.TARGET_LABELS.contains(m.label())) {
            assertThat(exported.get(s.metric())).as(what + ": label " + m.label() + " of " + s.metric())
                .contains(m.label());
          }
        }
      }
      assertThat(carried).as(q.where() + ": the labels it groups by are on the series it selects: " + q.expr())
          .containsAll(parts.groupingLabels());
    }
    // the namespace variable lists the namespaces where the monitor is scraped
    Selector variable = PromQlSelectors.of(namespaceVariable()[0]).selectors().get(0);
    assertThat(variable.metric()).isEqualTo("up");
    assertThat(variable.matches("job", "=", "advmon")).as("the namespace variable reads job advmon's targets").isTrue();
  }

  /** A metric added to the monitor without a panel would go unseen by operators: each advmon family has one. */
  @Test
  void everyMetricTheMonitorExportsHasAPanel() {
    Set<String> shown = new TreeSet<>();
    for (Query q : queries()) {
      PromQlSelectors.of(q.expr()).selectors().stream().map(Selector::metric).filter(java.util.Objects::nonNull)
          .forEach(m -> shown.add(family(m)));
    }
    Set<String> families = new TreeSet<>();
    for (String name : MonitorScrape.labelsByName(exposition).keySet()) {
      if (name.startsWith("advmon_")) {
        families.add(family(name));
      }
    }
    assertThat(families).hasSizeGreaterThan(15);
    assertThat(shown).as("advmon metrics with a panel in " + DASHBOARD).containsAll(families);
    assertThat(shown).as("the consumer lag per partition that README names")
        .contains("kafka_consumer_fetch_manager_records_lag");
  }

  @Test
  void everyQueryEvaluatesToNumbersWithTheLabelsItsLegendNames(@TempDir Path dir) throws Exception {
    List<Map<String, Object>> cases = new ArrayList<>();
    for (Query q : queries()) {
      // a NaN (a quantile of no observations, a share of no frames) fails `>= -Inf` as no sample does
      cases.add(promqlCase("absent(" + q.record() + " >= -Inf)", List.of()));
      for (String label : legendLabels(q)) {
        cases.add(promqlCase(q.record() + "{" + label + "=\"\"}", List.of()));
      }
    }
    cases.add(promqlCase("absent(advmon_dashboard:variable_namespace)", List.of()));
    cases.add(promqlCase("advmon_dashboard:variable_namespace{namespace=\"\"}", List.of()));
    promtool(dir, cases);
  }

  /**
   * The false-alarm share an operator watches is frame alerts over frames read: a camera's CAMPAIGN alerts are no
   * frame's, and counting them would show 8% where the detectors flag 5%.
   */
  @Test
  void theSharesOfFramesReadAsFrameAlertsAndDeadLettersOverFramesRead(@TempDir Path dir) throws Exception {
    Map<String, Double> expected = Map.of(
        "Share of frames that raise a frame alert (false-alarm budget)/all instances", 0.05,
        "Share of frames that raise a frame alert (false-alarm budget)/over 15 min (AdvmonFrameAlertRateHigh)", 0.05,
        "Share of frames dead-lettered/all instances", 0.01,
        "Share of frames dead-lettered/over 10 min (AdvmonDeadLetterRate)", 0.01);
    List<Map<String, Object>> cases = new ArrayList<>();
    Set<String> found = new HashSet<>();
    for (Query q : queries()) {
      Double value = expected.get(q.panelTitle() + "/" + q.legend());
      if (value != null) {
        found.add(q.panelTitle() + "/" + q.legend());
        cases.add(promqlCase("round(" + q.record() + ", 0.001)", List.of(Map.of("labels", "{}", "value", value))));
      }
    }
    assertThat(found).as("panels and legends of " + DASHBOARD).containsExactlyInAnyOrderElementsOf(expected.keySet());
    promtool(dir, cases);
  }

  /**
   * The state timeline turns each pod's advmon_streams_state series into one number that its value mappings name: each
   * Kafka Streams state must have a name there, and a pod whose client is CREATED (as in this scrape) must read as
   * CREATED, not as another state's colour.
   */
  @Test
  void theStateTimelineNamesEveryKafkaStreamsStateAndReadsEachPodsState(@TempDir Path dir) throws Exception {
    List<Map<?, ?>> timelines = panels().stream().filter(p -> "state-timeline".equals(p.get("type"))).toList();
    assertThat(timelines).as("a state timeline of advmon_streams_state in " + DASHBOARD).hasSize(1);
    Map<?, ?> panel = timelines.get(0);
    Map<String, String> names = new HashMap<>(); // value -> state name
    for (Object m : (List<?>) ((Map<?, ?>) ((Map<?, ?>) panel.get("fieldConfig")).get("defaults")).get("mappings")) {
      ((Map<?, ?>) ((Map<?, ?>) m).get("options")).forEach((value, result) ->
          names.put(value.toString(), String.valueOf(((Map<?, ?>) result).get("text"))));
    }
    for (org.apache.kafka.streams.KafkaStreams.State state : org.apache.kafka.streams.KafkaStreams.State.values()) {
      assertThat(names).as(panel.get("title") + ": a value mapping names " + state).containsValue(state.name());
    }
    String created = names.entrySet().stream().filter(e -> e.getValue().equals("CREATED")).findFirst().orElseThrow()
        .getKey();
    Query q = queries().stream().filter(x -> x.panelId() == ((Number) panel.get("id")).intValue()).findFirst()
        .orElseThrow();
    assertThat(exposition).as("the scrape's client was created, not started")
        .containsPattern("(?m)^advmon_streams_state\\{state=\"CREATED\"} 1(\\.0)?$");
    List<Map<String, Object>> expected = new ArrayList<>();
    for (String pod : new TreeSet<>(PODS.keySet())) {
      expected.add(Map.of("labels", q.record() + "{pod=\"" + pod + "\"}", "value", Double.parseDouble(created)));
    }
    promtool(dir, List.of(promqlCase(q.record(), expected)));
  }

  @Test
  void theSidecarConfigMapHoldsExactlyTheDashboardFileAndNothingElse() throws Exception {
    Manifests grafana = Manifests.render("grafana");
    assertThat(grafana.custom).isEmpty();
    assertThat(grafana.kubernetes).as("k8s/grafana renders one ConfigMap").hasSize(1);
    ConfigMap map = grafana.one(ConfigMap.class);
    assertThat(map.getMetadata().getLabels()).as("the label Grafana's dashboard sidecar looks for")
        .containsEntry("grafana_dashboard", "1");
    // no hash suffix: a changed dashboard replaces the ConfigMap instead of adding a second one (kubectl apply does
    // not prune) that the sidecar would load too, with the same uid
    assertThat(map.getMetadata().getName()).as("k8s/grafana's ConfigMap, named without kustomize's hash suffix"
        + " (generatorOptions.disableNameSuffixHash)").isEqualTo("advmon-grafana-dashboard");
    assertThat(map.getData()).containsOnlyKeys("advmon.json");
    assertThat(map.getData().get("advmon.json")).isEqualTo(Files.readString(DASHBOARD));
    // kubectl apply (client side) copies the object into an annotation, which may not exceed 256 KiB
    assertThat(String.join("", Kustomize.render("grafana")).getBytes(StandardCharsets.UTF_8).length)
        .as("the rendered ConfigMap fits kubectl apply's last-applied annotation (256 KiB)").isLessThan(200 * 1024);
    for (String overlay : List.of("overlays/cpu", "overlays/gpu")) {
      assertThat(Manifests.render(overlay).all(ConfigMap.class))
          .as(overlay + " leaves the dashboard to k8s/grafana (applied where Grafana runs)")
          .noneMatch(c -> c.getMetadata().getLabels() != null
              && c.getMetadata().getLabels().containsKey("grafana_dashboard"));
    }
  }

  /** What Grafana needs to load it from the sidecar or an import: its variables, one data source, panels in place. */
  @Test
  void theDashboardHasItsVariablesAndEveryPanelReadsTheChosenDataSource() {
    assertThat(((Number) dashboard.get("schemaVersion")).intValue()).isBetween(36, 41);
    assertThat(dashboard.get("uid")).isEqualTo("advmon");
    List<?> variables = (List<?>) ((Map<?, ?>) dashboard.get("templating")).get("list");
    Map<?, ?> datasource = byName(variables, "datasource");
    assertThat(datasource.get("type")).isEqualTo("datasource");
    assertThat(datasource.get("query")).isEqualTo("prometheus");
    assertThat(namespaceVariable()[1]).isEqualTo("namespace");
    Set<Integer> ids = new HashSet<>();
    List<int[]> boxes = new ArrayList<>();
    for (Map<?, ?> panel : panels()) {
      String what = "panel " + panel.get("id") + " \"" + panel.get("title") + "\"";
      assertThat(ids.add(((Number) panel.get("id")).intValue())).as(what + ": ids are unique").isTrue();
      Map<?, ?> pos = (Map<?, ?>) panel.get("gridPos");
      int[] box = {num(pos, "x"), num(pos, "y"), num(pos, "w"), num(pos, "h")};
      assertThat(box[0] + box[2]).as(what + " fits the 24 columns").isLessThanOrEqualTo(24);
      for (int[] other : boxes) {
        boolean overlap = box[0] < other[0] + other[2] && other[0] < box[0] + box[2]
            && box[1] < other[1] + other[3] && other[1] < box[1] + box[3];
        assertThat(overlap).as(what + " overlaps the panel at x=" + other[0] + ",y=" + other[1]).isFalse();
      }
      boxes.add(box);
      if ("row".equals(panel.get("type"))) {
        continue;
      }
      assertThat(panel.get("datasource")).as(what + " reads the dashboard's data source variable")
          .isEqualTo(Map.of("type", "prometheus", "uid", "${datasource}"));
      Set<Object> refIds = new HashSet<>();
      for (Object t : (List<?>) panel.get("targets")) {
        Map<?, ?> target = (Map<?, ?>) t;
        assertThat(target.get("datasource")).as(what + " target " + target.get("refId"))
            .isEqualTo(Map.of("type", "prometheus", "uid", "${datasource}"));
        assertThat(refIds.add(target.get("refId"))).as(what + ": refIds are unique").isTrue();
        // Grafana takes the min step for the scrape interval in $__rate_interval; left out, it takes the data
        // source's setting (15 s unless changed), and a rate over 1 minute of 30 s scrapes has gaps
        assertThat(target.get("interval")).as(what + " target " + target.get("refId") + ": min step (interval) is the"
            + " ServiceMonitor's scrape interval, k8s/base/servicemonitor.yaml").isEqualTo(scrapeInterval);
      }
      assertThat(panel.get("description")).as(what + " says what it shows").asString().isNotBlank();
    }
  }

  @Test
  void theSelectorReaderFindsMetricsInsideFunctionsGroupingsAndWithoutBraces() {
    Parts parts = PromQlSelectors.of(
        "histogram_quantile(0.99, sum by (pod, le) (rate(a_bucket{job=\"x\",le!=\"1\"}[5m])))"
        + " / on (pod) group_left () max without (instance) (b) or sum(c{d=~\"e|f\"} offset 5m) > bool 1e-3");
    assertThat(parts.selectors()).extracting(Selector::metric).containsExactly("a_bucket", "b", "c");
    assertThat(parts.selectors().get(0).matches("le", "!=", "1")).isTrue();
    assertThat(parts.selectors().get(2).matches("d", "=~", "e|f")).isTrue();
    assertThat(parts.groupingLabels()).containsExactlyInAnyOrder("pod", "le", "instance");
    assertThat(PromQlSelectors.of("{__name__=\"x\"}").selectors().get(0).metric()).isNull();
  }

  // ------------------------------------------------------------------------------------------------------------------

  /** Every query of every panel, rows' collapsed panels included, with Grafana's variables put in later. */
  private static List<Query> queries() {
    List<Query> out = new ArrayList<>();
    for (Map<?, ?> panel : panels()) {
      Object targets = panel.get("targets");
      for (Object t : targets == null ? List.of() : (List<?>) targets) {
        Map<?, ?> target = (Map<?, ?>) t;
        Object expr = target.get("expr");
        if (expr == null) {
          continue;
        }
        Object legend = target.get("legendFormat");
        out.add(new Query(((Number) panel.get("id")).intValue(), String.valueOf(panel.get("title")),
            String.valueOf(target.get("refId")), expr.toString(), legend == null ? "" : legend.toString(),
            tableColumns(panel)));
      }
    }
    return out;
  }

  private static List<Map<?, ?>> panels() {
    List<Map<?, ?>> out = new ArrayList<>();
    for (Object p : (List<?>) dashboard.get("panels")) {
      Map<?, ?> panel = (Map<?, ?>) p;
      out.add(panel);
      Object nested = panel.get("panels");
      for (Object n : nested == null ? List.of() : (List<?>) nested) {
        out.add((Map<?, ?>) n);
      }
    }
    return out;
  }

  /** The label columns a table panel lays out (organize's indexByName), which its query must carry. */
  private static Set<String> tableColumns(Map<?, ?> panel) {
    Set<String> columns = new TreeSet<>();
    Object transformations = panel.get("transformations");
    for (Object t : transformations == null ? List.of() : (List<?>) transformations) {
      Map<?, ?> options = (Map<?, ?>) ((Map<?, ?>) t).get("options");
      if ("organize".equals(((Map<?, ?>) t).get("id")) && options.get("indexByName") instanceof Map<?, ?> index) {
        index.keySet().forEach(k -> columns.add(k.toString()));
      }
    }
    columns.removeAll(Set.of("Time", "Value"));
    return columns;
  }

  private static Set<String> legendLabels(Query q) {
    Set<String> labels = new TreeSet<>(q.columns());
    Matcher m = LEGEND_LABEL.matcher(q.legend());
    while (m.find()) {
      labels.add(m.group(1));
    }
    return labels;
  }

  /** The namespace variable's selector and label, from its {@code label_values(selector, label)}. */
  private static String[] namespaceVariable() {
    Map<?, ?> variable = byName((List<?>) ((Map<?, ?>) dashboard.get("templating")).get("list"), "namespace");
    Object query = variable.get("query");
    String text = query instanceof Map<?, ?> q ? String.valueOf(q.get("query")) : String.valueOf(query);
    Matcher m = LABEL_VALUES.matcher(text);
    assertThat(m.matches()).as("the namespace variable is label_values(<selector>, namespace): " + text).isTrue();
    return new String[] {m.group(1), m.group(2)};
  }

  private static Map<?, ?> byName(List<?> variables, String name) {
    return variables.stream().map(v -> (Map<?, ?>) v).filter(v -> name.equals(v.get("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no variable " + name + " in " + DASHBOARD));
  }

  private static int num(Map<?, ?> map, String key) {
    return ((Number) map.get(key)).intValue();
  }

  private static int seconds(String duration) {
    return Integer.parseInt(duration.substring(0, duration.length() - 1));
  }

  private static String family(String metric) {
    return metric.replaceFirst("_(bucket|count|sum|max)$", "");
  }

  private static String substituted(String expr, String where) {
    String out = expr;
    for (Map.Entry<String, String> v : variables.entrySet().stream()
        .sorted((a, b) -> b.getKey().length() - a.getKey().length()).toList()) {
      out = out.replace(v.getKey(), v.getValue());
    }
    assertThat(UNKNOWN_VARIABLE.matcher(out).find()).as(where + " uses a variable this test does not fill in: " + expr)
        .isFalse();
    return out;
  }

  private static Map<String, Object> promqlCase(String expr, List<Map<String, Object>> samples) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("expr", expr);
    c.put("eval_time", STEPS * seconds(scrapeInterval) + "s");
    c.put("exp_samples", samples);
    return c;
  }

  /**
   * Runs {@code cases} with promtool after the dashboard's queries, as recording rules, evaluated at each scrape of
   * two pods' worth of the monitor's exposition: counters (and histograms' buckets, counts and sums) rise by their
   * scraped value at every scrape, gauges stay at it.
   */
  private static void promtool(Path dir, List<Map<String, Object>> cases) throws Exception {
    List<Map<String, Object>> rules = new ArrayList<>();
    StringBuilder legend = new StringBuilder();
    for (Query q : queries()) {
      rules.add(Map.of("record", q.record(), "expr", substituted(q.expr(), q.where())));
      legend.append('\n').append(q.record()).append(": ").append(q.where()).append(": ").append(q.expr());
    }
    rules.add(Map.of("record", "advmon_dashboard:variable_namespace", "expr", namespaceVariable()[0]));
    YAML.writeValue(dir.resolve("dashboard-rules.yaml").toFile(),
        Map.of("groups", List.of(Map.of("name", "advmon-dashboard", "rules", rules))));
    Map<String, Object> test = new LinkedHashMap<>();
    test.put("interval", scrapeInterval);
    test.put("input_series", inputSeries());
    test.put("promql_expr_test", cases);
    Map<String, Object> file = new LinkedHashMap<>();
    file.put("rule_files", List.of("dashboard-rules.yaml"));
    file.put("evaluation_interval", scrapeInterval);
    file.put("tests", List.of(test));
    YAML.writeValue(dir.resolve("dashboard.test.yaml").toFile(), file);
    Process p;
    try {
      p = new ProcessBuilder("promtool", "test", "rules", "dashboard.test.yaml").directory(dir.toFile())
          .redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(PrometheusRuleUnitTest.INSTALL_HINT + " (" + e.getMessage() + ")", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("promtool test rules finished within 120 s").isTrue();
    assertThat(p.exitValue()).as("promtool test rules on the queries of " + DASHBOARD + ":\n" + out
        + "\nThe recording rules are the dashboard's queries:" + legend).isZero();
    assertThat(out).contains("SUCCESS");
  }

  private static List<Map<String, Object>> inputSeries() {
    Map<String, String> series = new LinkedHashMap<>();
    for (Map.Entry<String, String> pod : new java.util.TreeMap<>(PODS).entrySet()) {
      Map<String, String> target = new LinkedHashMap<>();
      target.put("job", "advmon");
      target.put("namespace", "advmon");
      target.put("service", "advmon");
      target.put("endpoint", "http");
      target.put("pod", pod.getKey());
      target.put("container", "monitor");
      target.put("instance", pod.getValue());
      for (MonitorScrape.Sample s : MonitorScrape.samples(exposition)) {
        Map<String, String> labels = new LinkedHashMap<>(target);
        // in k8s the client ids carry the pod's name (client.id = application id + instance id), not a random id
        s.labels().forEach((k, v) -> labels.put(k, UUID.matcher(v).replaceAll(pod.getKey())));
        boolean cumulative = Set.of("counter", "histogram", "summary").contains(s.type())
            && !s.labels().containsKey("quantile");
        series.put(series(s.name(), labels), values(s.value(), cumulative));
      }
      // the lag per partition, once the stream threads have fetched (MonitorScrape.AFTER_FETCHING)
      int first = pod.getKey().endsWith("0") ? 0 : 3;
      for (int partition = first; partition < first + 3; partition++) {
        for (String topic : List.of("frames", "advmon-campaign-by-camera-repartition")) {
          Map<String, String> labels = new LinkedHashMap<>(target);
          labels.put("client_id", "advmon-" + pod.getKey() + "-StreamThread-" + (partition - first + 1) + "-consumer");
          labels.put("kafka_version", "4.3.1");
          labels.put("partition", Integer.toString(partition));
          labels.put("topic", topic);
          // partition 2 was just moved to the other pod, which has not fetched it yet: here it reads NaN until the
          // exporter forgets it (k8s/base/prometheusrule.yaml, AdvmonConsumerLag), there it has no series yet
          series.put(series("kafka_consumer_fetch_manager_records_lag", labels),
              values(partition == 2 ? "NaN" : Integer.toString(120 * partition), false));
        }
      }
      series.put(series("up", target), values("1", false));
    }
    List<Map<String, Object>> out = new ArrayList<>();
    series.forEach((s, v) -> out.add(Map.of("series", s, "values", v)));
    return out;
  }

  private static String series(String name, Map<String, String> labels) {
    StringBuilder b = new StringBuilder(name).append('{');
    labels.forEach((k, v) -> b.append(b.charAt(b.length() - 1) == '{' ? "" : ",").append(k).append("=\"").append(v)
        .append('"')); // v is escaped as the exposition wrote it
    return b.append('}').toString();
  }

  /** promtool's expanding notation: a counter rises by its value each step, a gauge stays. */
  private static String values(String value, boolean cumulative) {
    double v = Double.parseDouble(value.replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return (Double.isNaN(v) ? "NaN" : v > 0 ? "Inf" : "-Inf") + "+0x" + STEPS;
    }
    String plain = new BigDecimal(Double.toString(v)).toPlainString();
    return cumulative ? "0+" + plain + "x" + STEPS : plain + "+0x" + STEPS;
  }
}
