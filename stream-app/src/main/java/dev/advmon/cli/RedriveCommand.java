package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.registry.AvroSerde;
import dev.advmon.schema.DeadLetter;
import dev.advmon.topology.RecordLimits;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monitor redrive}: sends dead letters' original key and value back to the frames topic, so that frames that
 * failed for a reason the operator has since fixed get scored. It reads the dead-letter topic read_committed up to
 * the end offsets taken at its start (so a frame that fails again is not read again in the same run), with no
 * consumer group (assign and seek: it leaves no offsets behind), and writes with an idempotent producer.
 */
@Command(name = "redrive", mixinStandardHelpOptions = true,
    description = "Send dead letters' original frames back to the frames topic to be scored again, then print a summary per reason.")
final class RedriveCommand implements Callable<Integer> {

  /**
   * Sent by default: failures that were not the frame's fault (the registry, the model or engine, writing the
   * outputs, an unexpected error), which the same bytes can get past once the cause is fixed.
   */
  static final Set<String> TRANSIENT = Set.of("REGISTRY_REQUEST_FAILED", "SCORING_FAILED", "OUTPUT_FAILED",
      "PROCESSING_FAILED");
  /** The producer's fault (or a limit the frame is over): the same bytes fail the same way unless that changed. */
  static final Set<String> PERMANENT = Set.of("BAD_MAGIC_BYTE", "UNKNOWN_SCHEMA", "BAD_AVRO", "RECORD_TOO_LARGE",
      "INVALID_FRAME", "UNDECODABLE_IMAGE", "IMAGE_TOO_LARGE");

  private static final Duration STALL = Duration.ofSeconds(60);

  @Option(names = "--config", paramLabel = "FILE",
      description = "The monitor's properties file: its Kafka, registry and topics.* settings are used; the environment (ADVMON_...) overrides it.")
  Path config;

  @Option(names = "--reason", paramLabel = "R",
      description = "Send dead letters of this reason (repeatable). Default: the transient ones, REGISTRY_REQUEST_FAILED, SCORING_FAILED, OUTPUT_FAILED and PROCESSING_FAILED (the registry, the model or engine, writing the outputs: not the frame's fault, so they score once that is fixed); a frame of any other reason is the producer's fault and will likely come back (a warning says so). A value cut short (valueSize set) is never sent.")
  List<String> reasons = new ArrayList<>();

  @Option(names = "--camera", paramLabel = "ID", description = "Only dead letters of this camera (repeatable).")
  List<String> cameras = new ArrayList<>();

  @Option(names = "--since", paramLabel = "ISO", description = "Only dead letters whose record timestamp, the frame's own (a dead letter keeps its frame's time), is at or after this instant (e.g. 2026-12-06T10:00:00Z).")
  Instant since;

  @Option(names = "--until", paramLabel = "ISO", description = "Only dead letters whose record timestamp is before this instant.")
  Instant until;

  @Option(names = "--dry-run", description = "Read and print the summary; send nothing.")
  boolean dryRun;

  /** Overrides for tests (settings as --config would give them). */
  Map<String, String> overrides = Map.of();
  PrintStream out = System.out;
  PrintStream err = System.err;
  /** How long the broker may take to answer the dead-letter topic's metadata (tests shorten it). */
  Duration metadataTimeout = Duration.ofSeconds(60);

