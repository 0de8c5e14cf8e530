package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.model.ModelDocs;
import dev.advmon.registry.AvroSerde;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.topology.AclAdvice;
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
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monitor redrive}: sends dead letters' original key and value back to the frames topic, so that frames that
 * failed for a reason the operator has since fixed get scored. It reads the dead-letter topic read_committed up to
 * the end offsets taken at its start (so a frame that fails again is not read again in the same run), assigned (no
 * group membership), and writes with a transactional producer that commits, with each batch of frames, what it has
 * sent to the group {@code <streams.application-id>-redrive} ({@link RedriveMemory}): "sent" and "remembered as sent"
 * cannot diverge, so a second run (a retry, a second operator, a cron job) does not send the same frames again.
 */
@Command(name = "redrive", mixinStandardHelpOptions = true,
    description = "Send dead letters' original frames back to the frames topic to be scored again, then print a summary per reason.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "0:done (with --dry-run: counted, and the real run would not be refused)",
        "1:dead letters of another frames topic than topics.frames were refused (the others were sent); each fails"
            + " one run that reads to its end only: later runs skip it with a warning",
        "2:an error stopped it before the end (an invalid option, a refused login or ACL, no answer); the error says which",
        "3:--dry-run only: the same run without --dry-run would be refused before sending anything; the warning says why",
        "130:stopped by Ctrl-C (143: by SIGTERM) after the batch in flight: the summary says what was sent; run again"
            + " for the rest"})
final class RedriveCommand implements Callable<Integer> {

  /** The exit status of a dry run whose real run would be refused: neither success nor the real run's error (2). */
  static final int DRY_RUN_REFUSED = 3;
  /**
   * The exit status of a run that refused dead letters of another frames topic (and sent the others): once, as a real
   * run remembers the refusal, so the Job (k8s/jobs/redrive) fails on it without the retry that would exit 0.
   */
  static final int OTHER_TOPIC_REFUSED = 1;

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
  /** Sent back too soon after its schema was registered, it fails again: see {@link #unknownIdRemembered}. */
  private static final String UNKNOWN_SCHEMA = dev.advmon.registry.SchemaNotFoundException.REASON;

  @Option(names = "--config", paramLabel = "FILE",
      description = "The monitor's properties file: its Kafka, registry and topics.* settings are used; the environment (ADVMON_...) overrides it.")
  Path config;

  @Option(names = "--reason", paramLabel = "R",
      description = "Send dead letters of this reason (repeatable). Default: the transient ones, REGISTRY_REQUEST_FAILED, SCORING_FAILED, OUTPUT_FAILED and PROCESSING_FAILED (the registry, the model or engine, writing the outputs: not the frame's fault, so they score once that is fixed); a frame of any other reason is the producer's fault and will likely come back (a warning says so). A name that is not a reason the monitor writes is refused, naming the reason meant when it is close to one (BAD_MAGIC, scoring_failed), else the reasons it writes. A value cut short (valueSize set) is never sent.")
  List<String> reasons = new ArrayList<>();

  @Option(names = "--camera", paramLabel = "ID", description = "Only dead letters of this camera (repeatable): the"
      + " dead letter's cameraId, or, where that is empty (PROCESSING_FAILED, OUTPUT_FAILED), the camera id in the"
      + " frame it kept, or, where that is cut or does not read as a frame, the record key.")
  List<String> cameras = new ArrayList<>();

  @Option(names = "--since", paramLabel = "ISO", converter = InstantOption.class, description = "Only dead letters whose record timestamp (the frame's own: a dead letter keeps its frame's time) is at or after this "
      + "instant, given with its offset or zone, for example:"
      + "%n  2026-12-06T10:00:00Z%n  2026-12-06T11:00+01:00%n  2026-12-06T11:00[Europe/Paris]")
  Instant since;

  @Option(names = "--until", paramLabel = "ISO", converter = InstantOption.class,
      description = "Only dead letters whose record timestamp is before this instant (written as for --since).")
  Instant until;

  @Option(names = "--dry-run", description = "Read and print the summary; send nothing. Exit status 3 when the same run without it would be refused.")
  boolean dryRun;

  @Option(names = "--again", description = "Send also the dead letters that an earlier run sent: their frames get a second verdict "
      + "(each run remembers what it sent, in the consumer group that is named <streams.application-id>-redrive).")
  boolean again;

  /**
   * {@code --since}/{@code --until}: picocli's own refusal of "2026-12-06" named java.time's exception and gave no
   * example of what is accepted.
   */
  static final class InstantOption implements CommandLine.ITypeConverter<Instant> {

    /** A local date and time with a zone name and no offset: 2026-12-06T11:00[Europe/Paris]. */
    private static final java.time.format.DateTimeFormatter LOCAL_IN_ZONE = new java.time.format.DateTimeFormatterBuilder()
        .append(java.time.format.DateTimeFormatter.ISO_LOCAL_DATE_TIME).appendLiteral('[').parseCaseSensitive()
        .appendZoneRegionId().appendLiteral(']').toFormatter(Locale.ROOT)
        // as ISO_ZONED_DATE_TIME: the default (smart) resolver took 2026-02-30 for 28 February and T24:00 for the
        // next midnight without a word
        .withResolverStyle(java.time.format.ResolverStyle.STRICT).withChronology(java.time.chrono.IsoChronology.INSTANCE);

