package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The PrometheusRule's alerts evaluated by Prometheus' own rule engine: {@code promtool test rules} runs the cases of
 * src/test/resources/prometheus/advmon-rules.test.yaml (series shaped as the monitor's /metrics exports them) against
 * the rule groups of the rendered kustomization, as the Prometheus Operator hands them to Prometheus. The text checks
 * of {@link PrometheusRuleMetricsTest} say the series exist; these say the PromQL fires when it should and only then.
 */
class PrometheusRuleUnitTest {

  static final String INSTALL_HINT = "promtool (Prometheus' rule tester) is needed to test k8s/base/prometheusrule.yaml:"
      + " it is in Debian's prometheus package (/usr/bin/promtool) or Prometheus' release archive; .ci/run installs it"
      + " when missing";
  private static final String TESTS = "prometheus/advmon-rules.test.yaml";
  private static final YAMLMapper YAML = new YAMLMapper();

  @Test
  void everyAlertFiresAndStaysQuietAsItsPromtoolCasesExpect(@TempDir Path dir) throws Exception {
    Map<?, ?> rule = renderedPrometheusRule();
    // what the operator writes into Prometheus' rule file: the spec's groups
    YAML.writeValue(dir.resolve("advmon-rules.yaml").toFile(), Map.of("groups", ((Map<?, ?>) rule.get("spec")).get("groups")));
    Path tests = dir.resolve("advmon-rules.test.yaml");
    try (InputStream in = PrometheusRuleUnitTest.class.getClassLoader().getResourceAsStream(TESTS)) {
      assertThat(in).as("test resource " + TESTS).isNotNull();
      Files.copy(in, tests);
    }
    Process p;
    try {
      p = new ProcessBuilder("promtool", "test", "rules", tests.getFileName().toString())
          .directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(INSTALL_HINT + " (" + e.getMessage() + ")", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("promtool test rules finished within 120 s").isTrue();
    assertThat(p.exitValue()).as("promtool test rules " + TESTS + " against k8s/base/prometheusrule.yaml:\n" + out)
        .isZero();
    assertThat(out).contains("SUCCESS");
  }

  /** A new alert without cases would pass the run above untested: each needs a case where it fires and one where not. */
  @Test
  void everyAlertHasACaseWhereItFiresAndOneWhereItMustNot() throws Exception {
    Set<String> alerts = new TreeSet<>();
    for (Object group : (List<?>) ((Map<?, ?>) renderedPrometheusRule().get("spec")).get("groups")) {
      for (Object r : (List<?>) ((Map<?, ?>) group).get("rules")) {
        Object alert = ((Map<?, ?>) r).get("alert");
        if (alert != null) {
          alerts.add(alert.toString());
        }
      }
    }
    Set<String> firing = new TreeSet<>();
    Set<String> quiet = new TreeSet<>();
    try (InputStream in = PrometheusRuleUnitTest.class.getClassLoader().getResourceAsStream(TESTS)) {
      assertThat(in).as("test resource " + TESTS).isNotNull();
      for (Object test : (List<?>) YAML.readValue(in, Map.class).get("tests")) {
        Object cases = ((Map<?, ?>) test).get("alert_rule_test");
        for (Object c : cases == null ? List.of() : (List<?>) cases) {
          Map<?, ?> expect = (Map<?, ?>) c;
          Object exp = expect.get("exp_alerts");
          boolean fires = exp instanceof List<?> list && !list.isEmpty();
          (fires ? firing : quiet).add(String.valueOf(expect.get("alertname")));
        }
      }
    }
    assertThat(alerts).hasSizeGreaterThan(5);
    assertThat(firing).as("alerts with a case in " + TESTS + " where they fire").containsAll(alerts);
    assertThat(quiet).as("alerts with a case in " + TESTS + " where they must not fire").containsAll(alerts);
  }

  /**
   * One PrometheusRule serves every monitor a Prometheus scrapes (every alert keeps the namespaces apart, the cases
   * above): a copy per monitor evaluated every namespace again and sent each alert once per copy. README tells a second
   * monitor's overlay to leave the rule out with a patch; the users' overlay team-b-own-settings carries that patch as
   * README writes it, and renders without the rule while still scraped as the job the first monitor's rule selects.
   */
  @Test
  void aSecondMonitorsOverlayLeavesOutThePrometheusRuleAsReadmeShows() throws Exception {
    String overlay = "deploy/src/test/resources/kustomize/team-b-own-settings";
    List<String> snippet = null;
    String[] parts = Files.readString(Kustomize.repoRoot().resolve("README.md")).split("```");
    for (int i = 1; i < parts.length; i += 2) {
      if (parts[i].contains("$patch: delete") && parts[i].contains("kind: PrometheusRule")) {
        assertThat(snippet).as("one README code block that deletes the PrometheusRule").isNull();
        snippet = parts[i].strip().lines().toList();
      }
    }
    assertThat(snippet).as("README's patch for a second monitor's overlay").isNotNull();
    List<String> kustomization = Files.readAllLines(Kustomize.repoRoot().resolve(overlay + "/kustomization.yaml"));
    assertThat(java.util.Collections.indexOfSubList(kustomization, snippet))
        .as(overlay + " holds README's patch line for line:\n" + String.join("\n", snippet)).isNotNegative();
    Manifests second = Manifests.render(Kustomize.repoRoot(), overlay);
    assertThat(second.allCustom(CustomResources.PrometheusRule.class)).as(overlay + ": no PrometheusRule").isEmpty();
    CustomResources.ServiceMonitor sm = second.oneCustom(CustomResources.ServiceMonitor.class);
    io.fabric8.kubernetes.api.model.Service svc = second.one(io.fabric8.kubernetes.api.model.Service.class);
    assertThat(svc.getMetadata().getLabels()).as("the job it is scraped as (jobLabel " + sm.spec().jobLabel() + ")")
        .containsEntry(sm.spec().jobLabel(), "advmon");
    assertThat(svc.getMetadata().getNamespace()).as("a namespace of its own").isNotEqualTo("advmon");
    assertThat(renderedPrometheusRule().toString()).as("the first monitor's rule selects that job")
        .contains("job=\"advmon\"");
  }

  /** The PrometheusRule as kubectl renders it, untyped: its groups go to promtool exactly as written. */
  private static Map<?, ?> renderedPrometheusRule() throws Exception {
    Map<?, ?> found = null;
    for (String doc : Kustomize.render("overlays/cpu")) {
      Map<?, ?> raw = YAML.readValue(doc, Map.class);
      if ("PrometheusRule".equals(raw.get("kind"))) {
        assertThat(found).as("one PrometheusRule in k8s/overlays/cpu").isNull();
        found = raw;
      }
    }
    assertThat(found).as("a PrometheusRule in k8s/overlays/cpu").isNotNull();
    return found;
  }
}
