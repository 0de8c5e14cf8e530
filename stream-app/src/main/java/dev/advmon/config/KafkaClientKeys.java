package dev.advmon.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The keys a {@code kafka.*} setting may pass through to the monitor's Kafka clients: those Kafka Streams or one of
 * its clients defines, bare or behind Kafka Streams' client prefixes. Checked because the clients only log an
 * unknown key: a misspelt {@code kafka.security.protocol} would start a monitor talking plain text, a misspelt
 * {@code kafka.bootstrap.servers} override would leave the file's brokers in use, both without a word.
 */
final class KafkaClientKeys {

  private static final Set<String> PRODUCER = ProducerConfig.configNames();
  private static final Set<String> CONSUMER = ConsumerConfig.configNames();
  private static final Set<String> ADMIN = AdminClientConfig.configNames();
  private static final Map<String, Set<String>> PREFIXED = Map.of(
      StreamsConfig.PRODUCER_PREFIX, PRODUCER,
      StreamsConfig.CONSUMER_PREFIX, CONSUMER,
      StreamsConfig.MAIN_CONSUMER_PREFIX, CONSUMER,
      StreamsConfig.RESTORE_CONSUMER_PREFIX, CONSUMER,
      StreamsConfig.GLOBAL_CONSUMER_PREFIX, CONSUMER,
      StreamsConfig.ADMIN_CLIENT_PREFIX, ADMIN);
  /** Every bare key: what a suggestion for a typo is chosen from. */
  static final Set<String> BARE;

  static {
    Set<String> all = new TreeSet<>(StreamsConfig.configDef().names());
    all.addAll(PRODUCER);
    all.addAll(CONSUMER);
    all.addAll(ADMIN);
    BARE = Set.copyOf(all);
  }

  /**
   * Client keys the monitor sets itself, over any {@code kafka.*} value (StreamingMonitor's streamsProperties and
   * launch), each with how it is set, and the prefixed forms Kafka Streams would let win over a bare one. Passed
   * through, such a key was overwritten without a word: {@code kafka.num.stream.threads=8} ran two threads.
   */
  private static final Map<String, String> OWNED;

