package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's {@code kubectl wait} lines for the redrive Job, run as written by kubectl itself against
 * {@link ApiServerStandIn} (no cluster): the wait ends once the Job has failed, whether it had failed before the wait
 * began or fails while kubectl watches it, as it does when the Job completes; the check after it exits 0 for a
 * completed Job and non-zero for a failed one. {@link RedriveJobWaitTest} evaluates the same lines on more statuses.
 */
class RedriveJobWaitKubectlTest {

  /** Far below README's --timeout: a wait that has not ended by then sits until its own timeout. */
  private static final long ENDS_WITHIN_S = 60;
  private static final String RUNNING = "{\"active\":1}";
  private static final String FAILED = "{\"failed\":2,\"conditions\":[{\"type\":\"FailureTarget\",\"status\":\"True\"},"
      + "{\"type\":\"Failed\",\"status\":\"True\",\"reason\":\"BackoffLimitExceeded\"}]}";
  private static final String FAILING = "{\"failed\":2,\"terminating\":1,\"conditions\":[{\"type\":\"FailureTarget\","
      + "\"status\":\"True\",\"reason\":\"DeadlineExceeded\"}]}";
  private static final String FAILED_AFTER_DEADLINE = "{\"failed\":2,\"conditions\":[{\"type\":\"FailureTarget\","
      + "\"status\":\"True\",\"reason\":\"DeadlineExceeded\"},{\"type\":\"Failed\",\"status\":\"True\",\"reason\":"
      + "\"DeadlineExceeded\"}]}";
  private static final String COMPLETE = "{\"succeeded\":1,\"conditions\":[{\"type\":\"SuccessCriteriaMet\",\"status\":"
      + "\"True\"},{\"type\":\"Complete\",\"status\":\"True\"}]}";
  private static List<String> waits;

  @BeforeAll
  static void read() throws Exception {
    waits = RedriveJobWaitTest.readmeWaits();
  }

  private record Run(Process process, CompletableFuture<String> output) {}

  private static Run start(String line, ApiServerStandIn server, Path dir) throws Exception {
    List<String> command = new ArrayList<>(RedriveJobWaitTest.words(line));
    assertThat(command.get(0)).isEqualTo("kubectl");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("KUBECONFIG", server.kubeconfig(dir).toString());
    // kubectl caches discovery under $HOME/.kube/cache: the test's own, not the user's
    pb.environment().put("HOME", Files.createDirectories(dir.resolve("home")).toString());
    Process p = pb.start();
    return new Run(p, CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        return e.toString();
      }
    }));
  }

  /** The exit status of the run, once it ended within {@link #ENDS_WITHIN_S}; the process is killed if not. */
  private static int ended(Run run, String line, ApiServerStandIn server) throws Exception {
    try {
      boolean ended = run.process().waitFor(ENDS_WITHIN_S, TimeUnit.SECONDS);
      assertThat(ended).as("'" + line + "' ended within " + ENDS_WITHIN_S + " s; requests: " + server.requests).isTrue();
      return run.process().exitValue();
    } finally {
      run.process().destroyForcibly();
    }
  }

  @Test
  void theWaitEndsOnAJobThatHadFailedBeforeItBegan(@TempDir Path dir) throws Exception {
    String wait = waits.get(0);
    try (ApiServerStandIn server = new ApiServerStandIn("advmon", "advmon-redrive", FAILED)) {
      Run run = start(wait, server, dir);
      assertThat(ended(run, wait, server)).as(run.output().get()).isZero();
    }
  }

  @Test
  void theWaitEndsWhenTheJobFailsWhileWatchedAsWhenItCompletes(@TempDir Path dir) throws Exception {
    String wait = waits.get(0);
    for (String end : List.of(FAILED_AFTER_DEADLINE, COMPLETE)) {
      try (ApiServerStandIn server = new ApiServerStandIn("advmon", "advmon-redrive", RUNNING)) {
        Run run = start(wait, server, Files.createTempDirectory(dir, "run"));
        assertThat(server.awaitWatch(ENDS_WITHIN_S)).as("kubectl watches the running Job; requests: " + server.requests)
            .isTrue();
        assertThat(run.process().isAlive()).as("'" + wait + "' still waits on a running Job").isTrue();
        server.modify(FAILING, 2);
        server.modify(end, 3);
        assertThat(ended(run, wait, server)).as(end + ": " + run.output().get()).isZero();
      }
    }
  }

  @Test
  void theCheckAfterTheWaitExitsZeroOnlyForACompletedJob(@TempDir Path dir) throws Exception {
    assertThat(waits).hasSizeGreaterThanOrEqualTo(2);
    String check = waits.get(1);
    try (ApiServerStandIn server = new ApiServerStandIn("advmon", "advmon-redrive", COMPLETE)) {
      Run run = start(check, server, Files.createTempDirectory(dir, "complete"));
      assertThat(ended(run, check, server)).as(run.output().get()).isZero();
    }
    for (String failed : List.of(FAILED, FAILED_AFTER_DEADLINE)) {
      try (ApiServerStandIn server = new ApiServerStandIn("advmon", "advmon-redrive", failed)) {
        Run run = start(check, server, Files.createTempDirectory(dir, "failed"));
        assertThat(ended(run, check, server)).as(run.output().get()).isNotZero();
      }
    }
  }
}
