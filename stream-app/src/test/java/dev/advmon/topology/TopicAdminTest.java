package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.health.StartupWaits;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeConfigsResult;
import org.apache.kafka.clients.admin.ListTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicListing;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/** The start-up check of the monitor's topics, against an admin client that answers from a map of topic configs. */
class TopicAdminTest {

  private static final List<String> TOPICS = List.of("frames", "verdicts", "alerts", "dlq");

  /** Topics with their configs; what the monitor created is added, with the configs it asked for. */
  private final Map<String, Map<String, String>> broker = new HashMap<>();
  private final List<NewTopic> created = new ArrayList<>();
  /** The broker's own defaults of topic configs (server.properties), by topic config name. */
  private final Map<String, String> brokerDefaults = new HashMap<>();
  /** listTopics calls that fail (a broker that does not answer) before it answers. */
  private int unanswered;
  /** What every listTopics call fails with instead, when set (a broker that refuses the monitor's login). */
  private RuntimeException listFailure;
  /** What createTopics fails with (a broker whose forward to the KRaft controller quorum got no answer); null: none. */
  private RuntimeException createFailure;
  private final StartupWaits waits = new StartupWaits();
  /** What readiness would have said at each listTopics call. */
  private final List<List<String>> reasonsSeen = new ArrayList<>();
  /** Topics the monitor's principal may not describe the configs of (an ACL-restricted cluster). */
  private final java.util.Set<String> notAuthorized = new java.util.HashSet<>();
  /** Topics whose configs the broker fails to describe with another error. */
  private final Map<String, Exception> failing = new HashMap<>();
  /**
   * How many times the broker that answers describeConfigs has not heard yet of a topic just created (its metadata
   * lags the controller's answer to createTopics): UnknownTopicOrPartition that often, then it knows it.
   */
  private int metadataLag;
  private final Map<String, Integer> notYetKnown = new HashMap<>();
  /**
   * What describeAcls fails with: a broker without an authorizer answers SecurityDisabledException; null = it answers
   * (an authorizer, and the principal may read the ACLs).
   */
  private RuntimeException aclsFailure;
  /** The pauses TopicAdmin asked for between tries, in ms (it is given a pause that only records them). */
  private final List<Long> pauses = new ArrayList<>();
  /** A broker that accepted describeConfigs and never answers it (it stopped answering right after listing). */
  private volatile boolean describeUnanswered;
  /** describeConfigs was asked of that broker. */
  private volatile boolean describeAsked;
  /** Each close of an admin client: "close()" for the default close, else its timeout. */
  private final List<String> closes = new java.util.concurrent.CopyOnWriteArrayList<>();

  private Admin admin() {
    return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class}, (proxy, m, args) ->
        switch (m.getName()) {
          case "listTopics" -> listTopics();
          case "describeConfigs" -> describeConfigs(cast(args[0]));
          case "createTopics" -> createTopics(cast(args[0]));
          case "describeAcls" -> describeAcls();
          case "close" -> {
            closes.add(args == null || args.length == 0 ? "close()" : String.valueOf(args[0]));
            yield null;
          }
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }

  private ListTopicsResult listTopics() throws ReflectiveOperationException {
    reasonsSeen.add(waits.reasons());
    var ctor = ListTopicsResult.class.getDeclaredConstructor(KafkaFuture.class); // package-private in Kafka
    ctor.setAccessible(true);
    if (listFailure != null) {
      var failed = new org.apache.kafka.common.internals.KafkaFutureImpl<Map<String, TopicListing>>();
      failed.completeExceptionally(listFailure);
      return ctor.newInstance(failed);
    }
    if (unanswered > 0) {
      unanswered--;
      var failed = new org.apache.kafka.common.internals.KafkaFutureImpl<Map<String, TopicListing>>();
      failed.completeExceptionally(new org.apache.kafka.common.errors.TimeoutException("Timed out waiting for a node"));
      return ctor.newInstance(failed);
    }
    Map<String, TopicListing> listings = new HashMap<>();
    broker.keySet().forEach(t -> listings.put(t, new TopicListing(t, Uuid.randomUuid(), false)));
    return ctor.newInstance(KafkaFuture.completedFuture(listings));
  }

