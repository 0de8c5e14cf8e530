package dev.advmon.topology;

import dev.advmon.campaign.CameraStatusSerde;
import dev.advmon.campaign.CampaignFlag;
import dev.advmon.campaign.CampaignFlagSerde;
import dev.advmon.campaign.CampaignTracker;
import dev.advmon.detect.FrameScorer;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.schema.Alert;
import dev.advmon.model.FramePreparer;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.FrameVerdict;
import java.util.Map;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.state.Stores;

/**
 * The monitor's data flow, one way:
 *
 * <pre>
 *   frames ─▶ decode-and-validate ─▶ score ─▶ to-verdict ─▶ verdicts
 *                     │                 │          │   ├─▶ (alert = true) ───────────────────────────────▶ alerts
 *                     │                 │          │   └─▶ by camera ─▶ campaign-tracker [camera-status] ─┘
 *                     └────────┬────────┴──────────┘       (repartition)
 *                              ▼
 *                         dead letters
 * </pre>
 *
 * Each frame has one outcome, settled before anything of it is written: a dead letter (unreadable, unscorable, or a
 * verdict that cannot be serialized), or its verdict, and then, only then, its alert and its campaign flag.
 *
 * Campaign state is keyed by the frame's {@code cameraId}: each verdict's flag goes through the
 * {@value #CAMPAIGN_REPARTITION} repartition topic keyed by it, so that one camera has one state even when its
 * producer keys records differently or partitions them with another hash (librdkafka's default, say). The
 * verdicts themselves need no repartition and are written at once.
 *
 * Built by a pure function of its inputs, so that the same topology runs under TopologyTestDriver, against
 * a test broker and in production. Every processor has a name (stable across versions: internal names
 * are part of the application's state).
 */
public final class MonitorTopology {

  /** The per-camera campaign state store (queried by {@link CameraQueries}). */
  public static final String CAMERA_STORE = "camera-status";
  /** Name of the repartition step (topic {@code <application-id>-campaign-by-camera-repartition}). */
  public static final String CAMPAIGN_REPARTITION = "campaign-by-camera";

  private MonitorTopology() {}

  /**
   * The topics Kafka Streams makes for this topology under application id {@code applicationId}: the camera store's
   * changelog and the campaign repartition topic. By exact name, not by the {@code <application-id>-} prefix: another
   * application whose id begins with this one's (advmon and advmon-eu) has topics with that prefix too.
   */
  public static java.util.Set<String> internalTopics(String applicationId) {
    return java.util.Set.of(applicationId + "-" + CAMERA_STORE + "-changelog", campaignRepartitionTopic(applicationId));
  }

  /** The campaign repartition topic under {@code applicationId}: its partitions are the camera store's. */
  public static String campaignRepartitionTopic(String applicationId) {
    return applicationId + "-" + CAMPAIGN_REPARTITION + "-repartition";
  }

  /**
   * An alert with the frame that raised it (null for a camera alert), up to the alerts sink: the listener is handed
   * both once the alert is serialized there (see {@link #alertsSink}).
   */
  private record FlaggedFrame(Alert alert, dev.advmon.schema.Frame frame) {}