  @Override
  public Integer call() throws Exception {
    MonitorConfig c = MonitorConfig.load(config, System.getenv(), overrides, Main.home()).validated()
        .require(RunCommand.REQUIRED);
    Selection selection = new Selection(reasons.isEmpty() ? TRANSIENT : Set.copyOf(reasons), Set.copyOf(cameras),
        since, until, c.string("topics.frames"));
    for (String r : reasons) {
      if (PERMANENT.contains(r)) {
        err.println("warning: " + r + " is the producer's fault (or a limit the frame is over): unless that was fixed,"
            + " these frames will come back as " + r + " dead letters");
      } else if (!TRANSIENT.contains(r)) {
        err.println("warning: " + r + " is not a reason this monitor writes; dead letters with it are sent as named");
      }
    }
    String dlq = c.string("topics.dead-letter");
    Deserializer<DeadLetter> values = new AvroSerde<>(DeadLetter.class,
        AvroSerde.registryFor(Wiring.registrySettings(c)), false, false).deserializer();
    Summary summary;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties(c),
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> producer = dryRun ? null : new KafkaProducer<>(producerProperties(c),
            new ByteArraySerializer(), new ByteArraySerializer())) {
      List<PartitionInfo> infos;
      try {
        infos = consumer.partitionsFor(dlq, metadataTimeout);
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        // Kafka's own message ("Timeout expired while fetching topic metadata") names neither the broker nor the fix
        throw new IllegalStateException("no answer from Kafka at " + c.string("kafka.bootstrap.servers")
            + " (kafka.bootstrap.servers) within " + metadataTimeout.toSeconds() + " s while looking up the dead-letter"
            + " topic " + dlq + " (" + e.getMessage() + "); check that the broker is running and reachable from here,"
            + " and that kafka.bootstrap.servers and the kafka.* security settings are the monitor's", e);
      }
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("no dead-letter topic " + dlq + " (topics.dead-letter) on "
            + c.string("kafka.bootstrap.servers"));
      }
      List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(dlq, p.partition()))
          .sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
      summary = copy(consumer, producer, partitions, selection, values);
    }
    out.print(summary.asText(dryRun, selection.framesTopic(), dlq));
    if (!summary.otherTopics.isEmpty()) {
      err.println("error: refused dead letters of " + String.join(", ", summary.otherTopics)
          + ": they were not read from the frames topic " + selection.framesTopic()
          + " (topics.frames); run redrive with that monitor's configuration");
      return 1;
    }
    return 0;
  }

  /**
   * Reads {@code partitions} of the dead-letter topic from the start (or {@code --since}) up to the end offsets taken
   * once, before the first read, and sends each chosen dead letter's frame; {@code producer} null: a dry run. Apart
   * from {@link #call()} so that a test can append to the topic while it reads.
   */
  Summary copy(Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, List<TopicPartition> partitions,
      Selection selection, Deserializer<DeadLetter> values) throws Exception {
    Summary summary = new Summary();
    String dlq = partitions.get(0).topic();
    consumer.assign(partitions);
    // read_committed: the last stable offsets, taken once, so that this run's own re-failures are not read again
    Map<TopicPartition, Long> end;
    try {
      end = consumer.endOffsets(partitions, metadataTimeout);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      // the broker answered the topic's metadata a moment ago: say where it stopped, not only Kafka's "Timeout expired"
      throw new IllegalStateException("no answer from Kafka (kafka.bootstrap.servers) within "
          + metadataTimeout.toSeconds() + " s for the end offsets of " + dlq + " (" + e.getMessage() + "); nothing was"
          + " sent; check that the broker is running and reachable from here, and run redrive again", e);
    }
    seek(consumer, partitions, end);
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    Set<TopicPartition> open = new LinkedHashSet<>(partitions);
    open.removeIf(tp -> consumer.position(tp) >= end.get(tp));
    long lastProgress = System.nanoTime();
    while (!open.isEmpty()) {
      var polled = consumer.poll(Duration.ofMillis(500));
      if (!polled.isEmpty()) {
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
        // an unreachable broker would otherwise keep an operator's terminal waiting without a word
        throw new IllegalStateException("read nothing from " + dlq + " for " + STALL.toSeconds() + " s while "
            + open + " had records left before the end offsets taken at start; is the broker reachable?");
      }
      for (ConsumerRecord<byte[], byte[]> r : polled) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        if (r.offset() >= end.get(tp)) {
          continue;
        }
        DeadLetter dl = decode(values, r);
        Decision d = selection.decide(dl, r.timestamp(), r.key());
        summary.count(dl == null ? Summary.UNREADABLE : dl.getReason().toString(), d);
        if (d == Decision.OTHER_TOPIC) {
          summary.otherTopics.add(dl.getSourceTopic().toString());
        }
        if (d == Decision.SEND && producer != null) {
          // the dead letter's timestamp is its frame's (Kafka Streams keeps the input's time): the frame keeps it
          sends.add(producer.send(new ProducerRecord<>(selection.framesTopic(), null, r.timestamp(),
              bytes(dl.getKey()), bytes(dl.getValue()))));
        }
      }
      open.removeIf(tp -> consumer.position(tp) >= end.get(tp));
    }
    if (producer != null) {
      producer.flush();
      for (Future<RecordMetadata> f : sends) {
        f.get(); // a send that failed ends the command with its error (the summary would be wrong)
      }
    }
    return summary;
  }

  private void seek(Consumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
      Map<TopicPartition, Long> end) {
    if (since == null) {
      consumer.seekToBeginning(partitions);
      return;
    }
    Map<TopicPartition, Long> times = new HashMap<>();
    partitions.forEach(tp -> times.put(tp, since.toEpochMilli()));
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times);
    for (TopicPartition tp : partitions) {
      OffsetAndTimestamp o = found.get(tp);
      consumer.seek(tp, o == null ? end.get(tp) : o.offset()); // none that late: nothing to read there
    }
  }

  private static DeadLetter decode(Deserializer<DeadLetter> values, ConsumerRecord<byte[], byte[]> r) {
    if (r.value() == null) {
      return null;
    }
    try {
      return values.deserialize(r.topic(), r.value());
    } catch (RuntimeException e) {
      return null; // counted as unreadable; nothing to send
    }
  }

  private static byte[] bytes(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    ByteBuffer d = b.duplicate();
    byte[] a = new byte[d.remaining()];
    d.get(a);
    return a;
  }

  /** The monitor's bare Kafka client settings (security, bootstrap) that this client knows, then consumer.*. */
  static Map<String, Object> consumerProperties(MonitorConfig c) {
    Map<String, Object> p = clientProperties(c, ConsumerConfig.configNames(), "consumer.");
    p.remove(ConsumerConfig.GROUP_ID_CONFIG); // no group: no offsets left behind
    p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // the largest dead letter the monitor writes
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, (int) Math.max(1024 * 1024, limits(c).maxRequestBytes()));
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, (int) Math.max(50 * 1024 * 1024, limits(c).maxRequestBytes()));
    return p;
  }

  static Map<String, Object> producerProperties(MonitorConfig c) {
    Map<String, Object> p = clientProperties(c, ProducerConfig.configNames(), "producer.");
    p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // ordered per partition with idempotence (at most 5 in flight), so a camera's frames keep the dead letters' order
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    RecordLimits limits = limits(c);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (int) limits.maxRequestBytes());
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(32L * 1024 * 1024, 4 * limits.maxMessageBytes()));
    return p;
  }

  private static RecordLimits limits(MonitorConfig c) {
    return new RecordLimits(c.longValue("image.max-encoded-bytes"));
  }

  private static Map<String, Object> clientProperties(MonitorConfig c, Set<String> known, String prefix) {
    Map<String, Object> p = new HashMap<>();
    Map<String, Object> all = c.kafkaClientProperties();
    all.forEach((k, v) -> {
      if (known.contains(k)) {
        p.put(k, v);
      }
    });
    all.forEach((k, v) -> {
      if (k.startsWith(prefix) && known.contains(k.substring(prefix.length()))) {
        p.put(k.substring(prefix.length()), v);
      }
    });
    return p;
  }

  /** What becomes of one dead letter. */
  enum Decision {
    SEND("sent"), REASON_NOT_CHOSEN("reason not chosen"), CAMERA_NOT_CHOSEN("other camera"),
    OUT_OF_TIME_RANGE("outside --since/--until"), VALUE_CUT("value cut (valueSize set): never sent"),
    NO_VALUE("no value"), OTHER_TOPIC("not from the frames topic: refused"), UNREADABLE("not a readable DeadLetter");

    final String label;

    Decision(String label) {
      this.label = label;
    }
  }

  /** Which dead letters are sent: pure, so that it is tested without Kafka. */
  record Selection(Set<String> reasons, Set<String> cameras, Instant since, Instant until, String framesTopic) {

    Decision decide(DeadLetter dl, long timestamp, byte[] recordKey) {
      if (dl == null) {
        return Decision.UNREADABLE;
      }
      if ((since != null && timestamp < since.toEpochMilli()) || (until != null && timestamp >= until.toEpochMilli())) {
        return Decision.OUT_OF_TIME_RANGE;
      }
      if (!cameras.isEmpty() && !cameras.contains(camera(dl, recordKey))) {
        return Decision.CAMERA_NOT_CHOSEN;
      }
      // before the reason: whatever was chosen, these can never be sent, and the summary should say so
      if (dl.getValueSize() != null) {
        return Decision.VALUE_CUT;
      }
      if (!reasons.contains(dl.getReason().toString())) {
        return Decision.REASON_NOT_CHOSEN;
      }
      if (dl.getValue() == null) {
        return Decision.NO_VALUE;
      }
      if (!framesTopic.equals(dl.getSourceTopic().toString())) {
        return Decision.OTHER_TOPIC;
      }
      return Decision.SEND;
    }

    /**
     * The camera field; a dead letter of a record not read that far has none, and its record key is then the
     * producer's key as text, which camera gateways set to the camera id.
     */
    private static String camera(DeadLetter dl, byte[] recordKey) {
      if (dl.getCameraId() != null) {
        return dl.getCameraId().toString();
      }
      return recordKey == null ? null : new String(recordKey, StandardCharsets.UTF_8);
    }
  }

  /** Counts per reason: read, sent, skipped (and why), cut. */
  static final class Summary {
    static final String UNREADABLE = "(unreadable)";
    final Map<String, Map<Decision, Integer>> counts = new TreeMap<>();
    final Set<String> otherTopics = new java.util.TreeSet<>();

    void count(String reason, Decision d) {
      counts.computeIfAbsent(reason, r -> new java.util.EnumMap<>(Decision.class)).merge(d, 1, Integer::sum);
    }

    int number(String reason, Decision d) {
      return counts.getOrDefault(reason, Map.of()).getOrDefault(d, 0);
    }

    String asText(boolean dryRun, String framesTopic, String dlq) {
      StringBuilder sb = new StringBuilder();
      String sent = dryRun ? "would send" : "sent";
      sb.append(String.format(Locale.ROOT, "%-26s %8s %10s %8s %6s  %s%n", "reason", "read", sent, "skipped", "cut",
          "skipped because"));
      int[] total = new int[4];
      counts.forEach((reason, byDecision) -> {
        int read = byDecision.values().stream().mapToInt(Integer::intValue).sum();
        int s = byDecision.getOrDefault(Decision.SEND, 0);
        int cut = byDecision.getOrDefault(Decision.VALUE_CUT, 0);
        List<String> why = new ArrayList<>();
        byDecision.forEach((d, n) -> {
          if (d != Decision.SEND) {
            why.add(n + " " + d.label);
          }
        });
        sb.append(String.format(Locale.ROOT, "%-26s %8d %10d %8d %6d  %s%n", reason, read, s, read - s, cut,
            String.join(", ", why)));
        total[0] += read;
        total[1] += s;
        total[2] += read - s;
        total[3] += cut;
      });
      sb.append(String.format(Locale.ROOT, "%-26s %8d %10d %8d %6d%n", "total", total[0], total[1], total[2], total[3]));
      sb.append(String.format(Locale.ROOT, "%s %d of %d dead letters of %s to %s%n", dryRun ? "would send" : "sent",
          total[1], total[0], dlq, framesTopic));
      return sb.toString();
    }
  }
}
