package dev.advmon.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The monitor's meters. Names follow Micrometer's dotted convention; Prometheus sees them as
 * {@code advmon_frames_total}, {@code advmon_verdicts_total}, {@code advmon_frame_latency_seconds},
 * {@code advmon_inference_seconds}, {@code advmon_forward_passes},
 * {@code advmon_batch_frames} (frames per shared inference call), {@code advmon_batch_seconds},
 * {@code advmon_alerts_total{kind}}, {@code advmon_dead_letters_total{reason}}, {@code advmon_streams_restarts_total},
 * {@code advmon_model_info{model,version,engine,detectors}}, {@code advmon_streams_threads_alive},
 * {@code advmon_streams_state{state}},
 * {@code advmon_capture_time_not_millis_total}, {@code advmon_camera_partition_changes_total},
 * {@code advmon_cameras_in_campaign}, {@code advmon_tls_certificate_expiry_timestamp_seconds{address}}, plus
 * {@code kafka_stream_*}.
 *
 * <p>The counters are incremented as records are processed, so after a task restart under exactly-once the
 * frames it re-processes are counted again: they measure work done, while the output topics stay exact.
 */
public final class MonitorMetrics implements AutoCloseable {

  /** Every alert kind (Alert.avsc's {@code kind}): counted from 0, so that a rate sees the first one. */
  public static final java.util.List<String> ALERT_KINDS = java.util.List.of("PERTURBATION", "FOOLING",
      "OVERINTERPRETATION", "CAMPAIGN", "CAMPAIGN_CLEARED");

  /** Every dead-letter reason (DeadLetter.avsc's {@code reason}): counted from 0, as the alert kinds. */
  public static final java.util.List<String> DEAD_LETTER_REASONS = java.util.List.of("BAD_MAGIC_BYTE", "UNKNOWN_SCHEMA",
      "BAD_AVRO", "REGISTRY_REQUEST_FAILED", "RECORD_TOO_LARGE", "INVALID_FRAME", "UNDECODABLE_IMAGE", "IMAGE_TOO_LARGE",
      "SCORING_FAILED", "PROCESSING_FAILED", "OUTPUT_FAILED");

  private final MeterRegistry registry;
  private final Counter frames;
  private final Counter verdicts;
  private final Timer inference;
  private final Timer frameLatency;
  private final DistributionSummary forwardPasses;
  private final DistributionSummary batchFrames;
  private final Timer batchTime;
  private final Counter streamsRestarts;
  private final Counter captureTimeNotMillis;
  private final Counter cameraPartitionChanges;
  private KafkaStreamsMetrics streamsMetrics;
  /** Cameras in a campaign now, by the task whose camera store holds them: see {@link #camerasInCampaign}. */
  private final java.util.Map<String, Integer> camerasInCampaign = new java.util.concurrent.ConcurrentHashMap<>();

