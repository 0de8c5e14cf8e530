package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's way to wait for the redrive Job (section "Deploy on Kubernetes") ends once the Job has ended, whichever way:
 * a wait on condition=complete alone sat its whole timeout when the run failed (redrive exiting non-zero, a --dry-run
 * that says the real run would be refused included). Each {@code kubectl ... wait} line of README's redrive block is
 * evaluated by kubectl's own JSONPath engine ({@code kubectl label --local -o jsonpath}, no cluster) against Job
 * statuses as the Job controller writes them: before Kubernetes 1.31 (Complete or Failed alone) and from 1.31 on
 * (SuccessCriteriaMet or FailureTarget first, while the pods stop). {@code --for=condition=X} is evaluated as
 * {@code kubectl wait} does it (the first condition of type X, its status compared ignoring case). Needs kubectl.
 */
class RedriveJobWaitTest {

  private static final String JOB = "job/advmon-redrive";
  private static Job job;
  private static List<String> waits;

  @BeforeAll
  static void read() throws Exception {
    job = Manifests.render("jobs/redrive").one(Job.class);
    waits = readmeWaits();
  }

  /** README's {@code kubectl ... wait} lines for the redrive Job, in the block that applies k8s/jobs/redrive. */
  static List<String> readmeWaits() throws IOException {
    String readme = Files.readString(Kustomize.repoRoot().resolve("README.md"));
    List<String> waits = new ArrayList<>();
    for (String block : readme.split("```")) {
      if (block.contains("kubectl apply -k k8s/jobs/redrive")) {
        block.lines().map(String::strip).filter(l -> l.startsWith("kubectl ") && l.contains(" wait ") && l.contains(JOB))
            .forEach(waits::add);
      }
    }
    assertThat(waits).as("README's kubectl wait lines for " + JOB + ", in the block that applies k8s/jobs/redrive")
        .isNotEmpty();
    return waits;
  }

  private static final String RUNNING = "  active: 1\n";
  private static final String COMPLETE = conditions("Complete") + "  succeeded: 1\n";
  private static final String COMPLETE_131 = conditions("SuccessCriteriaMet", "Complete") + "  succeeded: 1\n";
  private static final String FAILED = conditions("Failed") + "  failed: 2\n";
  private static final String FAILED_131 = conditions("FailureTarget", "Failed") + "  failed: 2\n";
  private static final String SUCCEEDING_131 = conditions("SuccessCriteriaMet") + "  succeeded: 1\n";
  private static final String FAILING_131 = conditions("FailureTarget") + "  failed: 1\n  terminating: 1\n";

  private static String conditions(String... types) {
    StringBuilder s = new StringBuilder("  conditions:\n");
    for (String t : types) {
      s.append("    - type: ").append(t).append("\n      status: \"True\"\n");
    }
    return s.toString();
  }

  @Test
  void theWaitEndsOnceTheJobHasFailedAsOnceItHasCompletedAndNotBefore(@TempDir Path dir) throws Exception {
    String wait = waits.get(0);
    for (String ended : List.of(COMPLETE, COMPLETE_131, FAILED, FAILED_131)) {
      assertThat(met(wait, ended, dir)).as("'" + wait + "' ends on a Job whose status is\n" + ended).isTrue();
    }
    // before its end: the interim conditions of 1.31+ too, so that the check of the outcome below reads the final one
    for (String running : List.of("", RUNNING, SUCCEEDING_131, FAILING_131)) {
      assertThat(met(wait, running, dir)).as("'" + wait + "' still waits on a Job whose status is\n" + running).isFalse();
    }
  }

  /**
   * The wait is bounded by the Job itself: it runs for at most activeDeadlineSeconds (then it fails, and its pod gets
   * its termination grace period to stop), and the wait's own timeout is longer, so that the wait ends with the
   * Job's outcome rather than with its own timeout.
   */
  @Test
  void theJobEndsBeforeTheWaitGivesUp() {
    Long deadline = job.getSpec().getActiveDeadlineSeconds();
    assertThat(deadline).as("activeDeadlineSeconds of the Job").isNotNull().isPositive();
    Long grace = job.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
    long stop = grace == null ? 30 : grace;
    assertThat(timeout(waits.get(0))).as("--timeout of '" + waits.get(0) + "' outlasts the Job's deadline and its pod's stop")
        .isGreaterThan(Duration.ofSeconds(deadline + stop));
    assertThat(job.getSpec().getBackoffLimit()).as("backoffLimit: a failed run is tried again at most once").isBetween(0, 1);
  }

  /** After the wait, a check that needs no waiting says which way it ended, by its exit status. */
  @Test
  void aCheckAfterTheWaitSaysWhetherTheRunSucceeded(@TempDir Path dir) throws Exception {
    assertThat(waits).as("a second kubectl wait line that checks the outcome").hasSizeGreaterThanOrEqualTo(2);
    String check = waits.get(1);
    assertThat(timeout(check)).as("'" + check + "' checks once (--timeout=0)").isEqualTo(Duration.ZERO);
    for (String succeeded : List.of(COMPLETE, COMPLETE_131)) {
      assertThat(met(check, succeeded, dir)).as("'" + check + "' on\n" + succeeded).isTrue();
    }
    for (String failed : List.of(FAILED, FAILED_131)) {
      assertThat(met(check, failed, dir)).as("'" + check + "' on\n" + failed).isFalse();
    }
  }

