package dev.advmon.config;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
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

  private KafkaClientKeys() {}

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