    @Override
    public Instant convert(String value) {
      java.time.temporal.TemporalAccessor t;
      try {
        // not Instant.parse: it wants the seconds, and refused "2026-12-06T10:00Z" as if it lacked its zone
        t = java.time.format.DateTimeFormatter.ISO_ZONED_DATE_TIME.parse(value);
      } catch (java.time.format.DateTimeParseException e) {
        return inZone(value);
      }
      java.time.ZonedDateTime at = java.time.ZonedDateTime.from(t);
      java.time.ZoneOffset written = java.time.ZoneOffset.from(t);
      java.time.LocalDateTime local = java.time.LocalDateTime.from(t);
      if (!writtenOffsetIsTheZones(at.getZone(), local, written)) {
        // java.time takes the offset and ignores the zone: +02:00[Europe/Paris] in December is an hour off the
        // zone's local time, and which of the two was meant cannot be told
        String day = local.toString();
        List<java.time.ZoneOffset> offsets = at.getZone().getRules().getValidOffsets(local);
        throw new CommandLine.TypeConversionException("'" + value + "': " + written.getId() + " is not " + at.getZone()
            + "'s offset at " + day + " (" + offsets.stream().map(java.time.ZoneOffset::getId)
                .collect(java.util.stream.Collectors.joining(" or ")) + "): give " + offsets.stream()
                .map(o -> day + o.getId() + "[" + at.getZone() + "]").collect(java.util.stream.Collectors.joining(" or "))
            + ", or the time without the offset, " + day + "[" + at.getZone() + "]");
      }
      return at.toInstant();
    }

    /**
     * The offset written beside a zone name is one the zone has at that local time, or, for a time its clocks skip,
     * the offset before or after the change (the refusal of such a time suggests one).
     */
    private static boolean writtenOffsetIsTheZones(java.time.ZoneId zone, java.time.LocalDateTime local,
        java.time.ZoneOffset written) {
      java.time.zone.ZoneRules rules = zone.getRules();
      if (rules.isValidOffset(local, written)) {
        return true;
      }
      java.time.zone.ZoneOffsetTransition change = rules.getTransition(local);
      return change != null && change.isGap()
          && (written.equals(change.getOffsetBefore()) || written.equals(change.getOffsetAfter()));
    }

    /**
     * "[GMT+1]" and "[europe/paris]" name a zone that java.time reads only as "[GMT+01:00]" and "[Europe/Paris]" (zone
     * ids are case-sensitive); both were refused as if the value had no zone. Says how to write the zone, with the
     * whole value so written, when that is all that was wrong; null otherwise.
     */
    private static String zoneAsJavaTimeWritesIt(String value) {
      int open = value.lastIndexOf('[');
      if (open < 0 || !value.endsWith("]")) {
        return null;
      }
      String written = value.substring(open + 1, value.length() - 1);
      String id = null;
      String why = null;
      try {
        // ZoneId.of is more lenient than the parser: it takes GMT+1 and gives its id, GMT+01:00
        id = java.time.ZoneId.of(written).getId();
        why = "the zone " + written + " is read only as " + id + " (an offset's hours and minutes, two digits each)";
      } catch (java.time.DateTimeException notAZone) {
        for (String known : java.time.ZoneId.getAvailableZoneIds()) {
          if (known.equalsIgnoreCase(written)) {
            id = known;
            why = "zone ids are case-sensitive: " + written + " is read only as " + known;
            break;
          }
        }
      }
      if (id == null || id.equals(written)) {
        return null;
      }
      String rewritten = value.substring(0, open + 1) + id + "]";
      if (!readable(rewritten)) {
        return null; // something else is wrong too: the generic advice, with its examples
      }
      return why + ": give " + rewritten;
    }

    private static boolean readable(String value) {
      for (java.time.format.DateTimeFormatter f : List.of(java.time.format.DateTimeFormatter.ISO_ZONED_DATE_TIME,
          LOCAL_IN_ZONE)) {
        try {
          f.parse(value);
          return true;
        } catch (java.time.DateTimeException e) {
          // try the other form
        }
      }
      return false;
    }

    /**
     * ISO_ZONED_DATE_TIME wants the offset before a zone name; without it the zone's rules give the offset, unless the
     * clocks changed then: a time the zone skips or has twice is refused with the offsets to choose from, where
     * java.time would move it or take the earlier one without a word.
     */
    private static Instant inZone(String value) {
      java.time.LocalDateTime local;
      java.time.ZoneId zone;
      try {
        java.time.temporal.TemporalAccessor t = LOCAL_IN_ZONE.parse(value);
        local = java.time.LocalDateTime.from(t);
        zone = java.time.ZoneId.from(t);
      } catch (java.time.DateTimeException e) {
        String zoneAdvice = zoneAsJavaTimeWritesIt(value);
        if (zoneAdvice != null) {
          throw new CommandLine.TypeConversionException("'" + value + "' is not an instant: " + zoneAdvice);
        }
        throw new CommandLine.TypeConversionException("'" + value + "' is not an instant: give a date and a time "
            + "with its zone, e.g. 2026-12-06T10:00:00Z (UTC), 2026-12-06T11:00:00+01:00 or 2026-12-06T11:00[Europe/Paris]");
      }
      List<java.time.ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
      if (offsets.size() == 1) {
        return local.atOffset(offsets.get(0)).toInstant();
      }
      String at = value.substring(0, value.indexOf('['));
      if (offsets.isEmpty()) {
        throw new CommandLine.TypeConversionException("'" + value + "' does not exist in " + zone + " (its clocks "
            + "skip that hour): give a time outside it, or the offset, e.g. " + at + zone.getRules()
            .getOffset(local.minusHours(1)) + "[" + zone + "]");
      }
      throw new CommandLine.TypeConversionException("'" + value + "' happens twice in " + zone + " (its clocks go "
          + "back): give the offset, " + at + offsets.get(0) + "[" + zone + "] or " + at + offsets.get(1) + "[" + zone + "]");
    }
  }