  private static Duration timeout(String line) {
    Matcher m = Pattern.compile("--timeout[= ](\\d+)([smh]?)").matcher(line);
    assertThat(m.find()).as("--timeout in '" + line + "'").isTrue();
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "h" -> Duration.ofHours(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofSeconds(n);
    };
  }

  /** Whether the {@code --for} of {@code line} holds for the Job with {@code status}, as kubectl wait decides it. */
  private static boolean met(String line, String status, Path dir) throws Exception {
    String forArg = words(line).stream().filter(w -> w.startsWith("--for=")).findFirst()
        .orElseThrow(() -> new AssertionError("no --for= in '" + line + "'")).substring("--for=".length());
    if (forArg.startsWith("condition=")) {
      // kubectl wait's condition form: the first condition whose type equals X ignoring case, its status compared
      // ignoring case with the value (True unless given)
      String[] c = forArg.substring("condition=".length()).split("=", 2);
      String expected = c.length == 2 ? c[1] : "True";
      for (String typeAndStatus : jsonPath("{range .status.conditions[*]}{.type}={.status}{\"\\n\"}{end}", status, dir)
          .lines().toList()) {
        String[] ts = typeAndStatus.split("=", 2);
        if (ts[0].equalsIgnoreCase(c[0])) {
          return ts[1].equalsIgnoreCase(expected);
        }
      }
      return false;
    }
    assertThat(forArg).as("a --for this test evaluates: condition= or jsonpath=").startsWith("jsonpath=");
    List<String> parts = splitOnSingleEquals(forArg.substring("jsonpath=".length()));
    assertThat(parts).as("jsonpath=EXPRESSION[=VALUE] in '" + line + "'").hasSizeBetween(1, 2);
    String expected = parts.size() == 2 ? parts.get(1).replaceAll("^['\"]|['\"]$", "") : null;
    String values = jsonPath(parts.get(0), status, dir).strip();
    if (values.isEmpty()) {
      return false;
    }
    // kubectl wait's JSONPath form stops with an error when its expression finds more than one value
    assertThat(values).as(parts.get(0) + " finds one value at most").doesNotContain(" ");
    return expected == null || values.equals(expected);
  }

  /** kubectl's own split of a JSONPath wait (splitJSONPathInput): on single '=', not on '=='. */
  private static List<String> splitOnSingleEquals(String input) {
    List<String> out = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (c == '=' && i + 1 < input.length() && input.charAt(i + 1) == '=') {
        part.append("==");
        i++;
      } else if (c == '=') {
        out.add(part.toString());
        part.setLength(0);
      } else {
        part.append(c);
      }
    }
    out.add(part.toString());
    return out;
  }

  /** The words of a shell command line as sh splits them (single and double quotes), up to a {@code #} comment. */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          w.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c) || c == ';') {
        if (inWord) {
          words.add(w.toString());
          w.setLength(0);
          inWord = false;
        }
        if (c == ';') {
          break;
        }
      } else if (c == '#' && !inWord) {
        break;
      } else {
        w.append(c);
        inWord = true;
      }
    }
    assertThat(quote).as("quotes closed in '" + line + "'").isEqualTo((char) 0);
    if (inWord) {
      words.add(w.toString());
    }
    return words;
  }

  /** What kubectl's JSONPath engine finds in the redrive Job with {@code status} (its values, space-separated). */
  private static String jsonPath(String expression, String status, Path dir) throws IOException, InterruptedException {
    Path file = Files.createTempFile(dir, "job", ".yaml");
    Files.writeString(file, "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: " + job.getMetadata().getName()
        + "\n  namespace: " + job.getMetadata().getNamespace() + "\nspec:\n  template:\n    spec:\n"
        + "      restartPolicy: Never\n      containers: [{name: redrive, image: advmon}]\n"
        + (status.isEmpty() ? "" : "status:\n" + status));
    Process p;
    try {
      p = new ProcessBuilder("kubectl", "label", "--local", "-f", file.toString(), "advmon.test/evaluated=true",
          "-o", "jsonpath=" + expression).start();
    } catch (IOException e) {
      throw new AssertionError(Kustomize.INSTALL_HINT + " (" + e.getMessage() + ")", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kubectl finished").isTrue();
    assertThat(p.exitValue()).as("kubectl label --local -o jsonpath=" + expression + ": " + err).isZero();
    return out;
  }

  @Test
  void theShellWordsAreSplitAsShDoes() {
    assertThat(words("kubectl wait --for=jsonpath='{.a[?(@.b==\"C\")].d}'=True x # note; y"))
        .containsExactly("kubectl", "wait", "--for=jsonpath={.a[?(@.b==\"C\")].d}=True", "x");
    assertThat(splitOnSingleEquals("{.a[?(@.b==\"C\")].d}=True")).containsExactly("{.a[?(@.b==\"C\")].d}", "True");
  }
}
