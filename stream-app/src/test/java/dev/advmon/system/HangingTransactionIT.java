package dev.advmon.system;

import static dev.advmon.testing.SystemChecks.reasonsContain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.health.HangingTransactions;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.testing.Await;
import dev.advmon.testing.AuthorizingKafka;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.GhostTransaction;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersOptions;
import org.apache.kafka.clients.admin.DescribeProducersResult;
import org.apache.kafka.clients.admin.ForwardingAdmin;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hanging transaction on a real broker ({@link GhostTransaction}: records in a transaction no coordinator knows,
 * as a broker that lost track of one leaves them) on the monitor's topics. Where the monitor writes (its verdicts),
 * it aborts it itself, so that read_committed readers of its verdicts go on; a long transaction that is alive (its
 * coordinator tracks it) is left alone. Where others write (the frames topic), it reports it, readiness DOWN with
 * the command that aborts it, and does not abort it; run, that command's abort lets every frame through. A live
 * transaction whose coordinator's broker is down (a cluster of two brokers of the test's own) is not taken for a
 * hanging one; one holding the monitor's offset commit on {@code __consumer_offsets} is aborted; and a partition whose leader does not answer one look keeps what the last look found.
 */
@RealKafkaAndRegistry
class HangingTransactionIT {

  private static final int FRAMES = 12;

  @TempDir
  Path dir;