  /** Overrides for tests (settings as --config would give them). */
  Map<String, String> overrides = Map.of();
  PrintStream out = System.out;
  PrintStream err = System.err;
  /** How long the broker may take to answer the dead-letter topic's metadata (tests shorten it). */
  Duration metadataTimeout = Duration.ofSeconds(60);
  /** Where a refusal's advice points on Kubernetes: the user made for redrive, not the monitor's. */
  private static final String K8S_USER = "on Kubernetes the KafkaUser advmon-redrive of "
      + ModelDocs.project("k8s/strimzi/user-redrive.yaml") + " grants all of them ("
      + ModelDocs.projectReadme("Deploy on Kubernetes") + ")";
  /** Who redrive logs in as and where, for the kafka-acls.sh commands of a refusal (placeholders until call()). */
  private AclAdvice acls = AclAdvice.forClient(Map.of());
  /** Batches this run has committed (sent and remembered), for what an error says was sent. */
  private int committedBatches;
  /** Set by {@link #stop()}: no batch is begun after it. */
  private volatile boolean stopRequested;
  /** Set once it reads the dead letters: before, a stop has nothing to wait for (nothing sent, nothing open). */
  private volatile boolean reading;
  /** How long a Ctrl-C or SIGTERM waits for the batch in flight and the summary (Kubernetes allows 30 s by default). */
  private static final Duration STOP_WAIT = Duration.ofSeconds(15);

