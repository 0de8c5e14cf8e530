package dev.advmon.system.outages;

import static dev.advmon.system.outages.Outages.RATE;
import static dev.advmon.system.outages.Outages.assertNothingOpenAndEveryFrameOnce;
import static dev.advmon.system.outages.Outages.faultSettings;
import static dev.advmon.system.outages.Outages.startMonitor;
import static dev.advmon.testing.SystemChecks.frame;
import static dev.advmon.testing.SystemChecks.reasonsContain;
import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.health.HealthReport;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.testing.Await;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.StandaloneKafka;
import dev.advmon.testing.TestData;
import dev.advmon.topology.StreamingMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Production runs a replicated cluster: what a node killed, the active controller killed, a rolling restart and a
 * majority lost cost the monitor (README, "Faults, restarts and health"). Apart from {@link OutageRecoveryIT} so that
 * the two JVMs of the system-test phase can run them side by side.
 */
class ReplicatedClusterOutageIT {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicatedClusterOutageIT.class);

  @TempDir
  Path dir;

  /**
   * Production runs a replicated cluster: three nodes (brokers and controller voters), every topic replicated three
   * times with {@code min.insync.replicas} 2. The node that is the monitor's transaction coordinator is killed with
   * {@code kill -9} while frames keep arriving (the lone broker's kill -9 can repeat verdicts: {@link
   * OutageRecoveryIT}), and started again a while later; then the active KRaft controller alone is killed, and
   * readiness must stay UP through the election; then every node is restarted in turn (SIGTERM, as a rolling upgrade
   * does, each once its partitions are back in sync). Every frame must get exactly one outcome (read_committed), the monitor must stay
   * or come back RUNNING and ready by itself, and no transaction may stay open on its outputs or changelogs.
   */
  @Test
  void aReplicatedClusterKilledANodeAndRestartedNodeByNodeLosesAndRepeatsNothing() throws Exception {
    // the JVM's shared registry, left as it is (only Kafka fails here); if no class has launched it yet, it boots while
    // the nodes start
    SchemaRegistryServer.Running registryServer = SchemaRegistryServer.shared();
    List<StandaloneKafka> nodes = StandaloneKafka.startCluster(dir.resolve("cluster"), 3, Map.of());
    try {
      registryServer.ready();
      String bootstrap = StandaloneKafka.bootstrapServers(nodes);
      Map<String, String> settings = faultSettings(bootstrap, registryServer.url(), "replicated", dir);
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      String appId = config.string("streams.application-id");
      String frames = config.string("topics.frames");
      ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
      Set<String> sent = ConcurrentHashMap.newKeySet();
      IntFunction<FrameTraffic.Record> camera = FrameTraffic.cameraFrames(
          new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build()), frames, "repl", 4);
      try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
          StreamingMonitor monitor = startMonitor(config, bundle, classifier, MonitorMetrics.inMemory());
          FrameTraffic traffic = new FrameTraffic(bootstrap, frames, Integer.MAX_VALUE, RATE, n -> {
            FrameTraffic.Record r = camera.apply(n);
            sent.add("repl-" + n);
            return r;
          });
          OutcomeReader reader = new OutcomeReader(bootstrap, config.string("topics.verdicts"),
              config.string("topics.dead-letter"));
          Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        assertThat(monitor.awaitRunning(Duration.ofSeconds(90))).as("Kafka Streams reaches RUNNING").isTrue();
        assertThat(Await.until(() -> reader.count() >= 20 && monitor.health().readiness().up(), Duration.ofSeconds(90)))
            .as("verdicts flow and the monitor is ready: %s", monitor.health().readiness()).isTrue();
        assertThat(admin.describeTopics(List.of(config.string("topics.verdicts"))).allTopicNames().get()
            .get(config.string("topics.verdicts")).partitions()).as("the precondition: replicated three times")
            .allMatch(p -> p.replicas().size() == 3);
        int coordinator = admin.describeTopics(List.of("__transaction_state")).allTopicNames().get()
            .get("__transaction_state").partitions().get(0).leader().id();
        StandaloneKafka victim = nodes.stream().filter(n -> n.nodeId() == coordinator).findFirst().orElseThrow();

        long killedAt = System.currentTimeMillis();
        victim.kill();
        int atKill = traffic.handedOver();
        assertThat(Await.until(() -> reader.count() >= atKill + 50, Duration.ofSeconds(90)))
            .as("verdicts go on with a node down (%d, %d sent before the kill)", reader.count(), atKill).isTrue();
        long goingOnAt = System.currentTimeMillis();
        victim.restart();
        long backAt = System.currentTimeMillis();
        int handed = traffic.handedOver();
        assertThat(Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING
            && monitor.health().readiness().up() && reader.count() >= handed, Duration.ofSeconds(90)))
            .as("RUNNING and ready with the node back, verdicts for the %d frames sent so far (have %d): %s", handed,
                reader.count(), monitor.health().readiness()).isTrue();
        LOG.info("node {} (the transaction coordinator) killed: outcomes "
            + "for 50 frames more than had been sent at the kill {} ms later; restarted, back in {} ms; ready with all "
            + "verdicts {} ms after that", coordinator, goingOnAt - killedAt, backAt - goingOnAt,
            System.currentTimeMillis() - backAt);

        controllerFailover(nodes, monitor, traffic, reader, admin, config, appId);

        for (StandaloneKafka node : nodes) { // a rolling restart
          assertThat(Await.until(() -> inSync(admin, config, appId), Duration.ofSeconds(90)))
              .as("every partition back in sync before node %d goes", node.nodeId()).isTrue();
          long stoppedAt = System.currentTimeMillis();
          node.stop();
          int atStop = traffic.handedOver();
          List<String> down = new ArrayList<>();
          assertThat(Await.until(() -> {
            HealthReport r = monitor.health().readiness();
            if (!r.up()) {
              down.add((System.currentTimeMillis() - stoppedAt) + " ms: " + r);
            }
            return reader.count() >= atStop + 20;
          }, Duration.ofSeconds(90))).as("verdicts go on with node %d stopped", node.nodeId()).isTrue();
          long goneOnAt = System.currentTimeMillis();
          node.restart();
          LOG.info("node {} stopped: outcomes for 20 frames more than had "
              + "been sent at the stop {} ms later; back {} ms after that; readiness DOWN at {} looks: {}",
              node.nodeId(), goneOnAt - stoppedAt, System.currentTimeMillis() - goneOnAt, down.size(),
              String.join("; ", down));
        }
        int handedAll = traffic.handedOver();
        assertThat(Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING
            && monitor.health().readiness().up() && reader.count() >= handedAll, Duration.ofSeconds(90)))
            .as("RUNNING and ready after the rolling restart, verdicts for the %d frames sent so far (have %d): %s",
                handedAll, reader.count(), monitor.health().readiness()).isTrue();

        // a majority lost: two of the three nodes killed at once, the transaction coordinator among them. The KRaft
        // quorum is gone and no partition takes a write (min.insync.replicas 2), cameras' frames included, until
        // both are back, started one after the other
        assertThat(Await.until(() -> inSync(admin, config, appId), Duration.ofSeconds(90)))
            .as("every partition back in sync before two nodes go").isTrue();
        int coordinatorNow = admin.describeTopics(List.of("__transaction_state")).allTopicNames().get()
            .get("__transaction_state").partitions().get(0).leader().id();
        List<StandaloneKafka> majority = nodes.stream()
            .sorted(java.util.Comparator.comparing((StandaloneKafka n) -> n.nodeId() != coordinatorNow)).limit(2)
            .toList();
        long majorityAt = System.currentTimeMillis();
        for (StandaloneKafka node : majority) {
          node.kill();
        }
        int ackedAtKill = traffic.acked();
        // readiness says so, whichever node is left, and keeps saying so: it flapped between DOWN and UP every 2-3 s
        // when the metadata request alone was the probe (the node left answered it, the dead ones still listed in
        // its stale metadata did not)
        // the wording of a lost quorum (README), not that of a quorum request failing with an error of its own
        String lostQuorum = "no KRaft controller quorum does";
        // 90 s, as every other wait here: the probe's own timeouts stretch on a loaded machine, and 30 s was its only
        // bound shorter than that
        assertThat(Await.until(() -> reasonsContain(monitor, lostQuorum), Duration.ofSeconds(90)))
            .as("readiness DOWN naming the lost quorum: %s", monitor.health().readiness()).isTrue();
        List<String> readinessWhileLost = new ArrayList<>();
        assertThat(Await.until(() -> {
          HealthReport r = monitor.health().readiness();
          if (r.up() || r.reasons().stream().noneMatch(reason -> reason.contains(lostQuorum))) {
            readinessWhileLost.add(r.toString());
          }
          return traffic.handedOver() - traffic.acked() >= 200;
        }, Duration.ofSeconds(90)))
            .as("the outage is felt: 200 frames (20 s of traffic) wait to be written (handed over %d, acked %d, "
                + "%d acked at the kill)", traffic.handedOver(), traffic.acked(), ackedAtKill).isTrue();
        assertThat(readinessWhileLost).as("readiness while the quorum is lost: DOWN naming it at every look").isEmpty();
        KafkaStreams.State during = monitor.state();
        String readinessDuring = monitor.health().readiness().toString();
        int waiting = traffic.handedOver() - traffic.acked();
        long restartAt = System.currentTimeMillis();
        for (StandaloneKafka node : majority) {
          node.restart();
        }
        long majorityBackAt = System.currentTimeMillis();
        int handedAfter = traffic.handedOver();
        assertThat(Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING
            && monitor.health().readiness().up() && reader.count() >= handedAfter, Duration.ofSeconds(120)))
            .as("RUNNING and ready with the majority back, verdicts for the %d frames sent so far (have %d): %s",
                handedAfter, reader.count(), monitor.health().readiness()).isTrue();
        LOG.info("nodes {} (the coordinator {} among them) killed: {} "
            + "frames waiting after {} ms (monitor {}, readiness {}); both back {} ms after their restart began; ready "
            + "with every verdict {} ms after that", majority.stream().map(StandaloneKafka::nodeId).toList(),
            coordinatorNow, waiting, restartAt - majorityAt, during, readinessDuring,
            majorityBackAt - restartAt, System.currentTimeMillis() - majorityBackAt);
        traffic.stopAndAwaitAcked(Duration.ofMinutes(1));
        assertThat(reader.awaitCount(sent.size(), Duration.ofSeconds(60))).as("an outcome per frame (%d of %d)",
            reader.count(), sent.size()).isTrue();

        assertNothingOpenAndEveryFrameOnce(admin, bootstrap, config, sent);
      }
    } finally {
      nodes.forEach(StandaloneKafka::close);
    }
  }

  /**
   * The active KRaft controller alone killed with {@code kill -9} (the quorum description says which node it is):
   * the two voters left elect a new one within seconds, a majority all along. Readiness, looked at every 0.1 s from
   * the kill until a new active controller answers and verdicts for 30 frames more than had been sent at the kill
   * are out, must stay UP: a DOWN for an election would take every pod out of its Service at once (it was DOWN for
   * one probe, about 0.5 s, 1.4 s after the kill, naming a lost quorum, before the probe bore with an election).
   */
  private static void controllerFailover(List<StandaloneKafka> nodes, StreamingMonitor monitor, FrameTraffic traffic,
      OutcomeReader reader, Admin admin, MonitorConfig config, String appId) throws Exception {
    assertThat(Await.until(() -> inSync(admin, config, appId), Duration.ofSeconds(90)))
        .as("every partition back in sync before the active controller goes").isTrue();
    // asked until it answers: one request of 10 s was the only look here that did not wait for its condition
    int[] activeNow = {-1};
    assertThat(Await.until(() -> {
      try {
        activeNow[0] = admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
        return true;
      } catch (Exception notNow) {
        if (notNow instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        return false;
      }
    }, Duration.ofSeconds(90))).as("the quorum described, naming its active controller").isTrue();
    int active = activeNow[0];
    StandaloneKafka controller = nodes.stream().filter(n -> n.nodeId() == active).findFirst().orElseThrow();
    long killedAt = System.currentTimeMillis();
    controller.kill();
    int atKill = traffic.handedOver();
    List<String> down = new ArrayList<>();
    // the quorum asked without holding up the looks at readiness: again whenever the last request has ended
    List<org.apache.kafka.common.KafkaFuture<org.apache.kafka.clients.admin.QuorumInfo>> look = new ArrayList<>();
    long[] electedAt = {-1};
    int[] leader = {-1};
    boolean goneOn = Await.until(() -> {
      HealthReport r = monitor.health().readiness();
      if (!r.up()) {
        down.add((System.currentTimeMillis() - killedAt) + " ms: " + r);
      }
      if (electedAt[0] < 0 && (look.isEmpty() || look.get(0).isDone())) {
        try {
          if (!look.isEmpty() && look.get(0).get().leaderId() != active) {
            leader[0] = look.get(0).get().leaderId();
            electedAt[0] = System.currentTimeMillis() - killedAt;
          }
        } catch (Exception notYet) {
          // no active controller answered this time
        }
        look.clear();
        look.add(admin.describeMetadataQuorum(new org.apache.kafka.clients.admin.DescribeMetadataQuorumOptions()
            .timeoutMs(1_000)).quorumInfo());
      }
      return electedAt[0] >= 0 && reader.count() >= atKill + 30;
    }, Duration.ofSeconds(90));
    LOG.info("node {} (the active controller) killed: node {} the active "
        + "controller {} ms later, outcomes for 30 frames more {} ms after the kill; readiness DOWN at {} of the "
        + "looks: {}", active, leader[0], electedAt[0], System.currentTimeMillis() - killedAt, down.size(),
        String.join("; ", down));
    assertThat(goneOn).as("a new active controller (node %d, %d ms) and verdicts going on after node %d's kill "
        + "(%d, %d sent before it)", leader[0], electedAt[0], active, reader.count(), atKill).isTrue();
    controller.restart();
    assertThat(down).as("readiness while the active controller fails over: UP at every look").isEmpty();
  }

  /** Whether every partition of the monitor's topics has all its replicas in sync (what a rolling restart waits for). */
  private static boolean inSync(Admin admin, MonitorConfig config, String appId) {
    try {
      List<String> topics = new ArrayList<>(List.of(config.string("topics.frames"), config.string("topics.verdicts"),
          config.string("topics.alerts"), config.string("topics.dead-letter"), "__transaction_state",
          "__consumer_offsets"));
      admin.listTopics().names().get(10, TimeUnit.SECONDS).stream().filter(t -> t.startsWith(appId))
          .forEach(topics::add);
      return admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
          .flatMap(d -> d.partitions().stream()).allMatch(p -> p.isr().size() == p.replicas().size());
    } catch (Exception notNow) {
      if (notNow instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return false;
    }
  }
}
