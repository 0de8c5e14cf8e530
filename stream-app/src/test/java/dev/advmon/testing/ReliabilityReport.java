package dev.advmon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The fault tests' results, written to {@code RELIABILITY.md} at the repository root by the tests themselves
 * (so CI re-measures them on every run): one row per fault with exact counts and the time without a verdict,
 * then each fault's recovery and readiness timeline.
 */
public final class ReliabilityReport {

  /**
   * One fault.
   *
   * @param secondsWithoutOutcome the longest time, during the stream, in which the monitor wrote no verdict and no
   *     dead letter (by the monitor's own times on them), although frames were waiting
   */
  public record Row(String fault, int frames, int verdicts, int deadLetters, int lost, int duplicated,
      double secondsWithoutOutcome, String recovery, List<String> timeline) {}

  private final List<Row> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  public synchronized void add(Row row) {
    rows.add(row);
  }

  public synchronized void note(String note) {
    notes.add(note);
  }

  /** The longest gap between consecutive times (ms), in seconds; 0 for fewer than two. */
  public static double longestGapSeconds(List<Long> times) {
    List<Long> sorted = new ArrayList<>(times);
    sorted.sort(null);
    long gap = 0;
    for (int i = 1; i < sorted.size(); i++) {
      gap = Math.max(gap, sorted.get(i) - sorted.get(i - 1));
    }
    return gap / 1000.0;
  }

  /**
   * Writes the report, but only when every fault ran: a run of one fault test (while debugging it, or with
   * {@code -Dit.test=...#method}) must not replace the full table with one row.
   *
   * @param faults how many faults the test class has
   * @return whether the file was written
   */
  public synchronized boolean write(Path file, String header, int faults) {
    if (rows.size() < faults) {
      System.err.printf(Locale.ROOT, "%s kept: %d of %d faults ran in this run%n", file.getFileName(), rows.size(), faults);
      return false;
    }
    StringBuilder md = new StringBuilder();
    md.append("# Reliability under faults\n\n");
    md.append("Written by `stream-app/src/test/java/dev/advmon/system/outages/FaultToleranceIT.java` (run by `mvn -B -ntp verify`, ")
        .append("so by `.ci/run`); do not edit by hand. Last run: ").append(LocalDate.now()).append(", ")
        .append(machine()).append(".\n\n");
    md.append(header).append("\n\n");
    md.append("| fault | frames | verdicts | dead letters | lost | duplicated | seconds without a verdict | recovery |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (Row r : rows) {
      md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %.1f | %s |%n", r.fault(), r.frames(),
          r.verdicts(), r.deadLetters(), r.lost(), r.duplicated(), r.secondsWithoutOutcome(), r.recovery()));
    }
    md.append("\n## Readiness through each fault\n\n");
    md.append("`/health/ready` polled every 250 ms (NO ANSWER: no process, or not serving yet), with what the test "
        + "did in italics; times in seconds from the start of the stream.\n");
    for (Row r : rows) {
      md.append("\n**").append(r.fault()).append("**\n\n");
      for (String line : r.timeline()) {
        md.append("- ").append(line).append('\n');
      }
    }
    if (!notes.isEmpty()) {
      md.append("\n## Notes\n\n");
      notes.forEach(n -> md.append("- ").append(n).append('\n'));
    }
    try {
      Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return true;
  }

  /** The 1-minute load average now ("?" where the system does not tell): how busy the machine was. */
  public static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  private static String machine() {
    String load = ", load average " + loadAverage() + " when written";
    return Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version") + ", "
        + System.getProperty("os.name") + load;
  }
}
