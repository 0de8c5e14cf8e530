package dev.advmon.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo as a newcomer runs it, in-process: a real broker, the real topology, the bundled model (or the one
 * ADVMON_MODEL_DIR names), 200 replayed frames; then the summary must add up and nothing may keep running.
 */
class DemoIT {

  /** Where the summary is written: a temp file of its own was left in /tmp by every run. */
  @TempDir
  Path dir;

  private static final Path HOME = Path.of(System.getProperty("advmon.home", "..")).toAbsolutePath().normalize();

  @Test
  void twoHundredFramesComeOutAsVerdictsPlusDeadLettersWithTheExpectedReasonsAndEverythingStops() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    // http port -1: the server binds a free port itself (a port picked here and released could be taken meanwhile)
    Demo demo = new Demo(new Demo.Options(200, 4, 0, -1, HOME.resolve("models/eval/fashion-mnist-test"), 7, true, null), HOME,
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    DemoSummary s = demo.run();

    assertThat(s.framesSent()).isEqualTo(200);
    assertThat(s.verdicts() + s.deadLetters()).isEqualTo(200);
    assertThat(s.withoutOutcome()).isZero();
    assertThat(s.deadLetters()).isEqualTo(200 / ReplayPlan.MALFORMED_EVERY);
    assertThat(s.deadLettersByReason()).isEqualTo(s.expectedDeadLettersByReason());
    assertThat(s.byKind().get("malformed").sent()).isEqualTo(s.deadLetters());
    assertThat(s.byKind().get("universal").verdicts()).isEqualTo(s.byKind().get("universal").sent());
    assertThat(s.stickeredCamera()).isEqualTo("cam-04");
    assertThat(s.latencyMs()).containsKeys("p50", "p99", "max");
    assertThat(s.latencyMs().get("p50")).isLessThanOrEqualTo(s.latencyMs().get("p99"));
    assertThat(s.framesPerSecond()).isPositive();
    assertThat(s.cameraStates()).extracting(c -> c.cameraId()).containsExactly("cam-01", "cam-02", "cam-03", "cam-04");
    assertThat(s.cameraStates().stream().mapToLong(c -> c.totalFrames()).sum()).isEqualTo(s.verdicts());
    // The bundled model ships calibrated, so the demo runs every detector and scores them against the labels.
    assertThat(s.detectors()).containsExactly("stability", "perturbation", "fooling", "overinterpretation", "learned", "consistency",
        "consensus");
    assertThat(s.falsePositiveRate()).as("share of clean frames flagged").isNotNull().isLessThanOrEqualTo(0.12);
    assertThat(s.detectionRate()).as("share of attacked frames flagged").isNotNull().isGreaterThan(s.falsePositiveRate());
    // per-frame attacks and fooling images are real attacks on the bundled model (its fixtures): most are flagged
    for (String kind : List.of("perturbation", "fooling")) {
      DemoSummary.KindRow row = s.byKind().get(kind);
      assertThat(row.sent()).as("%s frames sent", kind).isPositive();
      assertThat(row.verdicts()).as("%s frames with a verdict", kind).isEqualTo(row.sent());
      assertThat(2 * row.flagged()).as("%s frames flagged: %s", kind, row).isGreaterThan(row.sent());
    }
    // each replayed fixture is counted under its attack kind too, and every one came back
    assertThat(s.byAttack()).isNotEmpty();
    assertThat(s.byAttack().values().stream().mapToLong(DemoSummary.KindRow::sent).sum())
        .isEqualTo(s.byKind().get("perturbation").sent() + s.byKind().get("fooling").sent());
    assertThat(s.byAttack()).allSatisfy((attack, row) -> assertThat(row.verdicts()).as(attack).isEqualTo(row.sent()));
    assertThat(s.table()).contains("attacks flagged");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("sent 200/200").contains("dashboard at http://127.0.0.1:");
    Path json = dir.resolve("demo-summary.json");
    s.writeJson(json);
    assertThat(Files.readString(json)).contains("\"deadLettersByReason\"").contains("\"p99\"");

    // threads that were told to stop may take a moment to end: wait for that condition, up to 30 s
    Set<String> lingering = lingering(before);
    for (long deadline = System.nanoTime() + 30_000_000_000L; !lingering.isEmpty() && System.nanoTime() < deadline; ) {
      Thread.sleep(100);
      lingering = lingering(before);
    }
    assertThat(lingering).as("non-daemon threads left running by the demo").isEmpty();
  }

  private static Set<String> lingering(Set<Thread> before) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive() && !t.isDaemon())
        .map(Thread::getName).collect(Collectors.toSet());
  }
}
