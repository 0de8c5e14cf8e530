package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.schema.DeadLetter;
import dev.advmon.testing.AuthorizingKafka;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.TestData;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code monitor redrive} against a broker that enforces ACLs, as the principal of the KafkaUser
 * {@code k8s/strimzi/user-redrive.yaml} with exactly that manifest's ACLs (read from it, its names mapped to each
 * case's topics and redrive id; the kustomization changes only namespace and labels): it sends the dead letters back
 * once, with no cluster ACL. Without one of those ACLs it stops with a message that names what to grant, and sends
 * nothing (a read_committed reader of the frames topic sees no frame); granted it, the next run sends everything.
 * One broker for all cases: each has its own topics, group and transactional id.
 */
@ExtendWith({SchemaRegistryServer.class, AuthorizingKafka.class})
class RedriveAclIT {

  private static final Path MANIFEST = TestData.repoRoot().resolve("k8s/strimzi/user-redrive.yaml");

  @Test
  void withExactlyTheKafkaUsersAclsItSendsTheDeadLettersBackOnceAndASecondRunSendsNothing(
      AuthorizingKafka.Broker kafka, SchemaRegistryServer.Info registry) throws Exception {
    Case c = Case.of("acl-all", kafka, registry);
    kafka.grant(c.manifestAcls());

    String[] first = redrive(c.settings);
    assertThat(first[0]).as("exit status; stderr: %s", first[2]).isEqualTo("0");
    assertThat(first[1]).contains("sent 2 of 3 dead letters");
    String[] second = redrive(c.settings);
    assertThat(second[0]).as("exit status; stderr: %s", second[2]).isEqualTo("0");
    assertThat(second[1]).contains("sent 0 of 3 dead letters");
    assertThat(c.frames()).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void withoutTheGroupAclItSaysToGrantItAndSendsNothing(AuthorizingKafka.Broker kafka,
      SchemaRegistryServer.Info registry) throws Exception {
    Case c = Case.of("acl-group", kafka, registry);
    stopsUntilGranted(c, ResourceType.GROUP, c.redriveId, null,
        "Read and Describe on the group " + c.redriveId);
  }

  @Test
  void withoutTheTransactionalIdAclItSaysToGrantItAndSendsNothing(AuthorizingKafka.Broker kafka,
      SchemaRegistryServer.Info registry) throws Exception {
    Case c = Case.of("acl-txn", kafka, registry);
    stopsUntilGranted(c, ResourceType.TRANSACTIONAL_ID, c.redriveId, null,
        "Write and Describe on the transactional id " + c.redriveId);
  }

  @Test
  void withoutWriteOnTheFramesTopicItSaysToGrantItAndSendsNothing(AuthorizingKafka.Broker kafka,
      SchemaRegistryServer.Info registry) throws Exception {
    Case c = Case.of("acl-frames", kafka, registry);
    stopsUntilGranted(c, ResourceType.TOPIC, c.framesTopic, AclOperation.WRITE,
        "Write and Describe on the frames topic " + c.framesTopic);
  }

  @Test
  void withoutReadOnTheDeadLetterTopicItSaysToGrantItAndSendsNothing(AuthorizingKafka.Broker kafka,
      SchemaRegistryServer.Info registry) throws Exception {
    Case c = Case.of("acl-dlq", kafka, registry);
    stopsUntilGranted(c, ResourceType.TOPIC, c.dlq, AclOperation.READ,
        "Read and Describe on the dead-letter topic " + c.dlq);
  }

  /**
   * Grants the manifest's ACLs less those on {@code type name} ({@code operation} only, or all of them when null),
   * runs redrive, expects it to stop naming {@code grant}, with no frame visible, then grants the rest and expects the
   * next run to send every chosen dead letter: nothing was half-sent, nothing remembered as sent.
   */
  private static void stopsUntilGranted(Case c, ResourceType type, String name, AclOperation operation, String grant)
      throws Exception {
    List<AclBinding> all = c.manifestAcls();
    List<AclBinding> withheld = all.stream().filter(a -> a.pattern().resourceType() == type
        && a.pattern().name().equals(name) && (operation == null || a.entry().operation() == operation)).toList();
    assertThat(withheld).as("the manifest grants %s on %s %s", operation, type, name).isNotEmpty();
    c.kafka.grant(all.stream().filter(a -> !withheld.contains(a)).toList());

    String[] refused = redrive(c.settings);
    assertThat(refused[0]).as("exit status; stdout: %s", refused[1]).isEqualTo("2");
    assertThat(refused[2]).as("what to grant, to whom").contains("not authorized").contains(grant)
        .contains("nothing was sent");
    assertThat(refused[2]).as("a command that runs as printed: this broker, this principal")
        .contains("kafka-acls.sh --bootstrap-server " + c.kafka.bootstrapServers())
        .contains("--allow-principal User:" + AuthorizingKafka.USER.user() + " --operation")
        .contains("k8s/strimzi/user-redrive.yaml");
    assertThat(c.frames()).as("nothing visible to read_committed").isEmpty();

    c.kafka.grant(withheld);
    String[] granted = redrive(c.settings);
    assertThat(granted[0]).as("exit status once granted; stderr: %s", granted[2]).isEqualTo("0");
    assertThat(granted[1]).as("nothing was remembered as sent").contains("sent 2 of 3 dead letters");
    assertThat(c.frames()).containsExactlyInAnyOrder("a", "b");
  }

  /**
   * A login the broker refuses (on Kubernetes: the Secret advmon-redrive-kafka is a copy that nothing updates, so a password the
   * KafkaUser advmon-redrive got since is refused) stops redrive at once with what to check, not Kafka's bare words:
   * the login settings and that Secret, without the password it tried.
   */
  @Test
  void aLoginTheBrokerRefusesStopsItNamingTheLoginSettingsAndTheSecret(AuthorizingKafka.Broker kafka,
      SchemaRegistryServer.Info registry) throws Exception {
    Case c = Case.of("acl-login", kafka, registry);
    kafka.grant(c.manifestAcls());
    Map<String, String> stale = new java.util.HashMap<>(c.settings);
    stale.putAll(kafka.monitorSettings(new dev.advmon.testing.GhostTransaction.Login(AuthorizingKafka.USER.user(),
        "stale-password")));

    long started = System.nanoTime();
    String[] refused = redrive(stale);

    assertThat(refused[0]).as("exit status; stdout: %s", refused[1]).isEqualTo("2");
    assertThat(refused[2]).as("what to check").contains("refused redrive's login").contains("kafka.sasl.jaas.config")
        .contains("advmon-redrive-kafka").contains("nothing was sent").doesNotContain("stale-password");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("not waited for as an unreachable broker")
        .isLessThan(Duration.ofSeconds(30));
    assertThat(c.frames()).isEmpty();
  }

  /** One case's topics (written as the super user), settings (logged in as the redrive user) and names. */
  private record Case(AuthorizingKafka.Broker kafka, Map<String, String> settings, String framesTopic, String dlq,
      String redriveId) {

    static Case of(String name, AuthorizingKafka.Broker kafka, SchemaRegistryServer.Info registry) throws Exception {
      Map<String, String> settings = MonitorSettings.of(kafka.bootstrapServers(), registry.url(), name,
          Path.of("unused"));
      settings.putAll(kafka.monitorSettings(AuthorizingKafka.USER));
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      Case c = new Case(kafka, settings, config.string("topics.frames"), config.string("topics.dead-letter"),
          RedriveCommand.redriveId(config));
      try (Admin admin = Admin.create(kafka.clientProperties(AuthorizingKafka.SUPER_USER))) {
        admin.createTopics(List.of(new NewTopic(c.framesTopic, 1, (short) 1), new NewTopic(c.dlq, 2, (short) 1)))
            .all().get();
      }
      AvroSerde<DeadLetter> serde = new AvroSerde<>(DeadLetter.class,
          new HttpSchemaRegistryClient(Wiring.registrySettings(config)), false, true);
      try (KafkaProducer<String, DeadLetter> p = new KafkaProducer<>(
          kafka.clientProperties(AuthorizingKafka.SUPER_USER), new StringSerializer(), serde.serializer())) {
        p.send(new ProducerRecord<>(c.dlq, "cam-0", c.deadLetter("cam-0", "a", "SCORING_FAILED"))).get();
        p.send(new ProducerRecord<>(c.dlq, "cam-1", c.deadLetter("cam-1", "b", "OUTPUT_FAILED"))).get();
        p.send(new ProducerRecord<>(c.dlq, "cam-1", c.deadLetter("cam-1", "bad", "BAD_AVRO"))).get();
      }
      return c;
    }

    private DeadLetter deadLetter(String camera, String value, String reason) {
      return DeadLetter.newBuilder().setKey(ByteBuffer.wrap(camera.getBytes(StandardCharsets.UTF_8)))
          .setValue(ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8))).setSourceTopic(framesTopic)
          .setPartition(0).setOffset(0).setReason(reason).setErrorClass("test.Failure")
          .setErrorMessage("failed in a test").setFrameId(value).setCameraId(camera).setTime(Instant.now()).build();
    }

