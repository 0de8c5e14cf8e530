package dev.advmon.system.outages;

import static dev.advmon.system.outages.Outages.MAX_KAFKA_LINES_PER_OUTAGE;
import static dev.advmon.system.outages.Outages.MAX_LINES_PER_OUTAGE;
import static dev.advmon.system.outages.Outages.assertNothingOpenAndEveryFrameOnce;
import static dev.advmon.system.outages.Outages.lines;
import static dev.advmon.system.outages.Outages.transactions;
import static dev.advmon.testing.SystemChecks.frame;
import static dev.advmon.testing.SystemChecks.reasonsContain;
import static dev.advmon.testing.SystemChecks.restarts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.Await;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.StandaloneKafka;
import dev.advmon.testing.TcpProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network partition between the monitor and a broker that stays up, longer than the transaction timeout. Apart from
 * {@link OutageRecoveryIT} so that the two JVMs of the system-test phase can run them side by side.
 */
class NetworkPartitionIT {

  private static final Logger LOG = LoggerFactory.getLogger(NetworkPartitionIT.class);

  @TempDir
  Path dir;

  /**
   * The broker stays up but the monitor cannot reach it (a network partition, a firewall change: a {@link TcpProxy}
   * the broker advertises, so that every connection of the monitor goes through it, either cuts every connection and
   * refuses new ones, or stalls them, letting no byte through and closing nothing) for longer than the
   * transaction timeout (its minimum, 5 s) while frames keep arriving. Unlike a broker that is away, the coordinator
   * keeps its clock: it aborts the transaction the monitor left open on its own timer and bumps the producer epoch,
   * which the test sees happen (Admin, from outside the partition). When the network heals, the monitor's producer
   * finds itself fenced: the frames of the aborted transaction must be processed again, every frame must get exactly
   * one outcome (read_committed), the monitor must come back to RUNNING and ready by itself, say so in a few lines,
   * and leave no transaction open. Seen so far, either way of partition, by which late request the broker refuses
   * first: a produce (InvalidProducerEpochException), then Kafka Streams migrates its tasks, no in-place restart; or
   * the commit (InvalidTxnStateException), then the stream thread fails and the monitor restarts Kafka Streams in
   * place once.
   */
  @ParameterizedTest(name = "connections {0}")
  @ValueSource(strings = {"cut", "stalled"})
  void aPartitionLongerThanTheTransactionTimeoutGetsTheOpenTransactionAbortedYetLosesAndRepeatsNothing(String how)
      throws Exception {
    int txTimeoutMs = 5_000;
    SchemaRegistryServer.Running registryServer = SchemaRegistryServer.shared(); // only the monitor's network fails
    try (TcpProxy network = TcpProxy.open();
        StandaloneKafka kafka = StandaloneKafka.start(dir.resolve("kafka"),
            Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"), network)) {
      registryServer.ready();
      // the test's own clients go direct: only the monitor is partitioned
      try (Outages.Run run = new Outages.Run(kafka.proxiedBootstrapServers(), kafka.bootstrapServers(),
          registryServer.url(), "partition", "part", txTimeoutMs, dir)) {
        run.assertFlowingAndReady();

        int ownBeforeAttempt = 0;
        int kafkaBeforeAttempt = 0;
        double restartsBeforeAttempt = 0;
        long cutAtAttempt = 0;
        long abortedAt = 0;
        boolean aborted = false;
        String coordinator = "";
        // A commit already on its way when the connections stop (in the broker's socket buffer, or relayed just
        // before a stall) still completes at the coordinator: then there is no open transaction to abort, which says
        // nothing of the monitor. Heal, let it go on, and cut again, at most three times.
        for (int attempt = 1; attempt <= 3; attempt++) {
          ownBeforeAttempt = run.ownLog.events().size();
          kafkaBeforeAttempt = run.kafkaLog.events().size();
          restartsBeforeAttempt = restarts(run.metrics);
          // cut while the coordinator holds a transaction of the monitor's open
          Map<String, TransactionDescription> open = new HashMap<>();
          assertThat(Await.until(() -> {
            open.clear();
            transactions(run.admin, run.appId).forEach((id, d) -> {
              if (d.state() == TransactionState.ONGOING) {
                open.put(id, d);
              }
            });
            if (open.isEmpty()) {
              return false;
            }
            if (how.equals("cut")) {
              network.cut();
            } else {
              network.stall();
            }
            // the monitor may have committed between the look and the cut: then heal and wait for the next one
            Map<String, TransactionDescription> now = transactions(run.admin, run.appId);
            open.keySet().removeIf(id -> now.get(id) == null || now.get(id).state() != TransactionState.ONGOING
                || now.get(id).producerEpoch() != open.get(id).producerEpoch());
            if (open.isEmpty()) {
              network.heal();
            }
            return !open.isEmpty();
          }, Duration.ofSeconds(30))).as("a transaction of the monitor open at the coordinator").isTrue();
          cutAtAttempt = System.currentTimeMillis();
          // the point of this test: the coordinator aborts it by itself (the monitor cannot reach it to end it)
          Map<String, TransactionDescription> after = new HashMap<>();
          boolean[] committed = new boolean[1];
          Await.until(() -> {
            after.clear();
            after.putAll(transactions(run.admin, run.appId));
            committed[0] = open.keySet().stream().anyMatch(id -> after.containsKey(id)
                && (after.get(id).state() == TransactionState.PREPARE_COMMIT
                    || after.get(id).state() == TransactionState.COMPLETE_COMMIT));
            return committed[0] || open.entrySet().stream().allMatch(e -> after.containsKey(e.getKey())
                && after.get(e.getKey()).producerEpoch() > e.getValue().producerEpoch()
                && (after.get(e.getKey()).state() == TransactionState.PREPARE_ABORT
                    || after.get(e.getKey()).state() == TransactionState.COMPLETE_ABORT));
          }, Duration.ofSeconds(60));
          abortedAt = System.currentTimeMillis();
          aborted = !committed[0] && open.entrySet().stream().allMatch(e -> after.containsKey(e.getKey())
              && after.get(e.getKey()).producerEpoch() > e.getValue().producerEpoch()
              && (after.get(e.getKey()).state() == TransactionState.PREPARE_ABORT
                  || after.get(e.getKey()).state() == TransactionState.COMPLETE_ABORT));
          coordinator = open.keySet().stream().map(id -> id + ": " + describe(open.get(id)) + " -> "
              + describe(after.get(id))).collect(java.util.stream.Collectors.joining("; "))
              + (attempt > 1 ? " (attempt " + attempt + ")" : "");
          if (!committed[0]) {
            break;
          }
          LOG.info("a commit in flight completed during the partition "
              + "({}): healing and cutting again", coordinator);
          network.heal();
          int seen = run.reader.count();
          int attemptFrom = ownBeforeAttempt;
          // and the health checker's log caught up: it logs a change on its next round, after readiness() is UP
          // again; its "readiness UP" for this attempt, left to the next one's lines, would stand in for that one's
          // (the assertions below read only the last attempt's lines) and count against its lines
          assertThat(Await.until(() -> run.monitor.state() == KafkaStreams.State.RUNNING && run.monitor.health().readiness().up()
              && run.reader.count() > seen && lastReadinessLogged(lines(run.ownLog, attemptFrom, run.appId)).map(
                  l -> l.contains("readiness UP")).orElse(true), Duration.ofSeconds(60)))
              .as("verdicts flow again after the heal, and readiness UP logged if DOWN was").isTrue();
        }
        final int ownBefore = ownBeforeAttempt;
        final int kafkaBefore = kafkaBeforeAttempt;
        final double restartsBefore = restartsBeforeAttempt;
        final long cutAt = cutAtAttempt;
        assertThat(aborted).as("the coordinator aborted the open transaction and bumped the epoch during the partition:"
            + " %s", coordinator).isTrue();
        assertThat(Await.until(() -> reasonsContain(run.monitor, "Kafka at"), Duration.ofSeconds(30)))
            .as("readiness DOWN naming the broker: %s", run.monitor.health().readiness()).isTrue();
        // 12 s in CI; -Dadvmon.partition-ms=300000 for the long form (past the session and delivery timeouts)
        long partitionMs = Long.getLong("advmon.partition-ms", 12_000);
        Await.until(() -> System.currentTimeMillis() - cutAt >= partitionMs, Duration.ofMillis(partitionMs + 30_000));
        network.heal();
        long healedAt = System.currentTimeMillis();
        run.assertRecovered(ownBefore, Duration.ofSeconds(60));
        long recoveredAt = System.currentTimeMillis();
        run.assertEveryFrameAnswered();
        List<String> own = lines(run.ownLog, ownBefore, run.appId);
        List<String> kafkaLines = lines(run.kafkaLog, kafkaBefore, run.appId);
        double restarts = restarts(run.metrics) - restartsBefore;
        LOG.info("connections {} {} ms (transaction timeout {} ms; {} "
            + "connections refused); the coordinator aborted after {} ms: {}; ready with all verdicts {} ms after the "
            + "heal; {} restarts; {} log lines of the monitor, {} of its Kafka clients:\n{}\n--- Kafka:\n{}",
            how, healedAt - cutAt, txTimeoutMs, network.refused(), abortedAt - cutAt, coordinator, recoveredAt - healedAt,
            restarts, own.size(), kafkaLines.size(), String.join("\n", own), String.join("\n", kafkaLines));

        assertNothingOpenAndEveryFrameOnce(run.admin, kafka.bootstrapServers(), run.config, run.sent);
        assertThat(restarts).as("in-place restarts (one fencing, not a loop)").isLessThanOrEqualTo(1);
        assertThat(own).as("the monitor's log lines for the partition").hasSizeLessThanOrEqualTo(MAX_LINES_PER_OUTAGE)
            .anyMatch(l -> l.contains("Kafka at")).anyMatch(l -> l.contains("readiness UP"));
        assertThat(kafkaLines).as("its Kafka clients' log lines").hasSizeLessThanOrEqualTo(MAX_KAFKA_LINES_PER_OUTAGE);
      }
    }
  }

  private static String describe(TransactionDescription d) {
    return d == null ? "gone" : d.state() + " producer " + d.producerId() + " epoch " + d.producerEpoch() + " on "
        + d.topicPartitions().size() + " partitions";
  }

  /** The last of {@code lines} in which the health checker logged a change of readiness. */
  private static java.util.Optional<String> lastReadinessLogged(List<String> lines) {
    return lines.stream().filter(l -> l.contains("MonitorHealth - readiness ")).reduce((a, b) -> b);
  }
}