  /** The monitor's topology: a pure function of {@code settings} (no I/O until Kafka Streams runs it). */
  public static Topology buildTopology(StreamsBuilder builder, TopologySettings settings) {
    Topics topics = settings.topics();
    FramePreparer preparer = settings.preparer();
    FrameScorer scorer = settings.scorer();
    MonitorMetrics metrics = settings.metrics();
    AlertListener listener = safe(settings.alerts());
    ScoringGuard guard = settings.guard();
    RecordLimits limits = new RecordLimits(preparer.limits().maxEncodedBytes());
    VerdictMapper mapper = new VerdictMapper(scorer.manifest(), scorer.engineName());
    // one for the topology, shared by its tasks and threads: a camera on two partitions is in two tasks
    RecordKeys keys = new RecordKeys();
    EvidenceImages images = settings.evidenceImages();

    Map<String, KStream<String, Outcome<DecodedFrame>>> decoded = builder
        .stream(topics.frames().name(), topics.frames().consumed("frames-source"))
        .process(() -> new DecodeFrameProcessor(topics, preparer, metrics), Named.as("decode-and-validate"))
        .split(Named.as("decoded-"))
        .branch((camera, outcome) -> outcome.isDead(), Branched.as("dead"))
        .defaultBranch(Branched.as("ok"));

    Map<String, KStream<String, Outcome<VerdictMapper.Scored>>> scored = decoded.get("decoded-ok")
        .mapValues(Outcome::value, Named.as("unwrap-decoded"))
        .processValues(() -> new ScoreFrameProcessor(guard, settings.batcher(), metrics, limits), Named.as("score"))
        .split(Named.as("scored-"))
        .branch((camera, outcome) -> outcome.isDead(), Branched.as("dead"))
        .defaultBranch(Branched.as("ok"));

    Map<String, KStream<String, Outcome<WriteVerdictProcessor.Written>>> written = scored.get("scored-ok")
        .mapValues(Outcome::value, Named.as("unwrap-scored"))
        .processValues(() -> new WriteVerdictProcessor(mapper, topics.verdicts(), limits, metrics, keys),
            Named.as("to-verdict"))
        .split(Named.as("written-"))
        .branch((camera, outcome) -> outcome.isDead(), Branched.as("dead"))
        .defaultBranch(Branched.as("ok"));
    KStream<String, WriteVerdictProcessor.Written> writtenOk = written.get("written-ok")
        .mapValues(Outcome::value, Named.as("unwrap-written"));
    // already serialized by to-verdict (the verdicts topic's own serde), so that an unwritable verdict is a dead
    // letter there and nothing else of its frame is written; counted as written here, as alerts and dead letters are
    writtenOk.mapValues(WriteVerdictProcessor.Written::bytes, Named.as("verdict-bytes"))
        .to(topics.verdicts().name(), Produced.with(topics.verdicts().keySerde(), Serdes.serdeFrom(
            new CountedSerializer<>(Serdes.ByteArray().serializer(), bytes -> metrics.verdictWritten()),
            Serdes.ByteArray().deserializer())).withName("verdicts-sink"));
    KStream<String, FrameVerdict> verdicts = writtenOk.mapValues(WriteVerdictProcessor.Written::verdict,
        Named.as("verdict-only"));

    // Persistent (RocksDB, backed by its changelog): one small entry per camera. Being persistent also makes
    // Kafka Streams keep its process id in the state folder, which StreamingMonitor ties to the instance id, so
    // that a restarted instance reuses its transactional ids and fences its predecessor's open transaction.
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CAMERA_STORE), Serdes.String(),
        new CameraStatusSerde()));
    CampaignTracker tracker = new CampaignTracker(settings.campaigns());
    KStream<String, Alert> campaignAlerts = verdicts
        .mapValues(CampaignFlag::of, Named.as("campaign-flag"))
        .repartition(Repartitioned.with(Serdes.String(), new CampaignFlagSerde()).withName(CAMPAIGN_REPARTITION))
        .processValues(CampaignFlagTime::new, Named.as("campaign-flag-time"))
        .process(() -> new CampaignProcessor(tracker, settings.metrics()), Named.as("campaign-tracker"), CAMERA_STORE);

    // From the written verdicts with what they were made from, so that the listener gets the frame with its alert.
    writtenOk
        .filter((camera, w) -> w.scored().verdict().alert(), Named.as("flagged-only"))
        .mapValues(w -> new FlaggedFrame(withImage(images, VerdictMapper.toAlert(w.verdict(),
            w.scored().verdict().detections()), w.scored().frame(), preparer), w.scored().frame()), Named.as("to-alert"))
        .merge(campaignAlerts.mapValues(alert -> new FlaggedFrame(alert, null), Named.as("camera-alert-without-frame")),
            Named.as("all-alerts"))
        .to(topics.alerts().name(), alertsSink(topics.alerts(), metrics, listener));

    KStream<String, DeadLetter> deadLetters = decoded.get("decoded-dead")
        .mapValues(Outcome::letter, Named.as("decode-failures"))
        .merge(scored.get("scored-dead").mapValues(Outcome::letter, Named.as("score-failures")),
            Named.as("decode-and-score-failures"))
        .merge(written.get("written-dead").mapValues(Outcome::letter, Named.as("verdict-failures")),
            Named.as("all-dead-letters"));
    deadLetters.to(topics.deadLetters().name(),
        counted(topics.deadLetters(), letter -> metrics.deadLetter(letter.getReason()), "dead-letter-sink"));

    return builder.build();
  }

  /**
   * The sink of {@code topic}, counting what it serializes: counted as written, not before (see
   * {@link CountedSerializer}). Only this sink's: the error handlers serialize and count their own dead letters.
   */
  private static <V> Produced<String, V> counted(Topic<String, V> topic, java.util.function.Consumer<V> count,
      String sinkName) {
    return Produced.with(topic.keySerde(), Serdes.serdeFrom(new CountedSerializer<>(topic.valueSerde().serializer(),
        count), topic.valueSerde().deserializer())).withName(sinkName);
  }

  /**
   * The alerts sink, writing each {@link FlaggedFrame}'s alert: counted and handed to the listener (the dashboard) as
   * it is serialized, not before, so that an alert the production handler leaves out is neither counted nor shown.
   */
  private static Produced<String, FlaggedFrame> alertsSink(Topic<String, Alert> topic, MonitorMetrics metrics,
      AlertListener listener) {
    Serializer<Alert> alerts = topic.valueSerde().serializer();
    Serializer<FlaggedFrame> alertOnly = new Serializer<>() {
      @Override
      public void configure(Map<String, ?> configs, boolean isKey) {
        alerts.configure(configs, isKey);
      }

      @Override
      public byte[] serialize(String t, FlaggedFrame f) {
        return alerts.serialize(t, f == null ? null : f.alert());
      }

      @Override
      public byte[] serialize(String t, org.apache.kafka.common.header.Headers headers, FlaggedFrame f) {
        return alerts.serialize(t, headers, f == null ? null : f.alert());
      }

      @Override
      public void close() {
        alerts.close();
      }
    };
    // a sink only serializes; Serdes.serdeFrom wants a deserializer all the same
    org.apache.kafka.common.serialization.Deserializer<FlaggedFrame> unused = (t, bytes) -> new FlaggedFrame(
        topic.valueSerde().deserializer().deserialize(t, bytes), null);
    return Produced.with(topic.keySerde(), Serdes.serdeFrom(new CountedSerializer<>(alertOnly, f -> {
      metrics.alert(f.alert().getKind());
      listener.onAlert(f.alert(), f.frame());
    }), unused)).withName("alerts-sink");
  }

  /** The alert with its picture when {@code alerts.evidence-image} is on; as it is, at no cost, when off. */
  private static Alert withImage(EvidenceImages images, Alert alert, dev.advmon.schema.Frame frame,
      FramePreparer preparer) {
    return images.enabled() ? images.attach(alert, frame, preparer.limits()) : alert;
  }

  /**
   * The listener feeds views (the dashboard): its failure must not fail the frame, whose verdict is already
   * written by the time the listener hears of it, nor read as the alert's serializer failing. Logged instead.
   */
  private static AlertListener safe(AlertListener listener) {
    if (listener == AlertListener.NONE) {
      return listener;
    }
    return (alert, frame) -> {
      try {
        listener.onAlert(alert, frame);
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(MonitorTopology.class).warn("alert listener failed on alert {}: {}",
            alert.getAlertId(), e.toString());
      }
    };
  }
}