  private DescribeConfigsResult describeConfigs(Collection<ConfigResource> resources) throws ReflectiveOperationException {
    Map<ConfigResource, KafkaFuture<Config>> out = new HashMap<>();
    for (ConfigResource r : resources) {
      if (describeUnanswered) {
        describeAsked = true;
        out.put(r, new org.apache.kafka.common.internals.KafkaFutureImpl<>());
        continue;
      }
      if (notYetKnown.getOrDefault(r.name(), 0) > 0) {
        notYetKnown.merge(r.name(), -1, Integer::sum);
        var unknown = new org.apache.kafka.common.internals.KafkaFutureImpl<Config>();
        unknown.completeExceptionally(new org.apache.kafka.common.errors.UnknownTopicOrPartitionException(
            "This server does not host this topic-partition."));
        out.put(r, unknown);
        continue;
      }
      if (failing.containsKey(r.name())) {
        var failed = new org.apache.kafka.common.internals.KafkaFutureImpl<Config>();
        failed.completeExceptionally(failing.get(r.name()));
        out.put(r, failed);
        continue;
      }
      if (notAuthorized.contains(r.name())) {
        // as a real broker answers: authorization is checked before the topic is looked for
        var denied = new org.apache.kafka.common.internals.KafkaFutureImpl<Config>();
        denied.completeExceptionally(new org.apache.kafka.common.errors.TopicAuthorizationException(
            "Not authorized to access topics: [" + r.name() + "]"));
        out.put(r, denied);
        continue;
      }
      if (!broker.containsKey(r.name())) {
        var unknown = new org.apache.kafka.common.internals.KafkaFutureImpl<Config>();
        unknown.completeExceptionally(new org.apache.kafka.common.errors.UnknownTopicOrPartitionException(
            "This server does not host this topic-partition."));
        out.put(r, unknown);
        continue;
      }
      Map<String, String> configs = new HashMap<>(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "delete",
          TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Long.toString(Long.MAX_VALUE)));
      configs.putAll(broker.get(r.name()));
      List<ConfigEntry> entries = new ArrayList<>();
      for (String key : brokerDefaults.keySet()) {
        if (!configs.containsKey(key)) {
          entries.add(entry(key, null, brokerDefaults.get(key)));
        }
      }
      for (Map.Entry<String, String> e : configs.entrySet()) {
        entries.add(brokerDefaults.containsKey(e.getKey()) ? entry(e.getKey(), e.getValue(), brokerDefaults.get(e.getKey()))
            : new ConfigEntry(e.getKey(), e.getValue()));
      }
      out.put(r, KafkaFuture.completedFuture(new Config(entries)));
    }
    return new DescribeConfigsResult(out) {};
  }

  /** Topic config {@code key} as a broker describes it with its synonyms: the topic's own value, if any, then the broker's. */
  private static ConfigEntry entry(String key, String topicValue, String brokerValue) throws ReflectiveOperationException {
    var synonym = ConfigEntry.ConfigSynonym.class.getDeclaredConstructor(String.class, String.class,
        ConfigEntry.ConfigSource.class); // package-private in Kafka
    synonym.setAccessible(true);
    List<ConfigEntry.ConfigSynonym> synonyms = new ArrayList<>();
    if (topicValue != null) {
      synonyms.add(synonym.newInstance(key, topicValue, ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG));
    }
    synonyms.add(synonym.newInstance("log." + key, brokerValue, ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG));
    return new ConfigEntry(key, topicValue != null ? topicValue : brokerValue, topicValue != null
        ? ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, false, false,
        synonyms, ConfigEntry.ConfigType.STRING, null);
  }

  private org.apache.kafka.clients.admin.DescribeAclsResult describeAcls() throws ReflectiveOperationException {
    var ctor = org.apache.kafka.clients.admin.DescribeAclsResult.class.getDeclaredConstructor(KafkaFuture.class);
    ctor.setAccessible(true); // package-private in Kafka
    var answer = new org.apache.kafka.common.internals.KafkaFutureImpl<Collection<org.apache.kafka.common.acl.AclBinding>>();
    if (aclsFailure != null) {
      answer.completeExceptionally(aclsFailure);
    } else {
      answer.complete(List.of());
    }
    return ctor.newInstance(answer);
  }

  private CreateTopicsResult createTopics(Collection<NewTopic> topics) {
    Map<String, KafkaFuture<CreateTopicsResult.TopicMetadataAndConfig>> out = new HashMap<>();
    for (NewTopic t : topics) {
      if (createFailure != null) {
        KafkaFuture<CreateTopicsResult.TopicMetadataAndConfig> failed = new org.apache.kafka.common.internals
            .KafkaFutureImpl<>();
        ((org.apache.kafka.common.internals.KafkaFutureImpl<?>) failed).completeExceptionally(createFailure);
        out.put(t.name(), failed);
        continue;
      }
      created.add(t);
      notYetKnown.put(t.name(), metadataLag);
      broker.put(t.name(), t.configs() == null ? Map.of() : t.configs());
      out.put(t.name(), KafkaFuture.completedFuture(null));
    }
    return new CreateTopicsResult(out) {};
  }

  private void ensure(boolean create) throws InterruptedException {
    new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits)
        .ensureTopics(TOPICS, Map.of("dlq", 2_000_000L), create, 3, (short) -1, 10, 1_000);
  }

  /**
   * `./monitor run` against a broker that is not there logged "waiting for Kafka at localhost:9092 (...):
   * java.util.concurrent.TimeoutException": neither the setting nor what to check, unlike readiness and the registry's
   * wait. The log line is what an operator reads first.
   */
  @Test
  void theWaitForTheBrokerIsLoggedWithItsSettingAndWhatToCheck() throws InterruptedException {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    unanswered = 1;

    try (dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(TopicAdmin.class)) {
      ensure(false);

      assertThat(lines.messages()).filteredOn(m -> m.startsWith("waiting for Kafka")).singleElement()
          .asString().contains("test:9092").contains("kafka.bootstrap.servers").contains("Timed out waiting for a node")
          .contains("check that");
    }
  }

  /**
   * A first start on a new cluster: the broker answers createTopics once the controller has the topics, but the
   * broker asked for their configs right after may not have them yet. That miss was taken for an unreachable broker:
   * a WARN telling to check that the broker runs (it had just answered) and a pause of startup.retry-interval-ms,
   * 5 s by default, on every first start.
   */
  @Test
  void topicsJustCreatedAndNotYetKnownAreLookedForAgainAtOnceWithoutCallingTheBrokerUnreachable()
      throws InterruptedException {
    broker.put("frames", Map.of());
    metadataLag = 1;

    try (dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(TopicAdmin.class)) {
      ensureWithRetryInterval(5_000);

      assertThat(pauses).as("looked for again within moments, not after startup.retry-interval-ms").isNotEmpty()
          .allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(100L));
      assertThat(lines.messages()).noneMatch(m -> m.contains("waiting for Kafka") || m.contains("reachable"));
    }
    assertThat(created).extracting(NewTopic::name).containsExactlyInAnyOrder("verdicts", "alerts", "dlq");
    assertThat(waits.reasons()).as("answered: no longer waited for").hasSize(1);
  }

  /** Past the quick looks the normal wait takes over, saying what it waits for: the broker answers, topics are unknown. */
  @Test
  void topicsThatStayUnknownAreWaitedForAtTheRetryIntervalWithAWarningNamingThem() throws InterruptedException {
    broker.put("frames", Map.of());
    metadataLag = TopicAdmin.UNKNOWN_TOPIC_RETRIES + 2; // the first try's looks, and the second try's first

    try (dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(TopicAdmin.class)) {
      ensureWithRetryInterval(5_000);

      assertThat(pauses).filteredOn(ms -> ms == 5_000L).as("one wait of startup.retry-interval-ms").hasSize(1);
      assertThat(pauses).filteredOn(ms -> ms != 5_000L).hasSize(TopicAdmin.UNKNOWN_TOPIC_RETRIES + 1)
          .containsOnly(TopicAdmin.UNKNOWN_TOPIC_RETRY_MS);
      assertThat(lines.messages()).filteredOn(m -> m.contains("startup.retry-interval-ms")).singleElement().asString()
          .contains("test:9092").contains("[frames, verdicts, alerts, dlq]").contains("does not know")
          .contains("retrying in 5000 ms").doesNotContain("reachable");
    }
    assertThat(reasonsSeen.get(1)).as("readiness while it waits").hasSize(2);
    assertThat(reasonsSeen.get(1).get(1)).startsWith("Kafka: topics [frames, verdicts, alerts, dlq]")
        .contains("does not know").doesNotContain("no answer")
        // what to look at, then Kafka's words without the exception's package (the toString of before)
        .contains("see the brokers' logs").endsWith("(Kafka: UnknownTopicOrPartitionException: This server does not"
            + " host this topic-partition.)").doesNotContain("org.apache");
    assertThat(waits.reasons()).as("known at last: no longer waited for").hasSize(1);
  }

  @Test
  void tellsReadinessWhyTheBrokerIsStillWaitedForUntilItAnswers() throws InterruptedException {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    unanswered = 2;

    ensure(false);

    // the first try had nothing to report; the retries after it see the broker, the setting and Kafka's own words
    assertThat(reasonsSeen).hasSize(3);
    assertThat(reasonsSeen.get(0)).hasSize(1);
    assertThat(reasonsSeen.get(2)).hasSize(2);
    assertThat(reasonsSeen.get(2).get(1)).startsWith("Kafka: no answer from test:9092 (kafka.bootstrap.servers)")
        .contains("(try 2)").contains("check that a broker runs there")
        // Kafka's words last, as in the wait's log line, without the exception's package (it ended with its toString)
        .endsWith("(Kafka: Timed out waiting for a node)").doesNotContain("org.apache");
    assertThat(waits.reasons()).as("answered: no longer waited for").hasSize(1);
  }

  /**
   * /health/ready is read by Kubernetes events and by people: the start-up reason carried BrokerSilence's whole
   * advice (about 400 characters with Kafka's words). Now at most 250, still naming what to check first; the log line
   * keeps the whole advice.
   */
  @Test
  void theStartupReasonIsShortAndSaysWhatToCheckFirstWhileTheLogKeepsTheWholeAdvice() throws InterruptedException {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    unanswered = 2;

    try (dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(TopicAdmin.class)) {
      ensure(false);
      assertThat(lines.messages()).filteredOn(m -> m.contains("waiting for Kafka")).isNotEmpty()
          .allSatisfy(m -> assertThat(m).contains(BrokerSilence.check("test:9092")));
    }
    assertThat(reasonsSeen.get(2).get(1)).hasSizeLessThanOrEqualTo(250)
        .startsWith("Kafka: no answer from test:9092 (kafka.bootstrap.servers) in 0 s (try 2)")
        .contains("check that a broker runs there").contains("advertised.listeners")
        .contains("kafka.security.protocol").contains("the log").endsWith("(Kafka: Timed out waiting for a node)");
  }

  /**
   * A start stopped while it reads the outputs' record-time limits (the topic check's last step, right after the
   * topics were listed): the default close waited for the describeConfigs under way (up to default.api.timeout.ms),
   * and the stopped start, which waits up to 10 s for the topic check's thread, with it.
   */
  @Test
  void aStopWhileTheOutputsLimitsAreReadAbandonsTheRequestUnderWayInsteadOfWaitingForIt() throws Exception {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    describeUnanswered = true;
    TopicAdmin admin = new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits);
    java.util.concurrent.FutureTask<TopicAdmin.AcceptedTimes> read = new java.util.concurrent.FutureTask<>(
        () -> admin.acceptedTimes(List.of("verdicts", "alerts", "dlq"), List.of()));
    Thread reader = new Thread(read, "test-accepted-times");
    reader.start();
    // an interrupt between the request and the wait for its answer ends that wait at once as well
    assertThat(dev.advmon.testing.Await.until(() -> describeAsked, java.time.Duration.ofSeconds(30)))
        .as("the configs were asked").isTrue();
    reader.interrupt();
    reader.join();

    assertThatThrownBy(read::get).hasCauseInstanceOf(InterruptedException.class);
    assertThat(closes).containsExactly(java.time.Duration.ZERO.toString());
  }

  @Test
  void theOldestRecordTheOutputsAcceptIsTheLeastLimitOfAnyOfThemInEitherKafkaVersionsSetting() throws Exception {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    TopicAdmin admin = new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits);
    assertThat(maxAgeMs(admin, List.of("verdicts", "alerts", "dlq"), List.of())).as("unlimited").isEqualTo(Long.MAX_VALUE);

    broker.put("verdicts", Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, "86400000"));
    broker.put("alerts", Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, Long.toString(Long.MAX_VALUE)));
    assertThat(maxAgeMs(admin, List.of("verdicts", "alerts", "dlq"), List.of())).isEqualTo(86_400_000L);

    // a Kafka 3 broker's single limit, on the dead-letter topic only
    broker.put("dlq", Map.of(TopicAdmin.TIMESTAMP_DIFFERENCE_MAX_MS, "3600000"));
    assertThat(maxAgeMs(admin, List.of("verdicts", "alerts", "dlq"), List.of())).isEqualTo(3_600_000L);
    assertThat(maxAgeMs(admin, List.of("frames"), List.of())).as("only the topics asked about").isEqualTo(Long.MAX_VALUE);

    // the broker's own time on the records: no limit is checked
    broker.put("dlq", Map.of(TopicAdmin.TIMESTAMP_DIFFERENCE_MAX_MS, "3600000",
        TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"));
    assertThat(maxAgeMs(admin, List.of("verdicts", "alerts", "dlq"), List.of())).isEqualTo(86_400_000L);
  }

  @Test
  void theFurthestAheadTheOutputsAcceptIsReadFromTheSameTopicsAsTheOldest() throws Exception {
    // Kafka 4's default: an hour ahead of the broker's clock
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    brokerDefaults.put(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, "3600000");
    TopicAdmin admin = new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits);
    List<String> internal = List.of("advmon-camera-status-changelog", "advmon-campaign-by-camera-repartition");
    assertThat(admin.acceptedTimes(List.of("verdicts", "alerts", "dlq"), internal))
        .isEqualTo(new TopicAdmin.AcceptedTimes(Long.MAX_VALUE, 3_600_000L));

    // a minute on the alerts topic: a frame kept 5 minutes ahead had its outputs refused at every restart, for ever
    broker.put("alerts", Map.of(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, "60000"));
    assertThat(admin.acceptedTimes(List.of("verdicts", "alerts", "dlq"), internal).maxAheadMs()).isEqualTo(60_000L);

    // on the changelog alone, where it exists; a Kafka 3 broker's single limit counts ahead too
    broker.put("alerts", Map.of());
    broker.put("advmon-camera-status-changelog", Map.of(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, "30000"));
    broker.put("dlq", Map.of(TopicAdmin.TIMESTAMP_DIFFERENCE_MAX_MS, "45000"));
    assertThat(admin.acceptedTimes(List.of("verdicts", "alerts", "dlq"), internal))
        .isEqualTo(new TopicAdmin.AcceptedTimes(45_000L, 30_000L));

    // one of Kafka Streams' own topics that may not be described: a warning, the outputs' limit still read
    notAuthorized.add("advmon-camera-status-changelog");
    assertThat(admin.acceptedTimes(List.of("verdicts", "alerts", "dlq"), internal).maxAheadMs()).isEqualTo(45_000L);
  }

  @Test
  void aLimitSetOnKafkaStreamsOwnTopicsCountsWhereTheyExist() throws Exception {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    TopicAdmin admin = new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits);
    List<String> internal = List.of("advmon-camera-status-changelog", "advmon-campaign-by-camera-repartition");
    assertThat(maxAgeMs(admin, List.of("verdicts", "alerts", "dlq"), internal))
        .as("a first start: Kafka Streams has not created them yet").isEqualTo(Long.MAX_VALUE);

    // set on the changelog alone: an old campaign flag was refused there at every restart, for ever
    broker.put("advmon-camera-status-changelog", Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
        "86400000"));
    assertThat(maxAgeMs(admin, List.of("verdicts", "alerts", "dlq"), internal)).isEqualTo(86_400_000L);

    assertThatThrownBy(() -> maxAgeMs(admin, List.of("verdicts", "missing"), List.of()))
        .as("an output that is not there is an error, as before").hasCauseInstanceOf(
            org.apache.kafka.common.errors.UnknownTopicOrPartitionException.class);
  }

  @Test
  void kafkaStreamsOwnTopicsThatMayNotBeDescribedDoNotHideTheOutputsLimit() throws Exception {
    // an ACL-restricted cluster whose grants on the application's prefix leave out DescribeConfigs: the outputs'
    // limit must still be read, or frames older than it are refused at every restart, for ever (the refusal reads
    // the limit again, and fails the same way)
    TOPICS.forEach(t -> broker.put(t, Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, "86400000")));
    List<String> internal = List.of("advmon-camera-status-changelog", "advmon-campaign-by-camera-repartition");
    internal.forEach(t -> broker.put(t, Map.of()));
    notAuthorized.addAll(internal);
    TopicAdmin admin = new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits);
    assertThat(maxAgeMs(admin, List.of("verdicts", "alerts", "dlq"), internal)).isEqualTo(86_400_000L);

    // any other failure on one of them alike (here: the broker's answer for an invalid request)
    failing.put(internal.get(0), new org.apache.kafka.common.errors.InvalidRequestException("scripted"));
    assertThat(maxAgeMs(admin, List.of("verdicts", "alerts", "dlq"), internal)).isEqualTo(86_400_000L);

    notAuthorized.add("alerts");
    assertThatThrownBy(() -> maxAgeMs(admin, List.of("verdicts", "alerts", "dlq"), internal))
        .as("an output that may not be described is an error, as before").hasCauseInstanceOf(
            org.apache.kafka.common.errors.TopicAuthorizationException.class);
  }

  @Test
  void theBrokersOwnLimitCountsToo_itIsWhatKafkaStreamsGivesTheRepartitionAndChangelogTopics() throws Exception {
    // a broker-wide limit of a day, the outputs exempted to keep capture times: the campaign flags of frames two days
    // old would still be refused on the repartition topic Kafka Streams creates with the broker's defaults
    TOPICS.forEach(t -> broker.put(t, Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
        Long.toString(30 * 86_400_000L))));
    brokerDefaults.put(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, "86400000");
    TopicAdmin admin = new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits);
    assertThat(maxAgeMs(admin, List.of("verdicts", "alerts", "dlq"), List.of())).isEqualTo(86_400_000L);

    // a broker that stamps records itself by default checks no limit on the topics it creates
    brokerDefaults.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
    TOPICS.forEach(t -> broker.put(t, Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
        Long.toString(30 * 86_400_000L), TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "CreateTime")));
    assertThat(maxAgeMs(admin, List.of("verdicts", "alerts", "dlq"), List.of())).isEqualTo(30 * 86_400_000L);
  }

  @Test
  void refusesACompactedFramesTopicNamingTheTopicAndTheSetting() {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    broker.put("frames", Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"));

    // compaction keeps only a camera's last frame: the others would vanish unread, without a dead letter
    assertThatThrownBy(() -> ensure(true)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("topic frames has cleanup.policy=compact")
        .hasMessageContaining("cleanup.policy=delete");
  }

  @Test
  void refusesADeadLetterTopicThatAlsoCompacts() {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    broker.put("dlq", Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact,delete"));

    // a compacted topic refuses records without a key: the dead letter of a keyless record would fail the stream
    assertThatThrownBy(() -> ensure(false)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("topic dlq has cleanup.policy=compact,delete");
  }

  @Test
  void createsMissingTopicsWithTheDeletePolicyWhateverTheBrokerDefault() throws InterruptedException {
    broker.put("frames", Map.of());

    ensure(true);

    assertThat(created).extracting(NewTopic::name).containsExactlyInAnyOrder("verdicts", "alerts", "dlq");
    assertThat(created).allSatisfy(t -> assertThat(t.configs()).containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, "delete"));
    assertThat(created).filteredOn(t -> t.name().equals("dlq")).singleElement()
        .satisfies(t -> assertThat(t.configs()).containsEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "2000000"));
  }

  @Test
  void acceptsTopicsThatDeleteOldRecords() throws InterruptedException {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    ensure(false);
    assertThat(created).isEmpty();
  }

  /**
   * A wrong password (or SASL mechanism, or a user not created yet) is answered by the broker: the monitor took it for
   * an unreachable broker, logged "check that the broker is running and reachable" and waited for ever.
   */
  @Test
  void aLoginTheBrokerRefusesStopsTheStartNamingTheLoginSettingsInsteadOfWaitingForEver() {
    listFailure = new org.apache.kafka.common.errors.SaslAuthenticationException("Authentication failed during"
        + " authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512");

    assertThatThrownBy(() -> new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits, ms -> {
      pauses.add(ms);
      throw new IllegalStateException("waited " + ms + " ms for a broker that had answered");
    }).ensureTopics(TOPICS, Map.of(), true, 3, (short) -1, 5_000, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("test:9092")
        .hasMessageContaining("invalid credentials")
        .hasMessageContaining("kafka.sasl.jaas.config")
        .hasMessageContaining("Secret advmon-kafka") // the copy the pods read, not the KafkaUser's own
        // nothing updates that copy: a message that says it "is made again" sends the operator waiting for nothing
        .hasMessageContaining("make it again")
        .hasMessageNotContaining("reachable");
    assertThat(pauses).as("no wait: a refused login is not an outage").isEmpty();
  }

  /**
   * A broker that lists the topics but whose creation of the missing ones, forwarded to the KRaft controller quorum,
   * gets no answer (a majority of the controllers down): the give-up past startup.max-wait-ms said "Kafka at ...
   * still unreachable" and "nothing at ... answered", and sent the operator to the address, the firewall and the
   * protocol of a broker that had answered.
   */
  @Test
  void aBrokerThatAnswersButWhoseTopicCreationGetsNoAnswerIsNotCalledUnreachableWhenStartUpGivesUp() {
    createFailure = new org.apache.kafka.common.errors.TimeoutException("Call(callName=createTopics) timed out");

    assertThatThrownBy(() -> new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits,
        pauses::add).ensureTopics(TOPICS, Map.of(), true, 3, (short) -1, 5_000, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Kafka at test:9092 answered, but the topic check still failed after ")
        .hasMessageContaining("the broker at test:9092 (kafka.bootstrap.servers) answered, but creating topics ")
        .hasMessageContaining("got no answer within")
        .hasMessageContaining("check that a majority of the KRaft controllers runs")
        .hasMessageEndingWith("(Kafka: Call(callName=createTopics) timed out)")
        .hasMessageNotContaining("unreachable")
        .hasMessageNotContaining("check that a broker runs");
  }

  /**
   * The same silence where the request went to another broker than the one that listed the topics: a KRaft broker
   * names a random live broker as the controller, to which the admin client sends createTopics. The words said "which
   * it forwards" and sent the operator to the controller quorum alone, where one hung or unreachable broker of several
   * is as likely.
   */
  @Test
  void aCreationThatGetsNoAnswerNamesEachBrokerBesideTheQuorum() {
    createFailure = new org.apache.kafka.common.errors.TimeoutException("Call(callName=createTopics) timed out");

    assertThatThrownBy(() -> new TopicAdmin(Map.of("bootstrap.servers", "a:9092,b:9092"), props -> admin(), waits,
        pauses::add).ensureTopics(TOPICS, Map.of(), true, 3, (short) -1, 5_000, 1))
        .hasMessageContaining("(a request that a broker of the cluster's choosing, not always the one that listed"
            + " them, forwards to the KRaft controller quorum)")
        .hasMessageContaining("and that each broker runs and is reachable from this host (advertised.listeners)")
        .hasMessageNotContaining("which it forwards");
  }

  /**
   * The look at kafka.bootstrap.servers (a DNS look-up and a TCP connect per address, up to 2 s) is made only after a
   * try that got no answer: never when the broker answered, nor when a later request got none.
   */
  @Test
  void theBootstrapAddressesAreLookedAtOnlyAfterATryThatGotNoAnswer() throws InterruptedException {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    unanswered = 2;
    List<Object> looks = new ArrayList<>();
    java.util.function.Function<Object, BrokerAddresses.Findings> look = servers -> {
      looks.add(servers);
      return BrokerAddresses.Findings.NONE;
    };

    new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits, pauses::add, look)
        .ensureTopics(TOPICS, Map.of(), false, 3, (short) -1, 10, 0);
    assertThat(looks).as("one look per unanswered try").containsExactly("test:9092", "test:9092");

    looks.clear();
    createFailure = new org.apache.kafka.common.errors.TimeoutException("Call(callName=createTopics) timed out");
    broker.remove("dlq");
    assertThatThrownBy(() -> new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits,
        pauses::add, look).ensureTopics(TOPICS, Map.of(), true, 3, (short) -1, 5_000, 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("answered, but creating topics");
    assertThat(looks).as("the broker answered the listing").isEmpty();
  }

  /** Readiness while it waits for such a broker said "no answer from test:9092" too. */
  @Test
  void readinessWhileTopicCreationGetsNoAnswerSaysThatTheBrokerAnswered() {
    createFailure = new org.apache.kafka.common.errors.TimeoutException("Call(callName=createTopics) timed out");

    assertThatThrownBy(() -> new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits, ms -> {
      throw new InterruptedException("test: one try is enough");
    }).ensureTopics(TOPICS, Map.of(), true, 3, (short) -1, 5_000, 0)).isInstanceOf(InterruptedException.class);
    assertThat(waits.reason(TopicAdmin.DEPENDENCY)).hasValueSatisfying(reason -> assertThat(reason)
        .startsWith("test:9092 (kafka.bootstrap.servers) answered, but creating topics got no answer in 0 s (try 1):"
            + " check the KRaft controller quorum and each broker")
        .doesNotContain("no answer from"));
  }

  /**
   * The broker lists the topics, then the request for their configs gets no answer (the broker stopped, or hangs)
   * and our own wait on it ends first (a bare TimeoutException, no words of Kafka's): the give-up said only "answered,
   * but the topic check failed after N s; check the broker's log", nothing of the silence that the operator should
   * look for, where before the broker's answer was told apart it said "nothing ... answered".
   */
  @Test
  void aTimeoutAfterTheListingSaysThatALaterRequestGotNoAnswer() {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    failing.put("frames", new java.util.concurrent.TimeoutException());

    assertThatThrownBy(() -> new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits,
        pauses::add).ensureTopics(TOPICS, Map.of(), true, 3, (short) -1, 5_000, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the broker at test:9092 (kafka.bootstrap.servers) answered, but a later request of the"
            + " topic check (the topics' configs) got no answer within ")
        .hasMessageContaining("check that the brokers still run and answer (their logs)")
        .hasMessageNotContaining("KRaft controller")
        .hasMessageNotContaining("unreachable");
  }

  /** Readiness while it waits after such a try: it said "the topic check failed" alone too. */
  @Test
  void readinessAfterATimeoutPastTheListingSaysThatALaterRequestGotNoAnswer() {
    TOPICS.forEach(t -> broker.put(t, Map.of()));
    failing.put("frames", new org.apache.kafka.common.errors.TimeoutException(
        "Timed out waiting for a node assignment. Call: describeConfigs"));

    assertThatThrownBy(() -> new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits, ms -> {
      throw new InterruptedException("test: one try is enough");
    }).ensureTopics(TOPICS, Map.of(), true, 3, (short) -1, 5_000, 0)).isInstanceOf(InterruptedException.class);
    assertThat(waits.reason(TopicAdmin.DEPENDENCY)).hasValueSatisfying(reason -> assertThat(reason)
        .startsWith("test:9092 (kafka.bootstrap.servers) answered, but a later request got no answer in 0 s (try 1):"
            + " check that the brokers still run; more in the log")
        .endsWith("(Kafka: Timed out waiting for a node assignment. Call: describeConfigs)"));
  }

  /**
   * A broker certificate the monitor does not trust (expired, another host's, an unknown CA) failed the start with
   * "refused the monitor's login: SSL handshake failed; check kafka.sasl.jaas.config (user and password) ..." (TLS
   * walk): the login was never tried, and the reason was only in the log's stack trace.
   */
  @Test
  void aFailedTlsHandshakeStopsTheStartNamingTheTrustStoreNotTheLogin() {
    javax.net.ssl.SSLHandshakeException java = new javax.net.ssl.SSLHandshakeException("PKIX path building failed");
    java.initCause(new Exception("unable to find valid certification path to requested target"));
    listFailure = new org.apache.kafka.common.errors.SslAuthenticationException("SSL handshake failed", java);

    assertThatThrownBy(() -> new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits, ms -> {
      pauses.add(ms);
      throw new IllegalStateException("waited " + ms + " ms for a broker that had answered");
    }).ensureTopics(TOPICS, Map.of(), true, 3, (short) -1, 5_000, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Kafka at test:9092 (kafka.bootstrap.servers): the TLS handshake with the broker failed")
        .hasMessageContaining("kafka.ssl.truststore.location")
        .hasMessageContaining("unable to find valid certification path")
        .hasMessageNotContaining("refused the monitor's login");
    assertThat(pauses).as("no wait: an untrusted certificate is not an outage").isEmpty();
  }

  /**
   * With topics.create=false, a missing topic may only be hidden from the monitor where the broker enforces ACLs: on a
   * broker without an authorizer (Kafka's default) "User:... is not authorized to see them" sent the operator after
   * ACLs that do not exist, for a topic that is simply not there.
   */
  @Test
  void aMissingTopicIsBlamedOnAclsOnlyWhereTheBrokerHasAnAuthorizer() {
    broker.put("frames", Map.of());
    aclsFailure = new org.apache.kafka.common.errors.SecurityDisabledException("No Authorizer is configured.");
    assertThatThrownBy(() -> ensure(false)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("topics missing").hasMessageContaining("verdicts").hasMessageContaining("topics.create")
        .hasMessageNotContaining("authorized");

    aclsFailure = new org.apache.kafka.common.errors.ClusterAuthorizationException("Cluster authorization failed.");
    assertThatThrownBy(() -> ensure(false)).as("an authorizer that will not show the ACLs: one is there")
        .hasMessageContaining("is not authorized to see them").hasMessageContaining("Describe");

    aclsFailure = null;
    assertThatThrownBy(() -> ensure(false)).as("ACLs the principal may read: an authorizer is there")
        .hasMessageContaining("is not authorized to see them");
  }

  /**
   * An operator walking README set ADVMON_TOPICS_CREATE=false and ADVMON_TOPICS_VERDICTS to a topic not there, and was
   * told "[nosuch-verdicts]; set topics.create=true": editing the file changed nothing (the variable wins), and which
   * setting named the topic was left to guess. The error now names both settings and where their values came from.
   */
  @Test
  void aMissingTopicIsNamedWithItsSettingAndTopicsCreateWithWhereItsValueCameFrom() {
    List<String> topics = List.of("frames", "nosuch-verdicts", "alerts", "frames-dlq");
    topics.stream().filter(t -> !t.startsWith("nosuch")).forEach(t -> broker.put(t, Map.of()));
    aclsFailure = new org.apache.kafka.common.errors.SecurityDisabledException("No Authorizer is configured.");
    dev.advmon.config.MonitorConfig config = dev.advmon.config.MonitorConfig.load(null,
        Map.of("ADVMON_TOPICS_CREATE", "false", "ADVMON_TOPICS_VERDICTS", "nosuch-verdicts"), Map.of(),
        java.nio.file.Path.of("."));
    TopicAdmin admin = new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits)
        .namingSettings(t -> StreamingMonitor.topicSetting(config, t), config.origin("topics.create"));

    assertThatThrownBy(() -> admin.ensureTopics(topics, Map.of(), config.bool("topics.create"), 3, (short) -1, 10,
        1_000)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("[nosuch-verdicts (topics.verdicts, from environment ADVMON_TOPICS_VERDICTS)]")
        .hasMessageContaining("set topics.create=true (it is false, from environment ADVMON_TOPICS_CREATE, which wins "
            + "over the configuration file)");
  }

  /** As {@link #ensure} with {@code topics.create}, with that retry interval and a pause that only records it. */
  private void ensureWithRetryInterval(long retryIntervalMs) throws InterruptedException {
    new TopicAdmin(Map.of("bootstrap.servers", "test:9092"), props -> admin(), waits, pauses::add)
        .ensureTopics(TOPICS, Map.of("dlq", 2_000_000L), true, 3, (short) -1, retryIntervalMs, 0);
  }

  /** The oldest age the topics accept, the limit the before-limit tests are about. */
  private static long maxAgeMs(TopicAdmin admin, List<String> topics, Collection<String> internal) throws Exception {
    return admin.acceptedTimes(topics, internal).maxAgeMs();
  }
}