  private MonitorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.frames = Counter.builder("advmon.frames").description("Frame records read from the frames topic")
        .register(registry);
    // Counted by the verdicts sink, not with the inference timer: a frame whose verdict cannot be serialized is
    // scored (timed) but has an OUTPUT_FAILED dead letter as its outcome, not a verdict.
    this.verdicts = Counter.builder("advmon.verdicts").description("Verdicts written to the verdicts topic")
        .register(registry);
    this.inference = Timer.builder("advmon.inference")
        .description("Time a stream thread waits for its frame's verdict: the frame's share of a batched inference call with its detector probes, and the wait for the batch to form")
        .publishPercentileHistogram()
        .register(registry);
    // How late verdicts are, which the inference timer does not show: a monitor hours behind its cameras scores each
    // frame as fast. Fixed buckets up to 10 minutes: a timer's default ones end at 30 s, where a backlog only begins.
    this.frameLatency = Timer.builder("advmon.frame.latency")
        .description("Time from the frame record's timestamp to its verdict (the verdict's processingLatencyMs): the "
            + "backlog, the wait for the model and the scoring; frames sent back by redrive (their timestamp is their "
            + "first send's) are left out")
        .serviceLevelObjectives(java.util.stream.DoubleStream.of(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
                60, 120, 300, 600)
            .mapToObj(s -> java.time.Duration.ofMillis(Math.round(s * 1000))).toArray(java.time.Duration[]::new))
        .register(registry);
    // Fixed buckets around the budget (mean < 20): Micrometer's default percentile histogram for a summary without
    // bounds exports about 270 buckets up to 4e18 per instance, for a count that stays in the hundreds.
    this.forwardPasses = DistributionSummary.builder("advmon.forward.passes")
        .description("Images run through the model per frame (the frame plus every detector probe)")
        .serviceLevelObjectives(1, 2, 5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000)
        .register(registry);
    this.batchFrames = DistributionSummary.builder("advmon.batch.frames")
        .description("Frames whose inference calls were merged into one call of the model (model.batch.max-frames at most)")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128)
        .register(registry);
    this.batchTime = Timer.builder("advmon.batch")
        .description("Time of one merged call of the model")
        .publishPercentileHistogram()
        .register(registry);
    // A counter that first appears at 1 has no increase for Prometheus (no sample before it), so increase() and
    // rate() would miss the first alert of each kind after every pod start: most campaigns. Created at 0 instead.
    this.streamsRestarts = Counter.builder("advmon.streams.restarts")
        .description("Times the monitor closed a failed Kafka Streams client and started a new one in place (each attempt)")
        .register(registry);
    // A gauge, not the CAMPAIGN counter: increase() of that counter over a range falls back to 0 that long after the alert while the
    // camera is still attacked, so a rule on it resolved every campaign ten minutes in. Registered at 0 for a rule.
    io.micrometer.core.instrument.Gauge.builder("advmon.cameras.in.campaign",
            () -> camerasInCampaign.values().stream().mapToInt(Integer::intValue).sum())
        .description("Cameras in CAMPAIGN now, in this instance's camera stores (as of each task's last full sweep)")
        .strongReference(true)
        .register(registry);
    // A counter, not a log line: a producer in the wrong unit writes every frame so, and a WARN per frame (or per
    // camera, kept per camera in a map that a fleet makes large) would flood the log for one fix; the verdicts'
    // advmon.captureTime.written entry names the camera and the value. At 0 from the start, for a rate rule.
    this.captureTimeNotMillis = Counter.builder("advmon.capture.time.not.millis")
        .description("Verdicts whose frame's captureTime could not be epoch milliseconds and was read as micro- or "
            + "nanoseconds; the verdict's attribute advmon.captureTime.written names the value (fix the producer)")
        .register(registry);
    // The same for frames read from another partition than their camera's previous frame (a record key not stable per
    // camera, a producer that picks partitions itself, or partitions added); the verdict's advmon.partitionChanged
    // names both partitions and the key, and a WARN at most once a minute names a camera (see RecordKeys).
    this.cameraPartitionChanges = Counter.builder("advmon.camera.partition.changes")
        .description("Verdicts whose frame came from another frames partition than its camera's previous frame (a "
            + "record key that is not the same for every frame of a camera, a producer that picks partitions "
            + "itself, or partitions added): that camera's frames reach its campaign window in no fixed order; the "
            + "verdict's attribute advmon.partitionChanged names the partitions and the key (key frames by cameraId "
            + "in the producer)")
        .register(registry);
    ALERT_KINDS.forEach(kind -> alertCounter(kind));
    DEAD_LETTER_REASONS.forEach(reason -> deadLetterCounter(reason));
    // Kafka's own kafka_stream_client_state is the state's position in Kafka's enum (2 is RUNNING), labelled with the
    // process id, and goes with its client: while a failed one is replaced it has no series at all. One series per
    // state, each there from the start, reads as a name and stays through restarts, so that max_over_time() over a
    // range shows every state a scrape saw in it (a state shorter than the scrape interval may fall between two).
    for (KafkaStreams.State state : KafkaStreams.State.values()) {
      io.micrometer.core.instrument.Gauge.builder("advmon.streams.state", () -> {
            KafkaStreams current = boundStreams;
            return current != null && current.state() == state ? 1 : 0;
          })
          .description("1 for the state the monitor's current Kafka Streams client is in, 0 for the others (all 0 "
              + "before the first client is created)")
          .tag("state", state.name())
          .strongReference(true)
          .register(registry);
    }
  }

  /** Meters exported in the Prometheus text format by {@link #scrape()}. */
  public static MonitorMetrics prometheus() {
    return new MonitorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** Meters kept in memory only (tests, tools without an HTTP endpoint). */
  public static MonitorMetrics inMemory() {
    return new MonitorMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void frameReceived() {
    frames.increment();
  }

  /** A frame's verdict was serialized for the verdicts topic (its sink's serializer). */
  public void verdictWritten() {
    verdicts.increment();
  }

  /** A verdict was written whose frame's captureTime was read in another unit than milliseconds. */
  public void captureTimeNotMillis() {
    captureTimeNotMillis.increment();
  }

  /** A verdict was written whose frame came from another partition than its camera's previous frame. */
  public void cameraPartitionChanged() {
    cameraPartitionChanges.increment();
  }

  public void frameScored(long nanos, int passes) {
    inference.record(nanos, TimeUnit.NANOSECONDS);
    forwardPasses.record(passes);
  }

  /** A frame's verdict was made {@code millis} after its record's timestamp ({@code advmon_frame_latency_seconds}). */
  public void frameLatency(long millis) {
    frameLatency.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /**
   * Frames handed to the batcher whose stream threads still wait for their verdicts ({@code advmon_batch_pending}):
   * at most one per stream thread; none of them is committed yet.
   */
  public void pendingFrames(java.util.function.IntSupplier pending) {
    io.micrometer.core.instrument.Gauge.builder("advmon.batch.pending", pending::getAsInt)
        .description("Frames whose stream threads wait for the model now (queued or in the running call); not yet committed")
        .strongReference(true)
        .register(registry);
  }

  /**
   * What this instance scores with ({@code advmon_model_info{model,version,engine,detectors} 1}), so that a dashboard
   * or an alert rule can tell which weights and which detectors an instance runs, and that one runs none (a bundle
   * without calibration raises no alert at all; {@code detectors=""} shows it), without reading its log.
   */
  public void modelInfo(String model, String version, String engine, java.util.List<String> detectors) {
    io.micrometer.core.instrument.Gauge.builder("advmon.model.info", () -> 1)
        .description("1, labelled with the model (manifest name and version), the engine and the detectors in use")
        .tag("model", model).tag("version", version).tag("engine", engine)
        .tag("detectors", String.join(",", detectors))
        .strongReference(true)
        .register(registry);
  }

  private volatile java.util.function.LongSupplier abortedHanging;

  /**
   * Hanging transactions on the monitor's topics: found and not aborted now ({@code advmon_transactions_hanging}; each
   * stops every read_committed reader of its partition), and aborted by this process
   * ({@code advmon_transactions_hanging_aborted_total}).
   */
  public void hangingTransactions(java.util.function.IntSupplier unresolved, java.util.function.LongSupplier aborted) {
    io.micrometer.core.instrument.Gauge.builder("advmon.transactions.hanging", unresolved::getAsInt)
        .description("Hanging transactions found on the monitor's topics and not aborted (readers stop at each)")
        .strongReference(true)
        .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("advmon.transactions.hanging.aborted", aborted,
            java.util.function.LongSupplier::getAsLong)
        .description("Hanging transactions this process aborted on the topics it writes")
        .register(registry);
    abortedHanging = aborted; // a function counter holds its object weakly
  }

  private volatile java.util.function.LongSupplier lostSchemaIds;

  /**
   * Schema ids the monitor wrote with that the registry no longer had, or that it wrote with or read from frames and
   * the registry had given to another schema, found by the recheck or on a frame that did not decode, and forgotten
   * ({@code advmon_registry_schema_ids_lost_total}): the registry lost its data.
   */
  public void schemaIdsLost(java.util.function.LongSupplier lost) {
    io.micrometer.core.instrument.FunctionCounter.builder("advmon.registry.schema.ids.lost", lost,
            java.util.function.LongSupplier::getAsLong)
        .description("Schema ids this monitor wrote with or read that the registry lost (forgotten)")
        .register(registry);
    lostSchemaIds = lost; // a function counter holds its object weakly
  }

  /**
   * The earliest NotAfter of the TLS certificate chain {@code address} (host:port of a broker or the registry)
   * presents, in epoch seconds ({@code advmon_tls_certificate_expiry_timestamp_seconds{address}}; NaN until read), so
   * that a rule can page before a certificate expires: the monitor's open connections outlive it, the next fails.
   */
  public void certificateExpiry(String address, java.util.function.DoubleSupplier notAfterSeconds) {
    io.micrometer.core.instrument.Gauge.builder("advmon.tls.certificate.expiry.timestamp",
            notAfterSeconds::getAsDouble)
        .description("Earliest NotAfter (epoch seconds) of the certificate chain this TLS endpoint presented at the "
            + "last hourly look; NaN until a look succeeded")
        .baseUnit("seconds")
        // not "endpoint": the ServiceMonitor's target label of that name would rename it exported_endpoint
        .tag("address", address)
        .strongReference(true)
        .register(registry);
  }

  /** One shared inference call of {@code frames} frames took {@code nanos} (the batcher's listener). */
  public void batchScored(int frames, long nanos) {
    batchFrames.record(frames);
    batchTime.record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * The monitor restarts its Kafka Streams client after a failure: Kafka Streams' own failed-thread counter goes with
   * the old client (a new one starts at 0 a second later), so only this counter shows the failures to Prometheus.
   */
  public void streamsRestarted() {
    streamsRestarts.increment();
  }

  /**
   * {@code cameras} of the camera store of {@code task} (a Kafka Streams task id) are in CAMPAIGN, as its processor
   * counted them in a full sweep of the store ({@code advmon_cameras_in_campaign} is the sum over this instance's tasks).
   */
  public void camerasInCampaign(String task, int cameras) {
    camerasInCampaign.put(task, cameras);
  }

  /**
   * {@code task} left this instance (closed, or moved to another instance by a rebalance): its cameras count there.
   *
   * <p>Removed by task id alone, whoever counted it last: a closing processor cannot remove the count of the same task
   * of the next client of a restart. The camera store is persistent, so a Kafka Streams client holds the state
   * folder's lock from its creation until all its stream threads have ended (their processors closed); the next
   * client cannot be created, so not bound ({@link #bind}) nor its tasks started, before that.
   */
  public void camerasInCampaignGone(String task) {
    camerasInCampaign.remove(task);
  }

  public void alert(String kind) {
    alertCounter(kind).increment();
  }

  public void deadLetter(String reason) {
    deadLetterCounter(reason).increment();
  }

  private Counter alertCounter(String kind) {
    return Counter.builder("advmon.alerts").description("Alerts written, by kind").tag("kind", kind).register(registry);
  }

  private Counter deadLetterCounter(String reason) {
    return Counter.builder("advmon.dead.letters").description("Dead letters written, by reason").tag("reason", reason)
        .register(registry);
  }

  /** The counters as numbers, for the dashboard's summary (same caveat: work done, re-processing included). */
  public Counts counts() {
    return new Counts((long) frames.count(), (long) verdicts.count(), byTag("advmon.alerts", "kind"),
        byTag("advmon.dead.letters", "reason"));
  }

  private java.util.SortedMap<String, Long> byTag(String meter, String tag) {
    java.util.SortedMap<String, Long> out = new java.util.TreeMap<>();
    for (Counter c : registry.find(meter).counters()) {
      out.merge(String.valueOf(c.getId().getTag(tag)), (long) c.count(), Long::sum);
    }
    return out;
  }

  /** Frames read, verdicts written, alerts by kind and dead letters by reason, since start. */
  public record Counts(long frames, long verdicts, java.util.SortedMap<String, Long> alertsByKind,
      java.util.SortedMap<String, Long> deadLettersByReason) {

    public long alerts() {
      return alertsByKind.values().stream().mapToLong(Long::longValue).sum();
    }

    public long deadLetters() {
      return deadLettersByReason.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** The client bound last (the monitor's current one, or the failed one it is replacing); null before the first. */
  private volatile KafkaStreams boundStreams;

  /**
   * Adds the Kafka Streams client's own metrics (threads, tasks, commit and poll rates, lag), and
   * {@code advmon_streams_threads_alive}: the live stream threads of the client bound last, and
   * {@code advmon_streams_state{state}}: the state of the client bound last.
   */
  public synchronized void bind(KafkaStreams streams) {
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
    streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    boolean first = boundStreams == null;
    boundStreams = streams;
    // a new client's tasks count afresh: a task of the failed one whose processor was not closed must not count for ever
    camerasInCampaign.clear();
    if (first) {
      // Kafka Streams' own kafka_stream_alive_stream_threads goes with its client: once a failed client is closed, the
      // binder drops all its series within a minute, so while the monitor waits to start the next one (its backoff,
      // or for the registry, with no bound) an alert on it sees no series, not 0, and never fires. This one stays
      // and reads 0 then (a closed client's threads are dead).
      io.micrometer.core.instrument.Gauge.builder("advmon.streams.threads.alive",
              () -> boundStreams.metadataForLocalThreads().size())
          .description("Live stream threads of the monitor's Kafka Streams client (0 while a failed one is replaced)")
          .strongReference(true)
          .register(registry);
    }
  }

  /** The Prometheus text exposition; empty when the meters are not Prometheus ones. */
  public String scrape() {
    return registry instanceof PrometheusMeterRegistry p ? p.scrape() : "";
  }

  @Override
  public synchronized void close() {
    if (streamsMetrics != null) {
      streamsMetrics.close();
      streamsMetrics = null;
    }
    registry.close();
  }
}