  static {
    Map<String, String> owned = new java.util.HashMap<>();
    owned.put(StreamsConfig.APPLICATION_ID_CONFIG, "from streams.application-id");
    owned.put(StreamsConfig.CLIENT_ID_CONFIG, "as <streams.application-id>-<streams.instance-id>");
    owned.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "from streams.num-threads");
    owned.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "from streams.commit-interval-ms");
    owned.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "from topics.replication-factor");
    owned.put(StreamsConfig.STATE_DIR_CONFIG, "from streams.state-dir");
    owned.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "from streams.application-server");
    owned.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "to exactly_once_v2, which its verdicts and alerts rely on");
    owned.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, "to its frame timestamp extractor");
    owned.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, "to its own, which writes dead letters");
    owned.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, "to its own, which writes dead letters");
    // and its older name, which Kafka Streams reads only where the new one is not set (and the monitor sets it)
    String skipsFlags = "to its own, which skips an unreadable campaign flag instead of failing the task for ever";
    owned.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, skipsFlags);
    owned.put("default.deserialization.exception.handler", skipsFlags);
    owned.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "to true");
    // the stream threads' consumer: main.consumer. wins over consumer., which wins over the bare key
    for (String k : java.util.List.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)) {
      String how = k.equals(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)
          ? "as <streams.application-id>-<streams.instance-id>" : "from streams.session-timeout-ms";
      owned.put(k, how);
      owned.put(StreamsConfig.CONSUMER_PREFIX + k, how);
      owned.put(StreamsConfig.MAIN_CONSUMER_PREFIX + k, how);
    }
    // the group protocol: Kafka Streams' own key and its consumers' (the same name). Kafka 4.3's streams protocol
    // (KIP-1071) has no static membership yet (4.4), which the monitor's restarts rely on, and its groups are not
    // consumer groups, which the leave-group decision describes; the consumer protocol Kafka Streams refuses
    String classic = "to classic: its static membership (streams.instance-id) and its leave-group decision need "
        + "Kafka's classic group protocol";
    owned.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, classic);
    owned.put(StreamsConfig.CONSUMER_PREFIX + ConsumerConfig.GROUP_PROTOCOL_CONFIG, classic);
    owned.put(StreamsConfig.MAIN_CONSUMER_PREFIX + ConsumerConfig.GROUP_PROTOCOL_CONFIG, classic);
    // the producer: producer. wins over the bare key
    for (String k : java.util.List.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        ProducerConfig.BUFFER_MEMORY_CONFIG)) {
      String how = k.equals(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG) ? "from streams.transaction-timeout-ms"
          : "from image.max-encoded-bytes (a dead letter carries the whole frame)";
      owned.put(k, how);
      owned.put(StreamsConfig.PRODUCER_PREFIX + k, how);
    }
    // what Kafka Streams itself fixes for exactly-once (or always): it drops a bare or consumer./producer. value with a
    // WARN, but lets main.consumer.isolation.level and restore.consumer.isolation.level through, which read aborted
    // frames and a failed task's state; the serializers it replaces with byte arrays without a word
    List<String> consumerPrefixes = List.of("", StreamsConfig.CONSUMER_PREFIX, StreamsConfig.MAIN_CONSUMER_PREFIX,
        StreamsConfig.RESTORE_CONSUMER_PREFIX, StreamsConfig.GLOBAL_CONSUMER_PREFIX);
    List<String> producerPrefixes = List.of("", StreamsConfig.PRODUCER_PREFIX);
    String bytes = "to byte arrays: the monitor's topology gives each topic its own serdes";
    Map<String, String> consumerKeys = Map.of(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "to read_committed, which exactly-once needs",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "to false: offsets are committed in the stream's transactions",
        ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "to false: the monitor creates its topics itself (topics.create)",
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, bytes,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, bytes);
    Map<String, String> producerKeys = Map.of(
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "to true, which exactly-once needs",
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "as <streams.application-id>-<a process id made from "
            + "streams.instance-id>-<thread number>, one per stream thread",
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, bytes,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, bytes);
    // every topic, store and repartition has its serdes in the topology, so Kafka Streams never reads these
    String ownSerdes = "to none: the monitor's topology gives each topic its own serdes";
    owned.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, ownSerdes);
    owned.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, ownSerdes);
    consumerPrefixes.forEach(prefix -> consumerKeys.forEach((k, how) -> owned.put(prefix + k, how)));
    producerPrefixes.forEach(prefix -> producerKeys.forEach((k, how) -> owned.put(prefix + k, how)));
    OWNED = Map.copyOf(owned);
  }

  /**
   * The owned keys that Kafka Streams would apply rather than drop: it passes a main.consumer. or restore.consumer.
   * value to that consumer as given, over the read_committed it sets itself (checked in MonitorConfigTest).
   */
  private static final Set<String> APPLIED = Set.of(
      StreamsConfig.MAIN_CONSUMER_PREFIX + ConsumerConfig.ISOLATION_LEVEL_CONFIG,
      StreamsConfig.RESTORE_CONSUMER_PREFIX + ConsumerConfig.ISOLATION_LEVEL_CONFIG);

  private KafkaClientKeys() {}

  /**
   * How the monitor sets {@code clientKey} (without {@code kafka.}) itself ("from streams.num-threads"), or null
   * when a {@code kafka.*} value of it reaches the clients.
   */
  static String ownedBy(String clientKey) {
    return OWNED.get(clientKey);
  }

  /** Whether Kafka Streams would apply the owned {@code clientKey} over its own value, instead of dropping it. */
  static boolean wouldBeApplied(String clientKey) {
    return APPLIED.contains(clientKey);
  }

  /**
   * Why exactly-once cannot run with {@code value} for {@code clientKey} (without {@code kafka.}), or null when it can.
   * Kafka's producer refuses acks other than all and more than 5 requests in flight when it is idempotent, but only
   * when run builds it, in a message that names neither the setting nor the file.
   */
  static String exactlyOnceProblem(String clientKey, String value) {
    String bare = clientKey.startsWith(StreamsConfig.PRODUCER_PREFIX)
        ? clientKey.substring(StreamsConfig.PRODUCER_PREFIX.length()) : clientKey;
    String v = value.trim();
    if (bare.equals(ProducerConfig.ACKS_CONFIG) && !v.equals("all") && !v.equals("-1")) {
      return "is not allowed: exactly-once, which the monitor's verdicts and alerts rely on, needs acks=all on its "
          + "producers; set all (in lower case) or -1, or delete it for the default all";
    }
    if (bare.equals(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION)) {
      int n;
      try {
        n = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        n = 0;
      }
      if (n < 1 || n > 5) {
        return "is not allowed: exactly-once, which the monitor's verdicts and alerts rely on, needs a whole number "
            + "from 1 to 5 here; set one, or delete it for the default 5";
      }
    }
    return null;
  }

  /** The known keys a typo of {@code clientKey} is looked for among: behind its prefix when it has one. */
  static java.util.List<String> candidatesFor(String clientKey) {
    return prefixOf(clientKey)
        .map(e -> e.getValue().stream().map(k -> e.getKey() + k).toList())
        .orElseGet(() -> java.util.List.copyOf(BARE));
  }

  /** The longest of Kafka Streams' client prefixes {@code clientKey} starts with ("main.consumer." before "consumer."). */
  private static java.util.Optional<Map.Entry<String, Set<String>>> prefixOf(String clientKey) {
    return PREFIXED.entrySet().stream()
        .filter(e -> clientKey.startsWith(e.getKey()))
        .max(java.util.Comparator.comparingInt(e -> e.getKey().length()));
  }

  /** Kafka's definitions of every bare key: their types say which ones hold passwords. */
  private static final List<ConfigDef> DEFS = List.of(StreamsConfig.configDef(),
      ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef());

  /**
   * Whether the value of {@code clientKey} (without {@code kafka.}) must not be shown: a key Kafka types as a password
   * (sasl.jaas.config, ssl.key.password, ...), bare or behind a client prefix, or one a plugin names like a secret.
   */
  static boolean isSecret(String clientKey) {
    String lower = clientKey.toLowerCase(Locale.ROOT);
    // user.info: Confluent's serdes read the registry's user:password as basic.auth.user.info
    if (List.of("password", "secret", "token", "jaas", "credential", "user.info", "userinfo", "api.key", "apikey")
        .stream().anyMatch(lower::contains)) {
      return true;
    }
    String bare = prefixOf(clientKey).map(e -> clientKey.substring(e.getKey().length())).orElse(clientKey);
    return DEFS.stream().map(d -> d.configKeys().get(bare))
        .anyMatch(k -> k != null && k.type == ConfigDef.Type.PASSWORD);
  }

  /** Whether {@code clientKey} (without {@code kafka.}) is a key Kafka Streams or its clients read. */
  static boolean isKnown(String clientKey) {
    if (BARE.contains(clientKey)) {
      return true;
    }
    if (clientKey.startsWith("config.providers.")) { // config.providers.<name>.class / .param.*: names chosen by the user
      return true;
    }
    if (clientKey.startsWith(StreamsConfig.TOPIC_PREFIX)) {
      return clientKey.length() > StreamsConfig.TOPIC_PREFIX.length(); // any topic config of the internal topics
    }
    return prefixOf(clientKey).map(e -> e.getValue().contains(clientKey.substring(e.getKey().length()))).orElse(false);
  }
}