    /**
     * The ACLs of {@link #MANIFEST} for the redrive user, its names ({@code frames-dlq}, {@code frames},
     * {@code advmon-redrive}: the k8s monitor.properties' dead-letter topic, frames topic and redrive id) mapped to this
     * case's; a name it does not know fails the test, so that a manifest change is looked at here too.
     */
    List<AclBinding> manifestAcls() throws Exception {
      Map<String, String> names = Map.of("frames-dlq", dlq, "frames", framesTopic, "advmon-redrive", redriveId,
          "kafka-cluster", "kafka-cluster");
      return AuthorizingKafka.manifestAcls(MANIFEST, names);
    }

    /** The committed values on the frames topic, read as the super user. */
    List<String> frames() {
      Map<String, Object> props = kafka.clientProperties(AuthorizingKafka.SUPER_USER);
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      List<String> read = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
          new ByteArrayDeserializer())) {
        TopicPartition tp = new TopicPartition(framesTopic, 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (consumer.position(tp) < end && System.nanoTime() < deadline) {
          consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(new String(r.value(), StandardCharsets.UTF_8)));
        }
      }
      return read;
    }
  }


  /** Runs {@code monitor redrive} in-process with the case's settings (RedriveCommandIT's runner, 30 s for the broker). */
  private static String[] redrive(Map<String, String> settings, String... args) {
    return RedriveCommandIT.redrive(settings, Duration.ofSeconds(30), args);
  }
}
