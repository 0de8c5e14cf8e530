package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HealthPartsTest {

  @Test
  void aStreamIsStalledOnlyWhileRecordsWaitAndNothingIsCommitted() {
    StallDetector d = new StallDetector(10_000);
    Object client = new Object();
    assertThat(d.sample(new StallDetector.Sample(0, 50, 3, client))).isNull();
    assertThat(d.sample(new StallDetector.Sample(9_000, 50, 3, client))).isNull();
    assertThat(d.sample(new StallDetector.Sample(10_000, 50, 3, client))).contains("stalled").contains("50 records wait")
        .contains("health.stall-timeout-ms=10000");
    assertThat(d.problem()).isNotNull();
    assertThat(d.sample(new StallDetector.Sample(11_000, 50, 4, client))).as("a commit is progress").isNull();
    assertThat(d.sample(new StallDetector.Sample(30_000, 0, 4, client))).as("nothing waits: idle, not stalled").isNull();
    assertThat(d.sample(new StallDetector.Sample(35_000, 5, 4, client))).isNull();
  }

  @Test
  void aRestartedClientsCountersStartingAgainAreNotProgress() {
    StallDetector d = new StallDetector(10_000);
    Object before = new Object();
    Object after = new Object();
    d.sample(new StallDetector.Sample(0, 50, 300, before));
    assertThat(d.sample(new StallDetector.Sample(1_000, 50, 0, after))).isNull();
    assertThat(d.sample(new StallDetector.Sample(11_000, 50, 0, after))).contains("stalled");
  }

  @Test
  void aProbeSaysSinceWhenADependencyIsUnreachableAndForgetsItOnceItAnswers() {
    AtomicLong clock = new AtomicLong(1_000);
    AtomicReference<Exception> failure = new AtomicReference<>();
    DependencyProbe probe = new DependencyProbe("schema registry at http://r", () -> {
      if (failure.get() != null) {
        throw failure.get();
      }
    }, clock::get);
    assertThat(probe.problem()).as("believed reachable until checked").isNull();
    failure.set(new java.util.concurrent.ExecutionException(new java.net.ConnectException("Connection refused")));
    probe.check();
    clock.addAndGet(7_000);
    probe.check();
    assertThat(probe.problem()).isEqualTo("schema registry at http://r unreachable for 7 s: Connection refused");
    failure.set(null);
    probe.check();
    assertThat(probe.problem()).isNull();
  }

  @Test
  void countsUnreachableFromTheFirstFailedCheckWhenTheErrorTextChanges() throws Exception {
    // a partitioned broker: the first check times out one way, the next ones another; still the same outage
    AtomicLong clock = new AtomicLong(1_000);
    AtomicReference<Exception> failure = new AtomicReference<>(
        new java.util.concurrent.TimeoutException("Call(callName=listNodes) timed out after 1 attempt(s)"));
    DependencyProbe probe = new DependencyProbe("Kafka at 127.0.0.1:9092", () -> {
      if (failure.get() != null) {
        throw failure.get();
      }
    }, clock::get);
    probe.check();
    clock.addAndGet(3_000);
    failure.set(new java.util.concurrent.TimeoutException("Timed out waiting for a node assignment. Call: listNodes"));
    probe.check();
    clock.addAndGet(2_000);
    probe.check();
    assertThat(probe.problem()).isEqualTo("Kafka at 127.0.0.1:9092 unreachable for 5 s: Timed out waiting for a node "
        + "assignment. Call: listNodes");
    failure.set(null);
    probe.check();
    failure.set(new java.net.ConnectException("Connection refused"));
    probe.check();
    clock.addAndGet(1_000);
    assertThat(probe.problem()).as("a new outage counts from its own start").isEqualTo(
        "Kafka at 127.0.0.1:9092 unreachable for 1 s: Connection refused");
  }

  /** A registry down for a minute that comes back refusing the login: the refusal is 5 s old, not 65. */
  @Test
  void aProbeCountsANewKindOfFailureFromItsOwnStartNotFromTheOutageBeforeIt() {
    AtomicLong clock = new AtomicLong(1_000);
    AtomicReference<Exception> failure = new AtomicReference<>(new java.net.ConnectException("Connection refused"));
    DependencyProbe probe = new DependencyProbe("schema registry at http://r", () -> {
      throw failure.get();
    }, clock::get, Exception::getMessage,
        e -> e instanceof SecurityException ? "refusing the monitor's login" : DependencyProbe.UNREACHABLE);
    probe.check();
    clock.addAndGet(60_000);
    failure.set(new SecurityException("HTTP 401"));
    probe.check();
    clock.addAndGet(5_000);
    probe.check();
    assertThat(probe.problem()).isEqualTo("schema registry at http://r refusing the monitor's login for 5 s: HTTP 401");
    failure.set(new java.net.ConnectException("Connection refused"));
    probe.check();
    clock.addAndGet(2_000);
    probe.check();
    assertThat(probe.problem()).isEqualTo("schema registry at http://r unreachable for 2 s: Connection refused");
  }

  /**
   * A registry restarting refuses connections, then answers 503 while it starts: one outage. The line said
   * "unreachable" for the 503 too (sending the operator to the network); in its own words now, it goes on counting the
   * outage's seconds rather than starting again at the 503, and back.
   */
  @Test
  void answeringWithErrorsAfterBeingUnreachableIsOneOutageCountedFromItsStart() {
    AtomicLong clock = new AtomicLong(1_000);
    AtomicReference<Exception> failure = new AtomicReference<>(new java.net.ConnectException("Connection refused"));
    DependencyProbe probe = new DependencyProbe("schema registry at http://r", () -> {
      throw failure.get();
    }, clock::get, Exception::getMessage,
        e -> e instanceof IllegalStateException ? DependencyProbe.ANSWERING_WITH_ERRORS : DependencyProbe.UNREACHABLE);
    probe.check();
    clock.addAndGet(20_000);
    failure.set(new IllegalStateException("HTTP 503"));
    probe.check();
    clock.addAndGet(5_000);
    probe.check();
    assertThat(probe.problem()).isEqualTo("schema registry at http://r answering with errors for 25 s: HTTP 503");
    failure.set(new java.net.ConnectException("Connection refused"));
    clock.addAndGet(1_000);
    probe.check();
    assertThat(probe.problem()).isEqualTo("schema registry at http://r unreachable for 26 s: Connection refused");
  }
}