  @Test
  void abortsAHangingTransactionOnItsVerdictsAndLeavesALongLiveOneAlone(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    MonitorConfig config = config(kafka, registryServer, "hanging-own");
    String frames = config.string("topics.frames");
    TopicPartition verdicts = new TopicPartition(config.string("topics.verdicts"), 0);
    createTopics(kafka, config);
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    IntFunction<FrameTraffic.Record> frame = FrameTraffic.cameraFrames(registry, frames, "own", 3);
    // a camera gateway's transaction, alive and long (a 60 s timeout): it holds back the frames until it commits
    try (KafkaProducer<byte[], byte[]> gateway = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "gateway-" + frames, ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      gateway.initTransactions();
      gateway.beginTransaction();
      for (int n = 0; n < FRAMES; n++) {
        FrameTraffic.Record r = frame.apply(n);
        gateway.send(new ProducerRecord<>(frames, 0, r.key(), r.value()));
      }
      gateway.flush();
      GhostTransaction.Left ghost = GhostTransaction.leaveOpen(kafka.bootstrapServers(), verdicts, 3);
      try (LogLines log = LogLines.of(HangingTransactions.class);
          Running running = Running.start(config, registryServer);
          OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), verdicts.topic(),
              config.string("topics.dead-letter"))) {
        assertThat(Await.until(() -> log.messages().stream().anyMatch(m -> m.startsWith(
            "aborted a hanging transaction on " + verdicts)), Duration.ofSeconds(60)))
            .as("the monitor aborts the hanging transaction on its verdicts partition: %s", log.messages()).isTrue();
        assertThat(log.messages()).as("the gateway's transaction, open as long but alive, is not called hanging")
            .noneMatch(m -> m.contains(frames));
        assertThat(openTransactions(kafka, new TopicPartition(frames, 0))).as("the gateway's transaction is still open")
            .anyMatch(p -> p.currentTransactionStartOffset().isPresent());
        assertThat(openTransactions(kafka, verdicts)).as("nothing open on the verdicts partition now (ghost %s)", ghost)
            .noneMatch(p -> p.currentTransactionStartOffset().isPresent());
        gateway.commitTransaction();
        assertThat(reader.awaitCount(FRAMES, Duration.ofSeconds(60)))
            .as("the verdicts written after the hanging transaction are readable (read_committed): %d of %d",
                reader.count(), FRAMES).isTrue();
        assertThat(Await.until(() -> running.monitor.health().readiness().up(), Duration.ofSeconds(30)))
            .as("ready: %s", running.monitor.health().readiness()).isTrue();
        List<OutcomeReader.Outcome> outcomes = OutcomeReader.readAll(kafka.bootstrapServers(), verdicts.topic(),
            config.string("topics.dead-letter"), Duration.ofSeconds(30));
        assertThat(OutcomeReader.duplicates(outcomes)).isEmpty();
        assertThat(outcomes.stream().map(OutcomeReader.Outcome::frameId))
            .containsExactlyInAnyOrderElementsOf(IntStream.range(0, FRAMES).mapToObj(n -> "own-" + n).toList());
      }
    }
  }

  @Test
  void reportsAHangingTransactionOnTheFramesTopicWithTheCommandThatAbortsIt(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    MonitorConfig config = config(kafka, registryServer, "hanging-frames");
    TopicPartition frames = new TopicPartition(config.string("topics.frames"), 0);
    createTopics(kafka, config);
    GhostTransaction.Left ghost = GhostTransaction.leaveOpen(kafka.bootstrapServers(), frames, 3);
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    try (LogLines log = LogLines.of(HangingTransactions.class);
        Running running = Running.start(config, registryServer);
        FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), frames.topic(), FRAMES, 20,
            FrameTraffic.cameraFrames(registry, frames.topic(), "frames", 3));
        OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
            config.string("topics.dead-letter"))) {
      assertThat(traffic.awaitAllAcked(Duration.ofMinutes(1))).as("the frames are written").isTrue();
      String command = "kafka-transactions.sh --bootstrap-server " + kafka.bootstrapServers() + " abort --topic "
          + frames.topic() + " --partition 0 --start-offset " + ghost.startOffset();
      assertThat(Await.until(() -> reasonsContain(running.monitor, "hanging transaction on " + frames)
          && reasonsContain(running.monitor, command), Duration.ofSeconds(60)))
          .as("readiness DOWN naming the partition and the command: %s", running.monitor.health().readiness())
          .isTrue();
      assertThat(log.messages()).as("a WARN says the same").anyMatch(m -> m.contains(command));
      assertThat(reader.count()).as("no frame after the hanging transaction was read").isZero();
      assertThat(openTransactions(kafka, frames)).as("not aborted: others' frames are not the monitor's to discard")
          .anyMatch(p -> p.producerId() == ghost.producerId() && p.currentTransactionStartOffset().isPresent());

      // the operator runs the command (the same request, through the Admin API)
      ProducerState open = openTransactions(kafka, frames).stream()
          .filter(p -> p.producerId() == ghost.producerId()).findFirst().orElseThrow();
      try (Admin admin = admin(kafka)) {
        admin.abortTransaction(new AbortTransactionSpec(frames, open.producerId(), (short) open.producerEpoch(),
            open.coordinatorEpoch().orElse(0))).all().get();
      }
      assertThat(reader.awaitCount(FRAMES, Duration.ofSeconds(60))).as("every frame scored: %d of %d",
          reader.count(), FRAMES).isTrue();
      assertThat(Await.until(() -> running.monitor.health().readiness().up(), Duration.ofSeconds(60)))
          .as("ready again once it is gone: %s", running.monitor.health().readiness()).isTrue();
    }
  }

  /**
   * A hanging transaction that holds the monitor's group's offset commit (on its partition of
   * {@code __consumer_offsets}): Kafka Streams cannot read its committed offsets ({@code UNSTABLE_OFFSET_COMMIT}) and
   * would never start processing. The monitor aborts it: the commit is discarded, and every frame is scored once.
   */
  @Test
  void abortsAHangingTransactionHoldingItsGroupsOffsetCommit(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    MonitorConfig config = config(kafka, registryServer, "hanging-offsets");
    String frames = config.string("topics.frames");
    String group = config.string("streams.application-id");
    createTopics(kafka, config);
    long ghost = GhostTransaction.leaveOffsetCommitOpen(kafka.bootstrapServers(), group, new TopicPartition(frames, 0),
        0);
    TopicPartition offsets = groupsOffsetsPartition(kafka, group);
    assertThat(openTransactions(kafka, offsets)).as("the precondition: the commit is pending on %s", offsets)
        .anyMatch(p -> p.producerId() == ghost && p.currentTransactionStartOffset().isPresent());
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    try (LogLines log = LogLines.of(HangingTransactions.class);
        FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), frames, FRAMES, 20,
            FrameTraffic.cameraFrames(registry, frames, "offsets", 3));
        Running running = Running.start(config, registryServer);
        OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
            config.string("topics.dead-letter"))) {
      assertThat(traffic.awaitAllAcked(Duration.ofMinutes(1))).as("the frames are written").isTrue();
      assertThat(Await.until(() -> log.messages().stream().anyMatch(m -> m.startsWith(
          "aborted a hanging transaction on " + offsets + " (producer id " + ghost)), Duration.ofSeconds(60)))
          .as("the monitor aborts the hanging transaction holding its offset commit: %s", log.messages()).isTrue();
      assertThat(reader.awaitCount(FRAMES, Duration.ofSeconds(60))).as("every frame scored: %d of %d",
          reader.count(), FRAMES).isTrue();
      assertThat(openTransactions(kafka, offsets)).as("nothing of the ghost's left open on %s", offsets)
          .noneMatch(p -> p.producerId() == ghost && p.currentTransactionStartOffset().isPresent());
      assertThat(Await.until(() -> running.monitor.health().readiness().up(), Duration.ofSeconds(30)))
          .as("ready: %s", running.monitor.health().readiness()).isTrue();
      List<OutcomeReader.Outcome> outcomes = OutcomeReader.readAll(kafka.bootstrapServers(),
          config.string("topics.verdicts"), config.string("topics.dead-letter"), Duration.ofSeconds(30));
      assertThat(OutcomeReader.duplicates(outcomes)).isEmpty();
      assertThat(outcomes.stream().map(OutcomeReader.Outcome::frameId))
          .containsExactlyInAnyOrderElementsOf(IntStream.range(0, FRAMES).mapToObj(n -> "offsets-" + n).toList());
    }
  }

  /**
   * Two brokers, the transaction coordinator on the one that does not lead the data partition: a hanging transaction
   * there is aborted while a live one beside it is left to its coordinator. And a live transaction whose coordinator
   * is out of reach (the broker leading its {@code __transaction_state} partition is down) is not hanging: the brokers
   * still up list no transactional id for its producer, yet once the coordinator is back it ends the transaction,
   * committing it if it was committing. Aborted in between, its records here would be lost while the rest of it
   * (frames' offsets among it) is committed. Two brokers of its own, so that the partition's leader stays up while the
   * coordinator is down.
   */
  @Test
  void onTwoBrokersAbortsAHangingOneAndLeavesALiveOneAloneEvenWhileItsCoordinatorIsDown() throws Exception {
    TestKitNodes nodes = new TestKitNodes.Builder().setCombined(false).setNumControllerNodes(1).setNumBrokerNodes(2)
        .setBaseDirectory(dir.resolve("cluster")).build();
    KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
    Map.of("transaction.state.log.replication.factor", "1", "transaction.state.log.min.isr", "1",
        "transaction.state.log.num.partitions", "1", "offsets.topic.replication.factor", "1")
        .forEach(builder::setConfigProp);
    try (KafkaClusterTestKit cluster = builder.build()) {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      String bootstrap = cluster.bootstrapServers();
      KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
          bootstrap, ProducerConfig.TRANSACTIONAL_ID_CONFIG, "live", ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000),
          new ByteArraySerializer(), new ByteArraySerializer());
      try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap,
          "request.timeout.ms", 3_000, "default.api.timeout.ms", 3_000))) {
        producer.initTransactions(); // creates __transaction_state: its one partition's leader is the coordinator
        int coordinator = admin.describeTopics(List.of("__transaction_state")).allTopicNames().get()
            .get("__transaction_state").partitions().get(0).leader().id();
        int other = cluster.brokers().keySet().stream().filter(id -> id != coordinator).findFirst().orElseThrow();
        TopicPartition verdicts = new TopicPartition("verdicts", 0);
        admin.createTopics(List.of(new NewTopic(verdicts.topic(), Map.of(0, List.of(other))))).all().get();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(verdicts.topic(), 0, null, new byte[] {1})).get();
        GhostTransaction.Left ghost = GhostTransaction.leaveOpen(bootstrap, verdicts, 2);
        HangingTransactions check = new HangingTransactions(admin, () -> List.of(verdicts.topic()), "frames", null,
            HangingTransactions.Mode.ABORT_OWN, 0, 0, 3_000, System::currentTimeMillis, bootstrap);
        check.check(); // first seen
        check.check(); // old enough (age 0): judged
        assertThat(check.aborted()).as("the hanging one aborted, on a partition whose leader is not the coordinator")
            .isEqualTo(1);
        assertThat(admin.describeProducers(List.of(verdicts)).partitionResult(verdicts).get().activeProducers())
            .as("the live one still open on %s, the hanging one gone", verdicts)
            .anyMatch(p -> p.currentTransactionStartOffset().isPresent())
            .noneMatch(p -> p.producerId() == ghost.producerId() && p.currentTransactionStartOffset().isPresent());

        cluster.brokers().get(coordinator).shutdown();
        cluster.brokers().get(coordinator).awaitShutdown();
        check.check();
        check.check();
        assertThat(check.aborted()).as("a live transaction whose coordinator is down is not aborted").isEqualTo(1);
        assertThat(admin.describeProducers(List.of(verdicts)).partitionResult(verdicts).get().activeProducers())
            .as("still open on %s", verdicts).anyMatch(p -> p.currentTransactionStartOffset().isPresent());
      } finally {
        producer.close(Duration.ZERO); // its coordinator is down: a close that waits to abort would wait for good
      }
    }
  }

  /**
   * On a broker that authenticates and authorizes (SASL/PLAIN, StandardAuthorizer), with exactly the permissions the
   * Strimzi KafkaUser in {@code k8s/strimzi} gives the check (Read on the monitor's topics, Describe on
   * {@code __transaction_state}, not Alter on the cluster): the hanging transaction is found, the broker refuses the
   * abort, and the refusal is reported with the command that aborts it, not swallowed; once Alter on the cluster is
   * granted, the next look aborts it.
   */
  @Test
  void anAbortTheBrokerRefusesIsReportedWithTheCommandAndDoneOnceAllowed() throws Exception {
    try (AuthorizingKafka.Broker cluster = AuthorizingKafka.start(dir.resolve("authorizing"))) {
      String bootstrap = cluster.bootstrapServers();
      TopicPartition verdicts = new TopicPartition("verdicts", 0);
      String monitor = "User:" + AuthorizingKafka.USER.user();
      try (Admin admin = Admin.create(cluster.clientProperties(AuthorizingKafka.SUPER_USER))) {
        admin.createTopics(List.of(new NewTopic(verdicts.topic(), 1, (short) 1))).all().get();
        admin.createAcls(List.of(
            acl(org.apache.kafka.common.resource.ResourceType.TOPIC, verdicts.topic(), monitor,
                org.apache.kafka.common.acl.AclOperation.READ),
            acl(org.apache.kafka.common.resource.ResourceType.TOPIC, "__transaction_state", monitor,
                org.apache.kafka.common.acl.AclOperation.DESCRIBE))).all().get();
        GhostTransaction.Left ghost = GhostTransaction.leaveOpen(bootstrap, AuthorizingKafka.SUPER_USER, verdicts, 3);
        String command = "kafka-transactions.sh --bootstrap-server " + bootstrap + " abort --topic "
            + verdicts.topic() + " --partition 0 --start-offset " + ghost.startOffset();
        try (Admin asMonitor = Admin.create(cluster.clientProperties(AuthorizingKafka.USER));
            LogLines log = LogLines.of(HangingTransactions.class)) {
          HangingTransactions check = new HangingTransactions(asMonitor, () -> List.of(verdicts.topic()), "frames",
              "advmon", HangingTransactions.Mode.ABORT_OWN, 0, 0, 10_000, System::currentTimeMillis, bootstrap);
          check.check(); // first seen
          check.check(); // old enough (age 0): judged, and the abort refused
          assertThat(check.aborted()).as("the broker refused the abort").isZero();
          assertThat(check.problem()).as("readiness names it and the command").contains(
              "hanging transaction on " + verdicts, "could not abort it", "Authorization", command);
          assertThat(log.messages()).as("an ERROR says the same: %s", log.messages())
              .anyMatch(m -> m.contains("aborting it failed") && m.contains(command));
          assertThat(log.events()).as("__consumer_offsets, which the KafkaUser rightly does not grant: one INFO line")
              .filteredOn(e -> e.getFormattedMessage().contains("__consumer_offsets")).singleElement()
              .matches(e -> e.getLevel() == ch.qos.logback.classic.Level.INFO, "at INFO");

          admin.createAcls(List.of(acl(org.apache.kafka.common.resource.ResourceType.CLUSTER, "kafka-cluster",
              monitor, org.apache.kafka.common.acl.AclOperation.ALTER))).all().get();
          assertThat(Await.until(() -> {
            check.check();
            return check.aborted() == 1;
          }, Duration.ofSeconds(30))).as("aborted once Alter on the cluster is granted: %s", check.problem()).isTrue();
          assertThat(check.problem()).isNull();
        }
      }
    }
  }

  /**
   * Another application's live transaction holding its own group's offset commit on the partition of
   * {@code __consumer_offsets} that the monitor's group shares, on a broker that authorizes: the monitor may read that
   * partition but not describe the other application's transactional id, so no coordinator seems to track the
   * transaction. It is not the monitor's, and the monitor's group has no commit pending: it is left alone, and the
   * other application's commit goes through. Aborted, that application's offsets would be discarded while the rest of
   * its transaction commits: its exactly-once broken, its records read again.
   */
  @Test
  void leavesAnotherApplicationsLiveTransactionOnTheSharedOffsetsPartitionAlone() throws Exception {
    // one partition of __consumer_offsets: every group shares it, as groups whose ids hash alike do on a real cluster
    try (AuthorizingKafka.Broker cluster = AuthorizingKafka.start(dir.resolve("shared-offsets"),
        Map.of("offsets.topic.num.partitions", "1"))) {
      String bootstrap = cluster.bootstrapServers();
      TopicPartition frames = new TopicPartition("frames", 0);
      TopicPartition othersInput = new TopicPartition("others-input", 0);
      TopicPartition offsets = new TopicPartition("__consumer_offsets", 0);
      String monitor = "User:" + AuthorizingKafka.USER.user();
      try (Admin admin = Admin.create(cluster.clientProperties(AuthorizingKafka.SUPER_USER))) {
        admin.createTopics(List.of(new NewTopic(frames.topic(), 1, (short) 1),
            new NewTopic(othersInput.topic(), 1, (short) 1))).all().get();
        // what the check needs to look at __consumer_offsets, and Alter on the cluster so that nothing but its
        // judgement keeps it from aborting; not Describe on the other application's transactional id
        admin.createAcls(List.of(
            acl(org.apache.kafka.common.resource.ResourceType.TOPIC, frames.topic(), monitor,
                org.apache.kafka.common.acl.AclOperation.READ),
            acl(org.apache.kafka.common.resource.ResourceType.TOPIC, "__consumer_offsets", monitor,
                org.apache.kafka.common.acl.AclOperation.READ),
            acl(org.apache.kafka.common.resource.ResourceType.TOPIC, "__transaction_state", monitor,
                org.apache.kafka.common.acl.AclOperation.DESCRIBE),
            acl(org.apache.kafka.common.resource.ResourceType.GROUP, "advmon", monitor,
                org.apache.kafka.common.acl.AclOperation.READ),
            acl(org.apache.kafka.common.resource.ResourceType.CLUSTER, "kafka-cluster", monitor,
                org.apache.kafka.common.acl.AclOperation.ALTER))).all().get();
        Map<String, Object> producerProps = cluster.clientProperties(AuthorizingKafka.SUPER_USER);
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "others-app");
        try (KafkaProducer<byte[], byte[]> others = new KafkaProducer<>(producerProps, new ByteArraySerializer(),
            new ByteArraySerializer())) {
          others.initTransactions();
          others.beginTransaction();
          others.send(new ProducerRecord<>(othersInput.topic(), 0, null, new byte[] {1})).get();
          others.sendOffsetsToTransaction(Map.of(othersInput,
              new org.apache.kafka.clients.consumer.OffsetAndMetadata(5)),
              new org.apache.kafka.clients.consumer.ConsumerGroupMetadata("others-group"));
          assertThat(admin.describeProducers(List.of(offsets)).partitionResult(offsets).get().activeProducers())
              .as("the precondition: the other application's commit is pending on %s", offsets)
              .anyMatch(p -> p.currentTransactionStartOffset().isPresent());
          try (Admin asMonitor = Admin.create(cluster.clientProperties(AuthorizingKafka.USER))) {
            HangingTransactions check = new HangingTransactions(asMonitor, () -> List.of(frames.topic()),
                frames.topic(), "advmon", HangingTransactions.Mode.ABORT_OWN, 0, 0, 10_000,
                System::currentTimeMillis, bootstrap);
            check.check(); // first seen
            check.check(); // old enough (age 0): judged
            assertThat(check.aborted()).as("another application's live transaction is not aborted").isZero();
            assertThat(check.problem()).as("nor reported: it is not the monitor's").isNull();
          }
          others.commitTransaction();
        }
        // the commit returns once its coordinator has decided; the markers that make the offsets visible follow
        assertThat(Await.until(() -> committedOffset(admin, "others-group", othersInput) == 5, Duration.ofSeconds(30)))
            .as("the other application's offset commit went through: %s",
                committedOffset(admin, "others-group", othersInput)).isTrue();
      }
    }
  }

  /** The offset {@code group} has committed for {@code tp}; -1 for none. */
  private static long committedOffset(Admin admin, String group, TopicPartition tp) {
    try {
      var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp);
      return committed == null ? -1 : committed.offset();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static org.apache.kafka.common.acl.AclBinding acl(org.apache.kafka.common.resource.ResourceType type,
      String name, String principal, org.apache.kafka.common.acl.AclOperation operation) {
    return new org.apache.kafka.common.acl.AclBinding(new org.apache.kafka.common.resource.ResourcePattern(type, name,
        org.apache.kafka.common.resource.PatternType.LITERAL), new org.apache.kafka.common.acl.AccessControlEntry(
        principal, "*", operation, org.apache.kafka.common.acl.AclPermissionType.ALLOW));
  }

  /**
   * A partition whose leader does not answer one look (a leader moving, a request timing out) keeps what was seen of
   * it: the hanging transaction there stays reported, and its age is not counted again from zero (15 minutes on the
   * frames topic, during which readiness and the alert would say nothing).
   */
  @Test
  void aPartitionNotDescribedOnceKeepsItsHangingTransactionsAge(KafkaBroker.Info kafka) throws Exception {
    TopicPartition frames = new TopicPartition("hanging-unanswered-frames", 0);
    try (Admin admin = admin(kafka)) {
      admin.createTopics(List.of(new NewTopic(frames.topic(), 1, (short) 1))).all().get();
    }
    GhostTransaction.leaveOpen(kafka.bootstrapServers(), frames, 3);
    AtomicBoolean leaderSilent = new AtomicBoolean();
    AtomicLong now = new AtomicLong(1_000_000);
    try (Admin admin = new ForwardingAdmin(Map.of("bootstrap.servers", kafka.bootstrapServers())) {
      @Override
      public DescribeProducersResult describeProducers(Collection<TopicPartition> partitions,
          DescribeProducersOptions options) {
        if (!leaderSilent.get()) {
          return super.describeProducers(partitions, options);
        }
        // every partition's answer is what a silent leader gives: a timeout (a request with a zero timeout was not
        // enough: a fast in-process broker answered within it)
        Map<TopicPartition, KafkaFuture<DescribeProducersResult.PartitionProducerState>> timedOut = new HashMap<>();
        for (TopicPartition tp : partitions) {
          KafkaFutureImpl<DescribeProducersResult.PartitionProducerState> f = new KafkaFutureImpl<>();
          f.completeExceptionally(new org.apache.kafka.common.errors.TimeoutException("the leader did not answer"));
          timedOut.put(tp, f);
        }
        try { // the result's constructor is package-private: a test double built through it
          var made = DescribeProducersResult.class.getDeclaredConstructor(Map.class);
          made.setAccessible(true);
          return made.newInstance(timedOut);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
    }) {
      HangingTransactions check = new HangingTransactions(admin, () -> List.of(frames.topic()), frames.topic(), null,
          HangingTransactions.Mode.REPORT, 60_000, 60_000, 5_000, now::get, kafka.bootstrapServers());
      check.check(); // first seen
      now.addAndGet(60_000);
      check.check();
      assertThat(check.problem()).as("reported once old enough").contains("hanging transaction on " + frames);
      leaderSilent.set(true);
      assertThatThrownBy(() -> admin.describeProducers(List.of(frames)).partitionResult(frames).get())
          .as("the precondition: the partition is not described now").isInstanceOf(ExecutionException.class);
      now.addAndGet(1_000);
      check.check();
      assertThat(check.problem()).as("still reported while its leader does not answer")
          .contains("hanging transaction on " + frames);
      leaderSilent.set(false);
      now.addAndGet(1_000);
      check.check();
      assertThat(check.problem()).as("reported again at once, its age kept").contains("hanging transaction on " + frames);
      try (Admin plain = admin(kafka)) { // leave no hanging transaction behind for the other tests' broker
        ProducerState open = plain.describeProducers(List.of(frames)).partitionResult(frames).get().activeProducers()
            .stream().filter(p -> p.currentTransactionStartOffset().isPresent()).findFirst().orElseThrow();
        plain.abortTransaction(new AbortTransactionSpec(frames, open.producerId(), (short) open.producerEpoch(),
            open.coordinatorEpoch().orElse(0))).all().get();
      }
    }
  }

  private MonitorConfig config(KafkaBroker.Info kafka, SchemaRegistryServer.Info registryServer, String name) {
    Map<String, String> settings = MonitorSettings.ofQuickStart(
        kafka.bootstrapServers(), registryServer.url(), name, dir);
    settings.put("topics.partitions", "1");
    settings.put("streams.num-threads", "1");
    settings.put("streams.transaction-timeout-ms", "5000");
    settings.put("health.check-interval-ms", "500");
    settings.put("health.hanging-transaction-age-ms", "6000"); // looked at every 1.5 s
    settings.put("health.hanging-transaction-frames-age-ms", "6000");
    return MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
  }

  private static void createTopics(KafkaBroker.Info kafka, MonitorConfig config) throws Exception {
    try (Admin admin = admin(kafka)) {
      admin.createTopics(List.of("topics.frames", "topics.verdicts", "topics.alerts", "topics.dead-letter").stream()
          .map(k -> new NewTopic(config.string(k), 1, (short) 1)).toList()).all().get();
    }
  }

  /** The partition of {@code __consumer_offsets} the group commits to, by Kafka's rule. */
  private static TopicPartition groupsOffsetsPartition(KafkaBroker.Info kafka, String group) throws Exception {
    try (Admin admin = admin(kafka)) {
      int partitions = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get()
          .get("__consumer_offsets").partitions().size();
      return new TopicPartition("__consumer_offsets",
          org.apache.kafka.common.utils.Utils.abs(group.hashCode()) % partitions);
    }
  }

  private static List<ProducerState> openTransactions(KafkaBroker.Info kafka, TopicPartition tp) throws Exception {
    try (Admin admin = admin(kafka)) {
      return admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers();
    }
  }

  private static Admin admin(KafkaBroker.Info kafka) {
    return Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()));
  }

  /** The monitor with the real model and no detectors, and what it needs closed after it. */
  private record Running(DjlClassifier classifier, StreamingMonitor monitor) implements AutoCloseable {
    static Running start(MonitorConfig config, SchemaRegistryServer.Info registryServer) throws Exception {
      ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
      DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
      StreamingMonitor monitor;
      try {
        monitor = StreamingMonitor.start(config,
            new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build()), true,
            FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
            MonitorMetrics.inMemory(), AlertListener.NONE);
      } catch (Exception | Error e) {
        classifier.close();
        throw e;
      }
      Running running = new Running(classifier, monitor);
      if (!monitor.awaitRunning(Duration.ofSeconds(60))) {
        String state = String.valueOf(monitor.state()); // before close: the failure names where it stood
        running.close(); // closes the classifier too, once
        throw new AssertionError("Kafka Streams did not reach RUNNING in 60 s: " + state);
      }
      return running;
    }

    @Override
    public void close() throws Exception {
      try (classifier) {
        monitor.close();
      }
    }
  }
}