  @Override
  public Integer call() throws Exception {
    for (String r : reasons) {
      if (TRANSIENT.contains(r) || PERMANENT.contains(r)) {
        continue;
      }
      // taken as named, a reason the monitor does not write chooses nothing: the run read the whole topic to send
      // none of what was meant, nor the defaults it replaced, and exited 0
      String meant = meant(r);
      throw new IllegalArgumentException("--reason " + r + " is not a reason this monitor writes; " + (meant != null
          ? "did you mean " + meant + "? Reasons are written as they appear in the summary and in DeadLetter.reason"
              + " (upper case)"
          : "give a reason it writes: " + String.join(", ", new java.util.TreeSet<>(TRANSIENT)) + " (not the frame's"
              + " fault, sent by default) or " + String.join(", ", new java.util.TreeSet<>(PERMANENT))
              + " (the producer's fault)"));
    }
    if (since != null && until != null && !until.isAfter(since)) {
      // no timestamp is at or after --since and before --until: the run would read the whole topic to send nothing
      throw new IllegalArgumentException("--until " + until + " is not after --since " + since
          + ": no dead letter can be chosen; give an --until later than --since (or leave one out)");
    }
    MonitorConfig c = MonitorConfig.load(config, System.getenv(), overrides, Main.home()).validated()
        .require(RunCommand.REQUIRED);
    dev.advmon.config.KafkaTlsStores.check(c); // as run: before its clients fail naming no setting
    Selection selection = new Selection(reasons.isEmpty() ? TRANSIENT : Set.copyOf(reasons), Set.copyOf(cameras),
        since, until, c.string("topics.frames"));
    // its own lines: in json mode JSON lines at their level, as the log around them, not plain text a pipeline drops
    PrintStream log = dev.advmon.logging.JsonLinesStream.of(err, RedriveCommand.class.getName());
    for (String r : reasons) {
      if (PERMANENT.contains(r)) {
        log.println("warning: " + r + " is the producer's fault (or a limit the frame is over): unless that was fixed,"
            + " these frames will come back as " + r + " dead letters" + (r.equals(UNKNOWN_SCHEMA)
                ? unknownIdRemembered(c) : ""));
      }
    }
    acls = AclAdvice.forClient(c.kafkaClientProperties());
    java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
    Thread onSignal = new Thread(() -> {
      stop();
      if (!reading) {
        // still connecting (up to a minute with a broker that does not answer): end now, as before
        log.println("warning: stopped before reading any dead letter: nothing was sent");
        return;
      }
      try {
        if (!finished.await(STOP_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
          // a batch whose commit waits for a broker that stopped answering
          log.println("warning: redrive did not stop within " + STOP_WAIT.toSeconds() + " s (a batch in flight, a"
              + " broker that does not answer): what it had not committed is neither sent nor remembered, and a"
              + " transaction it left open is aborted by the next run (or by the broker after transaction.timeout.ms);"
              + " run redrive again");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "redrive-stop");
    Runtime.getRuntime().addShutdownHook(onSignal);
    try {
      return run(c, selection, log);
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(onSignal);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it returns now that the run has finished
      }
    }
  }

  private int run(MonitorConfig c, Selection selection, PrintStream log) throws Exception {
    String dlq = c.string("topics.dead-letter");
    dev.advmon.registry.SchemaRegistry registry = AvroSerde.registryFor(Wiring.registrySettings(c));
    Deserializer<DeadLetter> values = new AvroSerde<>(DeadLetter.class, registry, false, false).deserializer();
    // as the monitor reads a frame: the registry's wire format, the writer's schema from the registry
    Deserializer<Frame> frames = new AvroSerde<>(Frame.class, registry, false, false).deserializer();
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
      summary = copy(consumer, producer, partitions, selection, values, frames);
    } catch (org.apache.kafka.common.KafkaException e) {
      // Kafka's own message ("Not authorized to access topics: [...]") names neither the operation nor the fix
      org.apache.kafka.common.errors.TopicAuthorizationException refused = topicRefusal(e);
      if (refused == null) {
        java.util.Optional<String> tls = dev.advmon.topology.BrokerTls.advice(e);
        if (tls.isPresent()) {
          throw new IllegalStateException("Kafka at " + c.string("kafka.bootstrap.servers") + " (kafka.bootstrap"
              + ".servers): " + tls.get() + "; " + sentSoFar(), e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
          if (t instanceof org.apache.kafka.common.errors.AuthenticationException login) {
            // Kafka's words ("Authentication failed: Invalid username or password") name no setting; on Kubernetes the
            // password is a copy, which nothing updates, that goes stale when the KafkaUser's changes
            throw new IllegalStateException("Kafka at " + c.string("kafka.bootstrap.servers") + " (kafka.bootstrap"
                + ".servers) refused redrive's login (" + login.getMessage() + "); check "
                + dev.advmon.topology.Failures.LOGIN_CHECKS + "; on Kubernetes the Job reads the password from the"
                + " Secret advmon-redrive-kafka, a copy of the KafkaUser advmon-redrive's, which nothing updates:"
                + " make it again as " + ModelDocs.projectReadme("Deploy on Kubernetes") + " shows; " + sentSoFar(), e);
          }
        }
        throw e;
      }
      throw new IllegalStateException(topicAcls(refused, dlq, selection.framesTopic()), e);
    }
    out.print(summary.asText(dryRun, selection.framesTopic(), dlq));
    return exitStatus(summary, selection.framesTopic(), log);
  }

  /**
   * A schema registered just before the run is not enough: the monitor remembers an id the registry did not know for
   * registry.unknown-id-cache-ms, and a frame sent back within that time fails again as UNKNOWN_SCHEMA.
   */
  private static String unknownIdRemembered(MonitorConfig c) {
    long ms = c.longValue("registry.unknown-id-cache-ms");
    if (ms == 0) {
      return "";
    }
    return "; once their schemas are registered, the monitor still takes an id it found missing as missing for"
        + " registry.unknown-id-cache-ms (" + (ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms") + "): run redrive"
        + " that long after registering, or they come back all the same";
  }

  /**
   * What a run that read every dead letter it chose ends with: its warning or error lines on {@code log}, and its exit
   * status (the help's list). A dry run whose real run would be refused is not a success: the committed Job
   * (k8s/jobs/redrive) runs --dry-run, and exiting 0 it showed complete, as if the real run could follow.
   */
  static int exitStatus(Summary summary, String framesTopic, PrintStream log) {
    if (summary.refusedForReal != null) {
      log.println("warning: without --dry-run this run would be refused before sending anything (exit status "
          + DRY_RUN_REFUSED + "): " + summary.refusedForReal);
    }
    if (!summary.otherTopics.isEmpty()) {
      log.println("error: refused dead letters of " + String.join(", ", summary.otherTopics)
          + ": they were not read from the frames topic " + framesTopic
          + " (topics.frames); run redrive with that monitor's configuration (the next run skips them without an"
          + " error once a run without --dry-run has refused them and read to its end)");
    }
    if (!summary.refusedBefore.isEmpty()) {
      // a line, not an error: the run that refused them exited 1, and a scheduled Job must not fail on them until
      // retention deletes them
      log.println("warning: skipped " + summary.refusedBefore.entrySet().stream().map(e -> e.getValue()
          + " dead letter(s) of " + e.getKey()).collect(java.util.stream.Collectors.joining(", "))
          + ", refused by an earlier run: they were not read from the frames topic " + framesTopic + " (topics.frames);"
          + " to send them, run redrive with the configuration of the monitor that reads that topic");
    }
    // the refusal first: the real run would send nothing at all
    return summary.refusedForReal != null ? DRY_RUN_REFUSED : summary.otherTopics.isEmpty() ? 0 : OTHER_TOPIC_REFUSED;
  }

  /**
   * The reason the monitor writes that {@code named}, not one itself, most likely means: the same in another case or
   * with {@code -} for {@code _}, the one reason it begins (at least 4 characters), or one within three edits; null
   * when none is that close (refused then with the list of reasons).
   */
  static String meant(String named) {
    String plain = named.strip().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    Set<String> known = new java.util.TreeSet<>(TRANSIENT);
    known.addAll(PERMANENT);
    if (known.contains(plain)) {
      return plain;
    }
    List<String> begun = known.stream().filter(k -> plain.length() >= 4 && k.startsWith(plain)).toList();
    if (begun.size() == 1) {
      return begun.get(0);
    }
    return dev.advmon.config.Spelling.nearest(plain, known);
  }

  /**
   * Reads {@code partitions} of the dead-letter topic from the start (or {@code --since}) up to the end offsets taken
   * once, before the first read, and sends each chosen dead letter's frame; {@code producer} null: a dry run. Apart
   * from {@link #call()} so that a test can append to the topic while it reads. {@code frames} reads the camera id of
   * a dead letter without one from the frame it kept, for a selection by camera.
   */
  Summary copy(Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, List<TopicPartition> partitions,
      Selection selection, Deserializer<DeadLetter> values, Deserializer<Frame> frames) throws Exception {
    Summary summary = new Summary();
    String dlq = partitions.get(0).topic();
    String group = consumer.groupMetadata().groupId();
    consumer.assign(partitions);
    if (producer != null) {
      // first: it fences an earlier run still going (or dead with a transaction open, which is aborted), so that what
      // is read as remembered next is final
      withAcls(group, producer::initTransactions);
    }
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
    Map<TopicPartition, RedriveMemory> memory = remembered(consumer, partitions, group, producer == null);
    // only then: reading a kept frame costs a registry lookup, and a run that chooses by no camera needs none
    boolean byFrameCamera = selection.byFrameCamera() || memory.values().stream()
        .anyMatch(m -> m.runs().stream().anyMatch(run -> run.selection().byFrameCamera()));
    seek(consumer, partitions, end);
    Map<TopicPartition, Long> from = new HashMap<>();
    partitions.forEach(tp -> from.put(tp, consumer.position(tp)));
    Map<TopicPartition, Long> logStart = consumer.beginningOffsets(partitions, metadataTimeout);
    try {
      checkMemoryFits(memory, from, end, logStart, selection, group);
    } catch (IllegalStateException refused) {
      if (producer != null) {
        throw refused;
      }
      // a dry run is how an operator checks a run before making it: it says so, rather than "would send" what the
      // real run then refuses to send
      summary.refusedForReal = refused.getMessage().replaceFirst("^nothing was sent: ", "");
    }
    Set<TopicPartition> open = new LinkedHashSet<>(partitions);
    open.removeIf(tp -> consumer.position(tp) >= end.get(tp));
    long lastProgress = System.nanoTime();
    reading = true;
    boolean inTransaction = false; // within one batch: begun at its poll, committed at its end
    boolean ended = false; // whether the last commit said that the run read to its end
    while (!open.isEmpty() && !stopRequested) {
      var polled = consumer.poll(Duration.ofMillis(500));
      if (stopRequested) {
        break; // what it polled is not counted, sent or remembered: the next run reads it
      }
      if (!polled.isEmpty()) {
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
        // an unreachable broker would otherwise keep an operator's terminal waiting without a word
        throw new IllegalStateException("read nothing from " + dlq + " for " + STALL.toSeconds() + " s while "
            + open + " had records left before the end offsets taken at start; is the broker reachable?");
      }
      // one transaction per batch: the frames and what they are remembered as, or neither
      try {
        if (producer != null && !polled.isEmpty() && !inTransaction) {
          producer.beginTransaction();
          inTransaction = true;
        }
        for (ConsumerRecord<byte[], byte[]> r : polled) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (r.offset() >= end.get(tp)) {
            continue;
          }
          DeadLetter dl = decode(values, r, producer == null);
          String keptCamera = byFrameCamera ? keptCamera(frames, dl, r, producer == null) : null;
          Decision d = selection.decide(dl, r.timestamp(), r.key(), keptCamera);
          if (d == Decision.SEND && !again
              && memory.get(tp).sent(r.offset(), dl, r.timestamp(), r.key(), keptCamera)) {
            d = Decision.ALREADY_SENT;
          }
          // with --again too: it sends again what was sent, and a refused dead letter is never sent; failing every
          // later run over it failed a scheduled Job until retention deleted it, with nothing to acknowledge it by
          if (d == Decision.OTHER_TOPIC
              && memory.get(tp).refused(r.offset(), dl, r.timestamp(), r.key(), keptCamera)) {
            d = Decision.REFUSED_BEFORE;
          }
          summary.count(dl == null ? Summary.UNREADABLE : dl.getReason().toString(), d);
          if (d == Decision.OTHER_TOPIC) {
            summary.otherTopics.add(dl.getSourceTopic().toString());
          } else if (d == Decision.REFUSED_BEFORE) {
            summary.refusedBefore.merge(dl.getSourceTopic().toString(), 1, Integer::sum);
          }
          if (d == Decision.SEND && producer != null) {
            // the dead letter's timestamp is its frame's (Kafka Streams keeps the input's time): the frame keeps it;
            // a send that fails fails the commit, and the batch is neither visible nor remembered
            producer.send(frameRecord(selection.framesTopic(), dl, r.timestamp(),
                r.topic() + "-" + r.partition() + "@" + r.offset()));
          }
        }
        if (inTransaction) {
          // the last batch says the run read to its end, and so said what it refused (before, a run stopped by an
          // error after a batch with a refusal had it remembered as said, and no run ever failed on it)
          ended = partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
          commit(consumer, producer, partitions, selection, memory, from, end, logStart, ended);
          inTransaction = false;
          committedBatches++;
        }
      } catch (RuntimeException e) {
        if (inTransaction) {
          abortQuietly(producer, e);
        }
        throw e;
      }
      open.removeIf(tp -> consumer.position(tp) >= end.get(tp));
    }
    summary.stopped = !open.isEmpty();
    if (producer != null && committedBatches > 0 && !ended && !summary.stopped) {
      // its last batch ended before the end offsets (a transaction marker after it, read by an empty poll): say so
      producer.beginTransaction();
      try {
        commit(consumer, producer, partitions, selection, memory, from, end, logStart, true);
      } catch (RuntimeException e) {
        abortQuietly(producer, e);
        throw e;
      }
    }
    return summary;
  }

  /** Commits, with the open transaction, what was read of {@code partitions} with the earlier runs' record. */
  private void commit(Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
      List<TopicPartition> partitions, Selection selection, Map<TopicPartition, RedriveMemory> memory,
      Map<TopicPartition, Long> from, Map<TopicPartition, Long> end, Map<TopicPartition, Long> logStart,
      boolean ended) {
    Map<TopicPartition, OffsetAndMetadata> progress = new HashMap<>();
    for (TopicPartition tp : partitions) {
      long read = Math.min(consumer.position(tp), end.get(tp));
      RedriveMemory now = memory.get(tp).with(new RedriveMemory.Run(from.get(tp), read, selection, ended),
          logStart.get(tp));
      progress.put(tp, new OffsetAndMetadata(now.committedOffset(read), now.encode()));
    }
    // each batch on its own: checkMemoryFits made sure that every record on the way fits
    withAcls(consumer.groupMetadata().groupId(), () -> {
      producer.sendOffsetsToTransaction(progress, consumer.groupMetadata());
      producer.commitTransaction();
    });
  }

  /** What earlier runs sent, per partition: the metadata of the redrive group's committed offsets. */
  private Map<TopicPartition, RedriveMemory> remembered(Consumer<byte[], byte[]> consumer,
      List<TopicPartition> partitions, String group, boolean dryRun) {
    // read_committed: waits for a commit still pending in the group (KIP-447), so a run just fenced is seen whole
    Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
    try {
      withAcls(group, () -> committed.putAll(consumer.committed(Set.copyOf(partitions), metadataTimeout)));
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new IllegalStateException(notRemembered(group, dryRun, e), e);
    }
    Map<TopicPartition, RedriveMemory> memory = new HashMap<>();
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata o = committed.get(tp);
      try {
        memory.put(tp, o == null ? RedriveMemory.NONE : RedriveMemory.decode(o.metadata()));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("the consumer group " + group + " has committed an offset of " + tp
            + " that is not redrive's record of what it sent (" + e.getMessage() + "); the group is redrive's alone:"
            + " if another application uses it, give that one another group; to forget what redrive sent, delete it"
            + " (kafka-consumer-groups.sh --delete --group " + group + ")", e);
      }
    }
    return memory;
  }

  /**
   * Why what earlier runs sent could not be read. A dry run fences nobody, so a run that died with its transaction
   * open (kill -9, a lost connection) keeps the group's offsets pending until the broker aborts it, after the
   * producer's transaction.timeout.ms (60 s by default): read_committed waits for it, and Kafka's own message only
   * says to raise default.api.timeout.ms.
   */
  private String notRemembered(String group, boolean dryRun, RuntimeException e) {
    String why = "no answer within " + metadataTimeout.toSeconds() + " s about what earlier runs sent (the committed"
        + " offsets of the consumer group " + group + ", " + e.getMessage() + "); nothing was sent; ";
    if (dryRun) {
      return why + "most likely a redrive run holds a transaction open there: one is running, or one stopped without"
          + " finishing (the broker aborts its transaction after transaction.timeout.ms, 60 s by default); run the dry"
          + " run again once it has finished or in a minute, or run redrive without --dry-run, which aborts a stopped"
          + " run's transaction at once (and stops one still running); if it persists, check the broker";
    }
    return why + "check that the broker is running and reachable from here, then run redrive again";
  }

  /**
   * Fails before anything is sent if a commit of this run would be over Kafka's limit on commit metadata, or if its
   * record would leave no room for the run that takes all earlier ones in. That room is what lets every batch be
   * committed on its own: a batch kept open until the record fits could hold every dead letter the earlier runs read,
   * in a transaction the broker aborts after transaction.timeout.ms, while the monitor's read_committed reading of the
   * frames partitions waits for it.
   */
  private static void checkMemoryFits(Map<TopicPartition, RedriveMemory> memory, Map<TopicPartition, Long> from,
      Map<TopicPartition, Long> end, Map<TopicPartition, Long> logStart, Selection selection, String group) {
    for (var e : memory.entrySet()) {
      TopicPartition tp = e.getKey();
      RedriveMemory before = e.getValue();
      // its commits before the last say it has not ended yet
      RedriveMemory.Run whole = new RedriveMemory.Run(from.get(tp), end.get(tp), selection, false);
      if (whole.from() >= whole.to()) {
        continue; // nothing to read there: its record is committed as it is
      }
      int largest = before.largestCommit(whole, logStart.get(tp));
      RedriveMemory after = before.with(new RedriveMemory.Run(from.get(tp), end.get(tp), selection),
          logStart.get(tp));
      // a run that makes the record smaller is a step towards room, whatever is left
      boolean noRoom = after.bytes() >= before.bytes() && !after.leavesRoomToTakeAllIn(selection.framesTopic());
      if (largest > RedriveMemory.MAX_BYTES || noRoom) {
        Set<String> reasons = new java.util.TreeSet<>(before.reasons());
        reasons.addAll(selection.reasons());
        throw new IllegalStateException("nothing was sent: redrive remembers what it sent from " + tp + " in the"
            + " commit metadata of the group " + group + ", which Kafka holds to offset.metadata.max.bytes ("
            + RedriveMemory.MAX_BYTES + " bytes by default), and the earlier runs' record with this run's would take "
            + Math.max(largest, after.bytes()) + " bytes" + (noRoom && largest <= RedriveMemory.MAX_BYTES
                ? ", leaving no room for the run that takes them in" : "")
            + ", as after many runs with different --camera/--since/--until; run redrive once with"
            + reasons.stream().map(r -> " --reason " + r).collect(java.util.stream.Collectors.joining())
            + " and no --camera, --since or --until (it takes their records in; it also sends every dead letter of"
            + " those reasons, of every camera and time, that no run has sent yet: see how many with --dry-run first),"
            + " then narrow again; if that run is"
            + " refused too, the record was filled by an earlier version of redrive that kept no room for it: delete"
            + " the group (kafka-consumer-groups.sh --delete --group " + group + "), which forgets what was sent (the"
            + " next run sends it again)");
      }
    }
  }

  /** The broker's refusal of a topic in {@code e} or its causes (a refused send surfaces at commit, wrapped or not). */
  private static org.apache.kafka.common.errors.TopicAuthorizationException topicRefusal(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.apache.kafka.common.errors.TopicAuthorizationException refused) {
        return refused;
      }
    }
    return null;
  }

  /** Which topic ACLs redrive lacks, how to grant them, and what was sent before the refusal. */
  private String topicAcls(org.apache.kafka.common.errors.TopicAuthorizationException e, String dlq, String frames) {
    List<String> grants = new ArrayList<>();
    for (String topic : new java.util.TreeSet<>(e.unauthorizedTopics())) {
      if (topic.equals(dlq)) {
        grants.add("Read and Describe on the dead-letter topic " + dlq + " (topics.dead-letter; "
            + acls.command(AclAdvice.Resource.topics(List.of(dlq)), List.of("Read", "Describe")) + ")");
      } else if (topic.equals(frames)) {
        grants.add("Write and Describe on the frames topic " + frames + " (topics.frames; "
            + acls.command(AclAdvice.Resource.topics(List.of(frames)), List.of("Write", "Describe")) + ")");
      } else {
        grants.add("access to the topic " + topic);
      }
    }
    return "not authorized (" + e.getMessage() + "): redrive reads the dead letters from " + dlq + " and sends their"
        + " frames to " + frames + "; grant " + acls.principal() + " " + String.join(" and ", grants) + " ("
        + AclAdvice.ADMIN_PROPERTIES + "; " + K8S_USER + "); " + sentSoFar();
  }

  /** What a run stopped by an error has sent: its committed batches, remembered; the open one is aborted. */
  private String sentSoFar() {
    return committedBatches == 0 ? "nothing was sent"
        : "the " + committedBatches + " batch(es) this run committed before stay sent and remembered (the next run"
            + " does not send them again), the rest was not sent";
  }

  /** Runs {@code call}, saying which ACL redrive lacks when the broker refuses its group or transactional id. */
  private void withAcls(String group, Runnable call) {
    try {
      call.run();
    } catch (org.apache.kafka.common.errors.GroupAuthorizationException
        | org.apache.kafka.common.errors.TransactionalIdAuthorizationException e) {
      throw new IllegalStateException("not authorized (" + e.getMessage() + "): redrive remembers what it sent in"
          + " the consumer group " + group + " and commits it with the transactional id " + group + "; grant "
          + acls.principal() + " Read and Describe on the group " + group + " and Write and Describe on the"
          + " transactional id " + group + " (" + acls.command(AclAdvice.Resource.group(group), List.of("Read",
              "Describe")) + ", then " + acls.command(AclAdvice.Resource.transactionalId(group), List.of("Write",
              "Describe")) + "; " + AclAdvice.ADMIN_PROPERTIES + "; " + K8S_USER + "); " + sentSoFar(), e);
    } catch (org.apache.kafka.common.errors.ProducerFencedException
        | org.apache.kafka.common.errors.InvalidProducerEpochException e) {
      throw new IllegalStateException("another redrive started with the transactional id " + group + " and stopped"
          + " this one (" + e.getMessage() + "): this run's last batch was neither sent nor remembered, its earlier"
          + " batches are remembered; let the other run finish, then run redrive again if needed", e);
    }
  }

  private static void abortQuietly(Producer<byte[], byte[]> producer, RuntimeException cause) {
    try {
      producer.abortTransaction();
    } catch (RuntimeException e) {
      // fenced or closed: the broker aborts the transaction when the next run starts (or at its timeout)
      cause.addSuppressed(e);
    }
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

  private static DeadLetter decode(Deserializer<DeadLetter> values, ConsumerRecord<byte[], byte[]> r,
      boolean dryRun) {
    if (r.value() == null) {
      return null;
    }
    try {
      return values.deserialize(r.topic(), r.value());
    } catch (dev.advmon.registry.RegistryUnavailableException | dev.advmon.registry.RegistryRequestException e) {
      // not the dead letter's fault: counted as unreadable, a later run would take it as read, and, if its selection
      // chose it, as sent
      throw new IllegalStateException("could not read the dead letter at " + r.topic() + "-" + r.partition() + "@"
          + r.offset() + " (" + e.getMessage() + "); " + (dryRun ? "a dry run sends nothing, and this one stopped"
              + " before counting all: run redrive again once the registry answers"
              : "what this run committed before is remembered, the rest was not sent: run redrive again once the"
              + " registry answers"), e);
    } catch (RuntimeException e) {
      return null; // counted as unreadable; nothing to send
    }
  }

  /** Reasons of the dead letters Kafka Streams' error handlers write: read that far, but without the frame's ids. */
  private static final Set<String> HANDLERS_REASONS = Set.of("PROCESSING_FAILED", "OUTPUT_FAILED");

  /**
   * The camera id of the frame {@code dl} kept, for a dead letter of Kafka Streams' error handlers
   * (PROCESSING_FAILED, an OUTPUT_FAILED found while writing), which see only the record's bytes, though the monitor
   * had read the frame. Read as the monitor reads a frame; null for any other dead letter (one without a camera field
   * was not read that far, and its record key is taken, as before), when it kept no whole value, or when its value
   * does not read as a frame or the registry refuses that frame's schema (a 4xx that is the record's: the record key
   * then). A registry that does not answer, or refuses this client (credentials, URL), stops the run, as for the dead
   * letter itself: taking the key then would choose by another id than the next run does. Only the handlers' dead
   * letters: reading every camera-less one's frame stopped a run at a REGISTRY_REQUEST_FAILED dead letter whose schema
   * the registry still refused, and, once a run by camera was remembered, every later run too (found by review).
   */
  private static String keptCamera(Deserializer<Frame> frames, DeadLetter dl, ConsumerRecord<byte[], byte[]> r,
      boolean dryRun) {
    if (dl == null || dl.getCameraId() != null || dl.getValue() == null || dl.getValueSize() != null
        || !HANDLERS_REASONS.contains(dl.getReason().toString())) {
      return null;
    }
    try {
      Frame frame = frames.deserialize(dl.getSourceTopic().toString(), bytes(dl.getValue()));
      return frame == null || frame.getCameraId() == null ? null : frame.getCameraId().toString();
    } catch (dev.advmon.registry.RegistryRequestException e) {
      if (!e.misconfigured()) {
        return null; // the registry answered, and will again: this record's schema, as the monitor would dead-letter
      }
      throw keptFrameUnread(e, r, dryRun);
    } catch (dev.advmon.registry.RegistryUnavailableException e) {
      throw keptFrameUnread(e, r, dryRun);
    } catch (RuntimeException e) {
      return null; // not a frame that reads (the monitor would have said BAD_AVRO or the like): the record key
    }
  }

  private static IllegalStateException keptFrameUnread(RuntimeException e, ConsumerRecord<byte[], byte[]> r,
      boolean dryRun) {
    return new IllegalStateException("could not read the frame kept in the dead letter at " + r.topic() + "-"
        + r.partition() + "@" + r.offset() + " for its camera id (" + e.getMessage() + "); " + (dryRun
            ? "a dry run sends nothing, and this one stopped before counting all: run redrive again once the"
            + " registry answers"
            : "what this run committed before is remembered, the rest was not sent: run redrive again once the"
            + " registry answers"), e);
  }

  /**
   * The frame of {@code dl} as sent back: its original key, value and timestamp, marked with
   * {@link dev.advmon.topology.RedrivenFrames#HEADER} (the dead letter's reason), so that the monitor's frame latency
   * metric leaves out a delay that is the dead letter's age, and with {@code from}, the dead letter's
   * {@code <topic>-<partition>@<offset>} ({@link dev.advmon.topology.RedrivenFrames#FROM_HEADER}), which its verdict
   * names, so that downstream can tell it from a first verdict and link it to its dead letter.
   */
  static ProducerRecord<byte[], byte[]> frameRecord(String framesTopic, DeadLetter dl, long timestamp, String from) {
    ProducerRecord<byte[], byte[]> frame = new ProducerRecord<>(framesTopic, null, timestamp, bytes(dl.getKey()),
        bytes(dl.getValue()));
    frame.headers().add(dev.advmon.topology.RedrivenFrames.HEADER,
        dl.getReason().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    frame.headers().add(dev.advmon.topology.RedrivenFrames.FROM_HEADER,
        from.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return frame;
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
    p.put(ConsumerConfig.GROUP_ID_CONFIG, redriveId(c)); // what was sent is committed there, never by the consumer
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
    // one id for every run: a run fences an earlier one still going, so two operators cannot send the same frames
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, redriveId(c));
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // ordered per partition with idempotence (at most 5 in flight), so a camera's frames keep the dead letters' order
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    RecordLimits limits = limits(c);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (int) limits.maxRequestBytes());
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(32L * 1024 * 1024, 4 * limits.maxMessageBytes()));
    return p;
  }

  /**
   * The consumer group and transactional id of redrive. The monitor's transactional-id ACL prefix covers it, but not
   * its group ACL, which is literal: redrive runs as a user of its own (k8s/strimzi/user-redrive.yaml).
   */
  static String redriveId(MonitorConfig c) {
    return c.string("streams.application-id") + "-redrive";
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

  /**
   * Ends the run after the batch in flight: called by the shutdown hook on Ctrl-C or SIGTERM (and by tests). Without
   * it the JVM ended mid-batch with its transaction open, which held back the monitor's read_committed reading of the
   * frames partitions in it until the broker aborted it, transaction.timeout.ms later.
   */
  void stop() {
    stopRequested = true;
  }

  /** What becomes of one dead letter. */
  enum Decision {
    SEND("sent"), ALREADY_SENT("sent by an earlier run (--again sends it)"), REASON_NOT_CHOSEN("reason not chosen"), CAMERA_NOT_CHOSEN("other camera"),
    OUT_OF_TIME_RANGE("outside --since/--until"), VALUE_CUT("value cut (valueSize set): never sent"),
    NO_VALUE("no value"), OTHER_TOPIC("not from the frames topic: refused"),
    REFUSED_BEFORE("not from the frames topic: refused by an earlier run"), UNREADABLE("not a readable DeadLetter");

    final String label;

    Decision(String label) {
      this.label = label;
    }
  }

  /**
   * Which dead letters are sent: pure, so that it is tested without Kafka. {@code camerasByKey}: its cameras are
   * matched, for a dead letter without a camera field, against the record key alone, as a redrive before the kept
   * frame's camera was read did: its remembered runs keep meaning what they chose (a run without the mark in its
   * record is one of those); false for a run without cameras, which no camera rule concerns.
   */
  record Selection(Set<String> reasons, Set<String> cameras, Instant since, Instant until, String framesTopic,
      boolean camerasByKey) {

    Selection {
      camerasByKey = camerasByKey && !cameras.isEmpty();
    }

    Selection(Set<String> reasons, Set<String> cameras, Instant since, Instant until, String framesTopic) {
      this(reasons, cameras, since, until, framesTopic, false);
    }

    /** Whether it chooses by the camera of a dead letter's kept frame. */
    boolean byFrameCamera() {
      return !cameras.isEmpty() && !camerasByKey;
    }

    /** For a dead letter that has its camera field, or whose kept frame was not read. */
    Decision decide(DeadLetter dl, long timestamp, byte[] recordKey) {
      return decide(dl, timestamp, recordKey, null);
    }

    /** {@code keptCamera}: the camera id of the frame {@code dl} kept, when it has none itself; else null. */
    Decision decide(DeadLetter dl, long timestamp, byte[] recordKey, String keptCamera) {
      if (dl == null) {
        return Decision.UNREADABLE;
      }
      if ((since != null && timestamp < since.toEpochMilli()) || (until != null && timestamp >= until.toEpochMilli())) {
        return Decision.OUT_OF_TIME_RANGE;
      }
      if (!cameras.isEmpty() && !cameras.contains(camera(dl, recordKey, camerasByKey ? null : keptCamera))) {
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

    /** Whether every dead letter {@code other} chooses is chosen by this selection too. */
    boolean includes(Selection other) {
      return framesTopic.equals(other.framesTopic) && reasons.containsAll(other.reasons)
          && (cameras.isEmpty() || (!other.cameras.isEmpty() && camerasByKey == other.camerasByKey
              && cameras.containsAll(other.cameras)))
          && (since == null || (other.since != null && !other.since.isBefore(since)))
          && (until == null || (other.until != null && !other.until.isAfter(until)));
    }

    /**
     * The camera field; else the camera id of the frame the dead letter kept (those of Kafka Streams' error handlers
     * have no camera field, though the frame was read: a producer that keys frames by site hid them from --camera);
     * else, for a record that is no frame that reads, its key as text, which camera gateways set to the camera id.
     */
    private static String camera(DeadLetter dl, byte[] recordKey, String keptCamera) {
      if (dl.getCameraId() != null) {
        return dl.getCameraId().toString();
      }
      if (keptCamera != null) {
        return keptCamera;
      }
      return recordKey == null ? null : new String(recordKey, StandardCharsets.UTF_8);
    }
  }

  /** Counts per reason: read, sent, skipped (and why), cut. */
  static final class Summary {
    static final String UNREADABLE = "(unreadable)";
    final Map<String, Map<Decision, Integer>> counts = new TreeMap<>();
    final Set<String> otherTopics = new java.util.TreeSet<>();
    /** Dead letters of another frames topic that an earlier run refused (and exited 1 for), per source topic. */
    final Map<String, Integer> refusedBefore = new TreeMap<>();
    /** In a dry run, why the same run without --dry-run would be refused before it sent anything; else null. */
    String refusedForReal;
    /** Stopped by {@link RedriveCommand#stop()} before it read up to the end offsets taken at its start. */
    boolean stopped;

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
      if (stopped) {
        sb.append(String.format(Locale.ROOT, "stopped before the end (Ctrl-C or SIGTERM): the dead letters after"
            + " these were not read; %s%n", dryRun ? "run redrive again to count them"
                : "what was sent is remembered: run redrive again to send the rest"));
      }
      return sb.toString();
    }
  }
}
