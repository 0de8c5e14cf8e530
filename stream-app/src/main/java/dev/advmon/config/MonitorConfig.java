package dev.advmon.config;

import dev.advmon.model.ModelDocs;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The monitor's whole configuration: defaults, then a properties file, then environment variables (for
 * secrets and container overrides), then explicit overrides (command-line flags). Every setting is listed in
 * {@link #SETTINGS} with its documentation; every value is validated by {@link #validated()} at start-up,
 * and an error names the setting and where its value came from.
 *
 * <p>Keys under {@code kafka.} that are not monitor settings pass through to the Kafka clients (without the
 * prefix): {@code kafka.security.protocol=SASL_SSL}, {@code kafka.sasl.jaas.config=...}; from the
 * environment, ADVMON_KAFKA_SASL_JAAS_CONFIG sets kafka.sasl.jaas.config.
 */
public final class MonitorConfig {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MonitorConfig.class);

  /** Longer side, in pixels, of an alert's evidence picture: the dashboard's picture size. */
  public static final int EVIDENCE_IMAGE_SIDE = 320;
  /** Most bytes {@code alerts.evidence-image-max-bytes} allows (see {@link dev.advmon.topology.RecordLimits}). */
  public static final int MAX_EVIDENCE_IMAGE_BYTES = dev.advmon.topology.RecordLimits.MAX_EVIDENCE_IMAGE_BYTES;

  /** Every monitor setting, in the order of the reference. */
  public static final List<Setting> SETTINGS = List.of(
      new Setting("model.dir", "models/fashion-mnist-cnn",
          "Model bundle folder (model.onnx + manifest.json [+ calibration.json]); relative paths resolve against the monitor's home; `~` is not expanded (`~/models` is a folder named `~` there: a missing folder's error says so)."),
      new Setting("model.engine", "auto",
          "Inference engine: auto (OnnxRuntimeCuda where a CUDA GPU, CUDA 12, cuDNN 9 and the onnxruntime_gpu build are present, else TensorRT where TensorRT 8 is, else OnnxRuntime), OnnxRuntime (CPU), OnnxRuntimeCuda, OnnxRuntimeTensorRT (ONNX Runtime's CUDA / TensorRT execution providers) or TensorRT (DJL's TensorRT 8 engine)."),
      new Setting("model.max-batch", "128",
          "Most images in one inference call (a frame and its probes always go together)."),
      new Setting("model.batch.max-frames", "32",
          "Most frames whose inference calls (each frame with its probes, or a round of probes) are merged into one call of the model. Each stream thread scores one frame at a time and waits for it, so a call holds at most streams.num-threads frames; 1 = every thread calls the model itself, nothing merged."),
      new Setting("model.batch.max-wait-ms", "5",
          "With one model worker (model.batch.workers=1, e.g. on a GPU): longest a call waits for the threads still scoring a frame to send theirs; it goes at once when every such thread is waiting or the call is full. Several workers never wait. 0 = never wait."),
      new Setting("model.batch.workers", "0",
          "Model calls that may run at the same time; a free worker takes whatever is waiting, so calls merge while all workers are busy. 0 = the available processors divided by model.intra-op-threads (at least 1), so that on a CPU every core runs the model; on a GPU set 1, with model.batch.max-wait-ms, for fewer and larger batches."),
      new Setting("model.intra-op-threads", "0",
          "ONNX Runtime threads inside one operator of an inference call; 0 = half the available processors (at least 1), the other half left to the stream threads, which make probes and detector statistics while the model runs. Set explicitly because ONNX Runtime's own default (every core, spinning while idle) ignores them. The offline commands (score, inspect, audit, calibrate, evaluate, evaluate-overinterpretation) honour a value set here for every model they load, and take every core at 0."),
      new Setting("model.inter-op-threads", "1",
          "ONNX Runtime threads running independent operators in parallel; 1 = sequential execution, the usual best for small CNNs."),
      new Setting("image.max-encoded-bytes", "8388608",
          "Largest encoded image accepted, in bytes, at most 2147139575 (its dead letter, with the frame's other fields, must fit one Kafka record, whose limits are ints); larger frames go to the dead-letter topic (IMAGE_TOO_LARGE)."),
      new Setting("image.max-pixels", "16777216",
          "Most pixels (width x height) an image header may declare; checked before decoding, against decompression bombs; at most 715827882 (their RGB bytes must fit in one array)."),
      new Setting("image.max-dimension", "16384",
          "Largest width or height an image header may declare."),
      new Setting("kafka.bootstrap.servers", "",
          "Kafka brokers, host:port[,host:port]. Required by `run`. Other kafka.* keys pass through to the Kafka clients: keys Kafka Streams or its clients know, bare or behind Kafka Streams' prefixes (producer., consumer., main.consumer., admin., topic., ...); a key within three letters of a known one is refused as a typo, any other unknown key passes with a warning (a plugin's setting)."),
      new Setting("registry.url", "",
          "Schema registry base URL(s), comma-separated, speaking the Confluent REST API (Confluent, Apicurio /apis/ccompat/v7, Karapace, Redpanda). Required by `run`. No user:password@ in them (refused: it would not be sent, and URLs appear in logs): set registry.basic-auth.user-info."),
      new Setting("registry.basic-auth.user-info", "",
          "user:password for HTTP basic authentication to the registry; empty for none. Prefer the environment (ADVMON_REGISTRY_BASIC_AUTH_USER_INFO)."),
      new Setting("registry.auto-register", "true",
          "Register the verdict, alert and dead-letter schemas when missing; false = they must already be registered (from the .avsc files in schemas/src/main/avro)."),
      new Setting("registry.ssl.truststore.location", "",
          "Truststore (PKCS12 or JKS) for an https registry with a private CA; empty = the JVM's default trust."
          + " `~` is not expanded (`~/trust.p12` is read as trust.p12 in a folder named `~` under the folder the"
          + " monitor starts in: a missing file's error says so, with the full path meant)."),
      new Setting("registry.ssl.truststore.password", "", "Password of the registry truststore."),
      new Setting("registry.ssl.truststore.type", "PKCS12", "Type of the registry truststore: PKCS12 or JKS."),
      new Setting("registry.ssl.keystore.location", "",
          "Key store (PKCS12 or JKS) holding this host's client certificate and key, for a registry that wants one (mutual TLS); empty = none sent."
          + " `~` is not expanded (`~/client.p12` is read as client.p12 in a folder named `~` under the folder the"
          + " monitor starts in: a missing file's error says so, with the full path meant)."),
      new Setting("registry.ssl.keystore.password", "", "Password of the registry key store (and of its key)."),
      new Setting("registry.ssl.keystore.type", "PKCS12", "Type of the registry key store: PKCS12 or JKS."),
      new Setting("registry.timeout-ms", "10000", "Connect and request timeout for registry calls. Inside a transaction, with several registry.url entries, a request gets at most half the call's deadline (a third of streams.transaction-timeout-ms), so that one hanging URL leaves the others time."),
      new Setting("registry.retries", "5", "Retries of a failed registry call (connection errors, 5xx, 429, 408, and a 4xx whose body is not the registry's JSON error: a load balancer's or proxy's page) before giving up."),
      new Setting("registry.retry-backoff-ms", "200", "First retry delay, 1..5000 and at most a third of streams.transaction-timeout-ms (half a call's deadline, so that even the longest first wait leaves the retry the other half); doubles on each retry, with jitter, up to 5 s. An answer with Retry-After (a 429 or 503) is not retried sooner than it asks, up to those 5 s and within the call's deadline (two thirds of streams.transaction-timeout-ms)."),
      new Setting("topics.frames", "frames", "Input topic of Avro Frame records keyed by camera id; not ending in -campaign-by-camera-repartition or -camera-status-changelog (the monitor's internal topics, which the consumer-lag alert leaves out)."),
      new Setting("topics.verdicts", "verdicts", "Output topic: one FrameVerdict per readable frame."),
      new Setting("topics.alerts", "alerts", "Output topic: an Alert per flagged frame and per camera campaign."),
      new Setting("topics.dead-letter", "frames-dlq", "Output topic: a DeadLetter, with the original bytes and the reason, per frame that could not be scored."),
      new Setting("topics.create", "true", "Create missing topics at start-up; false = fail naming the missing ones."),
      new Setting("topics.partitions", "3", "Partitions of topics the monitor creates."),
      new Setting("topics.replication-factor", "-1", "Replication factor of topics the monitor creates, 1..32767; -1 = the broker's default."),
      new Setting("streams.application-id", "advmon", "Kafka Streams application id (consumer group, internal topic prefix); at most 218 characters, so that the internal topics' names fit Kafka's 249."),
      new Setting("streams.num-threads", "2", "Stream threads. Each scores one frame at a time (probes and detector statistics on its own thread) and waits for it, while its inference calls are merged with the other threads' (model.batch.*); so more threads mean larger model calls, and since they mostly wait, more threads than cores is fine (give the frames topic at least as many partitions)."),
      new Setting("streams.commit-interval-ms", "50", "How often a transaction commits (exactly-once); a verdict is readable (read_committed) only after its commit, so this bounds the end-to-end latency from below: lower = lower latency, more transactions."),
      new Setting("streams.state-dir", "",
          "State store folder; empty = a folder under the system temp dir, which the OS may clear (the state is "
          + "then restored from Kafka; the monitor names the folder at start); a relative path resolves against "
          + "the folder the monitor starts in, not its home (unlike model.dir). Keep it across restarts (a volume "
          + "in Kubernetes): local state then needs no restore. `~` is not expanded, so a value starting with it "
          + "is refused at load, naming the full path meant."),
      new Setting("streams.instance-id", "",
          "Stable id of this instance for static group membership (group.instance.id = <application-id>-<instance-id>, plus a per-thread suffix) and for its transactional ids; empty = the host name (in Kubernetes, the StatefulSet pod name such as advmon-0). A restart with the same id rejoins at once, its partitions not moved, and fences its predecessor's open transaction. Must be unique per running instance; letters, digits, '.', '_' or '-', at most 200."),
      new Setting("streams.session-timeout-ms", "30000",
          "How long the group waits for an instance that stopped heartbeating (and did not leave) before moving its partitions to the others; a restart within it gets its partitions back without their moving (one short follow-up rebalance that moves nothing). 6000..1800000 (the broker's default group.min/max.session.timeout.ms)."),
      new Setting("streams.transaction-timeout-ms", "30000",
          "Exactly-once transaction timeout: the broker aborts a transaction left open this long by an instance that died and did not come back with the same instance id. Registry calls inside a transaction give up after two thirds of it. 5000..900000 (at most the broker's default transaction.max.timeout.ms), and longer than streams.commit-interval-ms."),
      new Setting("streams.leave-group-on-close", "auto",
          "On a clean shutdown (SIGTERM): auto = leave the consumer group when other instances are in it (they take over this instance's partitions at once), else stay a static member for streams.session-timeout-ms (a restart with the same instance id then takes them back without their moving; leaving an otherwise empty group costs the next start the broker's group.initial.rebalance.delay.ms and a second rebalance, about 5 s); true = always leave; false = never."),
      new Setting("streams.restart-backoff-max-ms", "60000",
          "After a failure that stops the stream (scoring fails for every frame, registry or broker unreachable for too long, an unexpected error), Kafka Streams is restarted in place after 1 s, doubling on each failure in a row up to this."),
      new Setting("streams.application-server", "",
          "host:port this instance advertises to the other instances of the application (Kafka Streams application.server), so that /cameras and the dashboard of any instance answer for every camera; empty = this host's name and http.port. Unset when http.port = 0."),
      new Setting("startup.retry-interval-ms", "5000", "While the broker or registry is unreachable at start-up: wait this long between tries, logging each. Topics the broker has just created or listed but whose configs it cannot describe yet (its metadata lags) are first looked for again every 100 ms, about 3 s, without this wait."),
      new Setting("startup.max-wait-ms", "0", "Give up after this long unreachable at start-up; 0 = keep trying until stopped."),
      new Setting("campaign.window-ms", "10000",
          "Length of the tumbling windows (by frame timestamp) in which each camera's flag rate is counted for campaign alerts."),
      new Setting("campaign.min-frames", "20",
          "Fewest verdicts a camera's window needs to be judged alone; a window with fewer neither raises, extends nor clears a campaign by itself: its frames are carried into the next window and judged with it once together they reach this many (in a campaign or not), so a camera that keeps sending fewer (on motion only, a low frame rate) still raises a campaign when its pooled windows are hot and is cleared when they are cool."),
      new Setting("campaign.baseline-rate", "0.1",
          "Share of a camera's frames that ordinary conditions may flag (0 or more and below 1; the per-condition false-alarm cap); a window counts towards a campaign when its flagged frames are clearly more than this explains (one-sided binomial test, p < 0.01), not merely above it."),
      new Setting("campaign.consecutive-windows", "3",
          "Windows in a row clearly above the baseline that raise a CAMPAIGN alert, and not clearly above it that clear it (CAMPAIGN_CLEARED; windows too small to judge alone count as one once their frames together reach campaign.min-frames)."),
      new Setting("campaign.max-clock-skew-ms", "30000",
          "Frame timestamps further than this from the campaign clock (the newest frame timestamp seen, bounded by the monitor's clock; a camera with a wrong clock, a frame from 1970 or 2100) count at the bound for campaign windows; a window is also closed by that clock this long after its end, so a camera that goes quiet still has its last window judged."),
      new Setting("campaign.idle-retention-ms", "86400000",
          "A camera with no frame scored this long after its last window (frames that go to the dead-letter topic are not scored) is removed from the campaign state (and /cameras); one in a campaign is first cleared (a CAMPAIGN_CLEARED alert with evidence cleared_by=camera_quiet: nobody observes it any more). One that comes back starts afresh. Bounds what invented camera ids can add; 0 = keep every camera for ever (and a quiet camera's campaign open); else at least campaign.window-ms x campaign.consecutive-windows + campaign.max-clock-skew-ms, so that a short pause does not end a campaign (left unset, the default rises to that bound; `config --check` and `run` say so)."),
      new Setting("alerts.evidence-image", "false",
          "Put a PNG of the frame on each frame alert (Alert.evidenceImage), with the evidence drawn over it (the overinterpretation detector's sufficient subset outlined, the rest dimmed), its longer side " + EVIDENCE_IMAGE_SIDE + " pixels; false = the field stays null. Costs a decode and a PNG per frame alert (never per frame) and the bytes in each such alert; a picture that cannot be made is left out, with the reason in the alert's evidence (evidence-image), and the alert is written all the same."),
      new Setting("alerts.evidence-image-max-bytes", "393216",
          "Largest evidence picture put on an alert, 1.." + MAX_EVIDENCE_IMAGE_BYTES + " bytes (an alert with its picture takes this plus 80 KiB, under the broker's default max.message.bytes, 1048588, at the largest bound; while pictures are on, start-up requires that much of the alerts topic's max.message.bytes, and sets it with topics.create); a larger one is left out and the alert's evidence says so (evidence-image=omitted: N bytes > bound)."),
      new Setting("health.check-interval-ms", "2000",
          "How often the broker and the registry are probed and the stream checked for a stall, for /health/ready (changes are logged)."),
      new Setting("health.probe-timeout-ms", "3000", "Time a broker or registry probe may take before that dependency counts as unreachable."),
      new Setting("health.stall-timeout-ms", "30000",
          "Readiness goes DOWN when frames wait on the input topic and nothing has been committed for this long; longer than streams.commit-interval-ms plus health.check-interval-ms."),
      new Setting("health.rebalance-timeout-ms", "300000",
          "Kafka Streams is restarted in place when it has been REBALANCING this long with the broker reachable and no state restored in that time (a restore that will never end; one that reads records is waited for, however long). Keep it well above streams.session-timeout-ms: joining a group may take that long, restoring nothing."),
      new Setting("health.heartbeat-timeout-ms", "360000",
          "Liveness goes DOWN when one record has been in processing this long (a hung model call): the process is wedged and should be restarted. Waits for the broker or registry never count."),
      new Setting("health.hanging-transactions", "abort-own",
          "What to do with a hanging transaction (open on a partition while no coordinator will ever end it, as a broker that lost track of one leaves; every read_committed reader of that partition stops at it): abort-own = abort it on the topics this monitor writes (verdicts, alerts, dead letters, its changelog and repartition topics, and its consumer group's partition of __consumer_offsets while that group has an offset commit pending there: it cannot read its committed offsets and does not start; other groups' transactions there are left alone; an abort there loses no record, some are read again) and report it on the frames topic; abort-all = abort it on the frames topic too (its records were never readable); report = readiness DOWN and a log line with the kafka-transactions.sh command; off = do not look. Aborting needs Alter (Kafka 3.8+) or ClusterAction on the cluster, which kafka-transactions.sh abort needs too; without it, it is reported."),
      new Setting("health.hanging-transaction-age-ms", "0",
          "How long a partition must hold the same open transaction before its coordinator is asked whether it still tracks it: 0 = twice streams.transaction-timeout-ms, at least 120000; else it must be longer than streams.transaction-timeout-ms. The topics are looked at every quarter of this, at most every 30 s."),
      new Setting("health.hanging-transaction-frames-age-ms", "960000",
          "The same on the frames topic, which other producers write (at least health.hanging-transaction-age-ms): they may keep a transaction open up to the broker's transaction.max.timeout.ms (default 900000; the broker aborts one past its timeout within transaction.abort.timed.out.transaction.cleanup.interval.ms, 10 s, and accepts its commit until then: hence a minute more), and the monitor may not be allowed to see their transactional ids. Also on the group's partition of __consumer_offsets, which other groups share, unless the same producer holds a transaction open on the monitor's own topics."),
      new Setting("http.port", "8080", "Port of the HTTP endpoints (the dashboard at /, /health/live, /health/ready, /metrics, /cameras); 0 = off."),
      new Setting("http.bind", "127.0.0.1", "Address the HTTP endpoints listen on; loopback unless you expose them on purpose."),
      new Setting("http.bearer-token", "",
          "When set, every route except /health/live and /health/ready requires the header 'Authorization: Bearer <token>'. Prefer the environment (ADVMON_HTTP_BEARER_TOKEN, from a Secret)."),
      new Setting("http.allowed-hosts", "",
          "Extra Host header values accepted on every route, comma-separated (host or host:port; * = any). localhost, 127.0.0.1 and [::1] are always accepted; on a non-loopback http.bind with no list, other hosts are accepted only when http.bearer-token is set."),
      new Setting("http.threads", "4", "Requests the HTTP server answers at a time; each connection's request is read on a thread of its own (up to 256 connections), so a slow client holds none of these (one reading slowly only beyond 64 MiB of answers being sent)."),
      new Setting("http.health-port", "0", "A second port serving only /health/live and /health/ready (and the icon a browser asks for, /favicon.ico), on workers of its own, for the kubelet's probes: clients that hold http.port's workers cannot fail them there (http.port serves them too); 0 = none, else a port other than http.port, which must not be 0."),
      new Setting("http.timeout-ms", "10000", "Time a client may take to send its request, and the server to write its response, before the connection is closed."),
      new Setting("registry.unknown-id-cache-ms", "60000",
          "How long an answer 'schema id not found' is remembered, so that a burst of records with an unknown id costs one registry call, not one each; 0 = no cache."),
      new Setting("registry.recheck-interval-ms", "60000",
          "How often the registry is asked again whether the schema ids this monitor has used still name the schemas it knew them by (one GET per id, within health.probe-timeout-ms): a registry that lost its data (an in-memory one restarted) forgets them or gives them to other schemas. An id it writes with is then forgotten and its schema registered (or looked up) again, else consumers could not read the verdicts; an id read from frames that now names another schema is read with that one. A WARN names each. 0 = never; else at least 1000."));

  private static final Map<String, Setting> BY_KEY = new LinkedHashMap<>();

  static {
    SETTINGS.forEach(s -> BY_KEY.put(s.key(), s));
  }

  private final Map<String, String> values;
  private final Map<String, String> origins;
  private final Path home;
  /** The properties file read, or null: {@link #require} says where to set a missing setting. */
  private final Path file;

  private MonitorConfig(Map<String, String> values, Map<String, String> origins, Path home, Path file) {
    this.values = values;
    this.origins = origins;
    this.home = home;
    this.file = file;
  }

  /** Where an unknown name is told to look: README's table, by its section's heading, or the command that prints it. */
  private static final String REFERENCE = "see the table in " + ModelDocs.projectReadme("Configuration")
      + ", or ./monitor config";

  /** {@link #origin} of a setting nobody set. */
  private static final String DEFAULT_ORIGIN = "default";

  /**
   * The example configuration where this installation has it: named relative to the project folder, it pointed
   * nowhere for a user running ./monitor from another folder. Outside a checkout (the container image) it is the
   * repository's file.
   */
  private static String example(Path home) {
    Path file = home == null ? null : home.resolve("config/monitor.example.properties");
    return file != null && Files.isRegularFile(file) ? file.toString() : "config/monitor.example.properties of the advmon repository";
  }

  /** Builds the configuration from defaults, an optional file, the environment and explicit overrides. */
  public static MonitorConfig load(Path file, Map<String, String> env, Map<String, String> overrides, Path home) {
    Map<String, String> values = new TreeMap<>();
    Map<String, String> origins = new TreeMap<>();
    SETTINGS.forEach(s -> {
      values.put(s.key(), s.defaultValue());
      origins.put(s.key(), DEFAULT_ORIGIN);
    });
    if (file != null) {
      if (Files.isDirectory(file)) {
        throw new ConfigException("configuration file " + file + " is a folder; give the properties file itself "
            + "(" + example(home) + " is one)");
      }
      OnceEach p = new OnceEach();
      Map<String, Integer> lines = Map.of();
      try (Reader r = new java.io.StringReader(withoutBom(Files.readString(file)))) {
        p.load(r);
        lines = PropertiesLines.of(withoutBom(Files.readString(file)));
      } catch (java.nio.charset.CharacterCodingException e) {
        throw new ConfigException("cannot read configuration file " + file + ": it is not UTF-8 text (save it as "
            + "UTF-8, or write other characters as \\uXXXX)", e);
      } catch (java.nio.file.NoSuchFileException e) {
        // a relative path names where it was looked for: the launcher may run from another folder than one thinks
        throw new ConfigException("configuration file " + file + " does not exist"
            + (file.isAbsolute() ? "" : " (looked for " + file.toAbsolutePath() + ")")
            + "; check the path (" + example(home) + " is one to copy)", e);
      } catch (java.nio.file.AccessDeniedException e) {
        throw new ConfigException("cannot read configuration file " + file + ": permission denied", e);
      } catch (IOException e) {
        throw new ConfigException("cannot read configuration file " + file + ": " + e, e);
      } catch (IllegalArgumentException e) { // Properties.load on a broken \\u escape
        throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage()
            + " (a backslash followed by u must start four hex digits; write a literal backslash as \\\\)", e);
      }
      if (!p.givenAgain.isEmpty()) {
        String key = p.givenAgain.get(0);
        throw new ConfigException(file + ": setting '" + key + "' is given more than once" + linesOf(file, key)
            + "; only the last would count, silently: keep the one you mean and delete the others");
      }
      for (String key : p.stringPropertyNames()) {
        String where = file + (lines.containsKey(key) ? ", line " + lines.get(key) : "");
        if (!BY_KEY.containsKey(key) && !key.startsWith("kafka.")) {
          throw new ConfigException(where + ": unknown setting '" + key + "'" + suggestion(key)
              + " (" + REFERENCE + ")");
        }
        String owned = ownedKafkaKey(key);
        if (owned != null) {
          throw new ConfigException(where + ": " + owned + "; delete the line");
        }
        if (!BY_KEY.containsKey(key) && !KafkaClientKeys.isKnown(key.substring("kafka.".length()))) {
          String near = kafkaNearMiss(key);
          if (near != null) { // a typo of a known key: the clients would ignore it with no more than a log line
            throw new ConfigException(where + ": unknown setting '" + key + "': kafka.* keys pass through to the Kafka "
                + "clients, and neither Kafka Streams nor its clients know '" + key.substring("kafka.".length())
                + "'; did you mean '" + near + "'?");
          }
          log.warn("{}: '{}' is not a key Kafka Streams or its clients define; passed to them as it is (a plugin's "
              + "setting?)", file, key);
        }
        values.put(key, p.getProperty(key).trim());
        origins.put(key, where);
      }
    }
    env.forEach((name, value) -> {
      if (!name.startsWith("ADVMON_")) {
        if (name.regionMatches(true, 0, "ADVMON_", 0, "ADVMON_".length())) {
          // environment names are case-sensitive: advmon_http_bearer_token would be ignored without a word, and
          // start a monitor without authentication
          String near = envSuggestion(name);
          throw new ConfigException("environment variable " + name + " is not read as a setting: only ADVMON_ "
              + "variables in upper case are" + (near.isEmpty() ? " (and " + name.toUpperCase(Locale.ROOT)
              + " would not be a setting either)" : near) + " Correct its name or unset it");
        }
        return;
      }
      if (name.startsWith("ADVMON_KAFKA_") && !name.equals(name.toUpperCase(Locale.ROOT))) {
        // read as the same key as its upper-case spelling: with both set, which one wins would depend on the order
        // the environment is listed in; and every other ADVMON_ variable is upper case only
        throw new ConfigException("environment variable " + name + " is not read as a setting: ADVMON_ variables "
            + "are upper case; did you mean " + name.toUpperCase(Locale.ROOT) + "? Correct its name or unset it");
      }
      String key = keyForEnv(name);
      if (key != null && isKubernetesServiceLink(name, value)) {
        // a Service named advmon-http (or advmon-http-health) in the namespace: the kubelet sets ADVMON_HTTP_PORT=
        // tcp://10.96.0.10:8080 in every pod that has service links on, which is no port number and not the operator's
        log.warn("environment variable {}={} is a Kubernetes service link (a Service named {} in the namespace), not the "
            + "setting {}: ignored (set enableServiceLinks: false in the pod spec, as k8s/base does)", name, value,
            name.substring(0, name.length() - "_PORT".length()).toLowerCase(Locale.ROOT).replace('_', '-'), key);
        return;
      }
      if (key != null && value.isBlank()) {
        // unset: a Secret or ConfigMap key left empty (k8s/base/credentials.env ships them so) must not erase what
        // the file sets, such as http.bearer-token, which would start a monitor without authentication
        return;
      }
      String owned = key == null ? null : ownedKafkaKey(key);
      if (owned != null) {
        throw new ConfigException("environment variable " + name + ": " + owned + "; unset " + name);
      }
      if (key != null && !BY_KEY.containsKey(key) && !KafkaClientKeys.isKnown(key.substring("kafka.".length()))) {
        // read as a Kafka client key; a misspelt one would be ignored by the clients, with no more than a log line
        String near = envKafkaNearMiss(key);
        if (near != null) {
          throw new ConfigException("environment variable " + name + " is not a setting: it would pass '"
              + key.substring("kafka.".length()) + "' to the Kafka clients, which know no such key; did you mean "
              + near + "? Correct its name or unset it");
        }
        log.warn("environment variable {} passes '{}' to the Kafka clients, which do not define it; passed as it is "
            + "(a plugin's setting?)", name, key.substring("kafka.".length()));
      }
      if (key != null) {
        values.put(key, value.trim());
        origins.put(key, "environment " + name);
      } else if (!LAUNCHER_VARIABLES.contains(name) && !isKubernetesServiceLink(name, value)) {
        // a misspelt ADVMON_HTTP_BEARER_TOKEN must not start a monitor without authentication
        throw new ConfigException("environment variable " + name + " is not a setting" + envSuggestion(name)
            + " (ADVMON_ variables are read as settings; " + REFERENCE + "): "
            + "correct its name or unset it");
      }
    });
    trimmedKeys(overrides).forEach((key, givenValue) -> {
      // trimmed as a file's or the environment's are: --set 'streams.num-threads= 4' was refused as no number
      String value = givenValue.trim();
      // flags such as ./loadtest/run --set KEY=VALUE: a misspelt key would otherwise be ignored without a word
      if (!BY_KEY.containsKey(key) && !key.startsWith("kafka.")) {
        throw new ConfigException("command line: unknown setting '" + key + "'" + suggestion(key)
            + " (" + REFERENCE + ")");
      }
      String owned = ownedKafkaKey(key);
      if (owned != null) {
        throw new ConfigException("command line: " + owned);
      }
      if (!BY_KEY.containsKey(key) && !KafkaClientKeys.isKnown(key.substring("kafka.".length()))
          && kafkaNearMiss(key) != null) {
        throw new ConfigException("command line: unknown setting '" + key + "': kafka.* keys pass through to the "
            + "Kafka clients, and neither Kafka Streams nor its clients know '" + key.substring("kafka.".length())
            + "'; did you mean '" + kafkaNearMiss(key) + "'?");
      }
      values.put(key, value);
      origins.put(key, "command line");
    });
    return new MonitorConfig(values, origins, home, file);
  }

  /**
   * Command-line settings ({@code --set KEY=VALUE}) by their keys trimmed, as a file's and the environment's are read;
   * refused when two trim alike: {@code --set 'a=1' --set 'a =2'} are two keys to picocli but one after trimming, and
   * one would win without a word.
   */
  public static Map<String, String> trimmedKeys(Map<String, String> overrides) {
    Map<String, String> givenAs = new java.util.HashMap<>();
    Map<String, String> trimmed = new LinkedHashMap<>();
    overrides.forEach((given, value) -> {
      String key = given.trim();
      String earlier = givenAs.putIfAbsent(key, given);
      if (earlier != null) {
        throw new ConfigException("command line: setting '" + key + "' is given twice, as '" + earlier + "' and '"
            + given + "' (blanks around a key do not count); only one would count, silently: keep the one you mean");
      }
      trimmed.put(key, value);
    });
    return trimmed;
  }

  /**
   * Why the kafka.* key {@code key} cannot be given, when the monitor sets that client key itself and would
   * overwrite it without a word (or when it names no key at all); null when it can be passed through.
   */
  private static String ownedKafkaKey(String key) {
    if (BY_KEY.containsKey(key) || !key.startsWith("kafka.")) {
      return null;
    }
    String clientKey = key.substring("kafka.".length());
    if (clientKey.isEmpty()) {
      return "'kafka.' names no Kafka client key";
    }
    String how = KafkaClientKeys.ownedBy(clientKey);
    if (how == null) {
      return null;
    }
    if (KafkaClientKeys.wouldBeApplied(clientKey)) {
      // not ignored: its consumer would read the frames and state of aborted transactions
      String bare = clientKey.substring(clientKey.indexOf("consumer.") + "consumer.".length());
      return "'" + key + "' would take effect, against exactly-once: Kafka Streams sets its consumers' '" + bare
          + "' " + how + ", but gives this prefixed key to that consumer as it is";
    }
    String setting = how.startsWith("from ") ? how.substring("from ".length()).split(" ")[0] : null;
    return "'" + key + "' would be ignored: the monitor sets the Kafka client key '" + clientKey + "' itself, " + how
        + (setting != null && BY_KEY.containsKey(setting)
            ? " (set that instead: " + setting + " in the file, or " + Setting.envNameOf(setting) + ")" : "");
  }

  /** Properties that note a key given twice, which java.util.Properties would settle by keeping the last. */
  private static final class OnceEach extends Properties {
    private final List<String> givenAgain = new java.util.ArrayList<>();

    @Override
    public synchronized Object put(Object key, Object value) {
      Object before = super.put(key, value);
      if (before != null && !givenAgain.contains(key)) {
        givenAgain.add(String.valueOf(key));
      }
      return before;
    }
  }

  /**
   * " (lines 3 and 17)": the lines that start with {@code key} as a plain key (no escapes in it, no continuation
   * before it), so that the message points at them; empty when none is found that way.
   */
  private static String linesOf(Path file, String key) {
    try {
      List<String> lines = withoutBom(Files.readString(file)).lines().toList();
      List<String> at = new java.util.ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).stripLeading();
        if (line.startsWith(key) && (line.length() == key.length()
            || " \t\f=:".indexOf(line.charAt(key.length())) >= 0)) {
          at.add(Integer.toString(i + 1));
        }
      }
      if (at.size() < 2) {
        return "";
      }
      return " (lines " + and(at) + ")";
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /**
   * The text without a leading byte order mark: editors on Windows save UTF-8 with one, and Properties would read it
   * as part of the first key, refused as an unknown setting whose name looks like a known one.
   */
  private static String withoutBom(String text) {
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  /** Defaults plus environment only (for commands that take no file). */
  public static MonitorConfig fromEnvironment(Map<String, String> overrides, Path home) {
    return load(null, System.getenv(), overrides, home);
  }

  private static String keyForEnv(String name) {
    for (Setting s : SETTINGS) {
      if (s.envName().equals(name)) {
        return s.key();
      }
    }
    if (name.startsWith("ADVMON_KAFKA_")) { // Kafka client keys contain only dots
      return "kafka." + name.substring("ADVMON_KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }
    return null; // ADVMON_HOME and friends are not settings
  }

  /** ADVMON_ variables of the launcher and the logging set-up, not settings. */
  public static final java.util.Set<String> LAUNCHER_VARIABLES = java.util.Set.of("ADVMON_HOME", "ADVMON_DEBUG",
      "ADVMON_JAVA_OPTS", "ADVMON_LOG_LEVEL", "ADVMON_LOG_FORMAT");

  /**
   * Kubernetes gives every pod variables for each Service of its namespace (enableServiceLinks): a Service named
   * advmon brings ADVMON_SERVICE_HOST, ADVMON_PORT=tcp://..., ADVMON_PORT_8080_TCP_ADDR and the like.
   */
  static boolean isKubernetesServiceLink(String name, String value) {
    if (name.matches("ADVMON(_[A-Z0-9_]+)?_SERVICE_(HOST|PORT)(_[A-Z0-9_]+)?")
        || name.matches("ADVMON(_[A-Z0-9_]+)?_PORT_\\d+_(TCP|UDP|SCTP)_(PROTO|PORT|ADDR)")) {
      return true;
    }
    return name.matches("ADVMON(_[A-Z0-9_]+)?_PORT(_\\d+_(TCP|UDP|SCTP))?") && value.matches("(tcp|udp|sctp)://.*");
  }

  /** "; did you mean ADVMON_X?" naming the variable {@code name} resembles (its case aside), or "". */
  private static String envSuggestion(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    if (!upper.equals(name) && (upper.startsWith("ADVMON_KAFKA_") || LAUNCHER_VARIABLES.contains(upper))) {
      return "; did you mean " + upper + "?"; // a Kafka client key, or the launcher's, in the wrong case
    }
    String best = nearest(upper, SETTINGS.stream().map(Setting::envName).toList());
    return best == null ? "" : "; did you mean " + best + "?";
  }

  /**
   * The known key (a setting, or kafka. + a Kafka client key) within three edits of {@code key}, or null. Only such
   * near misses are refused: a plugin (interceptor, metrics reporter, config provider) reads keys of its own.
   */
  private static String kafkaNearMiss(String key) {
    java.util.List<String> candidates = new java.util.ArrayList<>(BY_KEY.keySet());
    KafkaClientKeys.candidatesFor(key.substring("kafka.".length())).forEach(k -> candidates.add("kafka." + k));
    return nearest(key, candidates);
  }

  /** As {@link #kafkaNearMiss}, for the key an ADVMON_KAFKA_ variable reads as; named as a variable. */
  private static String envKafkaNearMiss(String key) {
    String near = kafkaNearMiss(key);
    if (near == null) {
      return null;
    }
    Setting s = BY_KEY.get(near);
    return s != null ? s.envName() : "ADVMON_" + near.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static String suggestion(String key) {
    String best = nearest(key, BY_KEY.keySet());
    return best == null ? "" : "; did you mean '" + best + "'?";
  }

  private static String nearest(String name, java.util.Collection<String> candidates) {
    return Spelling.nearest(name, candidates);
  }

  /** Checks every setting's value; the first error names the setting and where its value came from. */
  public MonitorConfig validated() {
    List<String> errors = new ArrayList<>();
    for (Setting s : SETTINGS) {
      try {
        refuseQuoted(s.key());
        validate(s.key());
      } catch (ConfigException e) {
        errors.add(e.getMessage());
      }
    }
    // kafka.* values too: the clients take quotes as part of a value, and fail on it (or on a value exactly-once
    // cannot run with) only when run builds them
    values.keySet().stream().filter(k -> k.startsWith("kafka.") && !BY_KEY.containsKey(k)).forEach(k -> {
      try {
        refuseQuoted(k);
        String problem = KafkaClientKeys.exactlyOnceProblem(k.substring("kafka.".length()), string(k));
        if (problem != null) {
          throw invalid(k, problem);
        }
      } catch (ConfigException e) {
        errors.add(e.getMessage());
      }
    });
    if (!errors.isEmpty()) {
      throw new ConfigException("invalid configuration:\n  - " + String.join("\n  - ", errors));
    }
    return this;
  }

  /** Whether the value of {@code key} must not be shown: a secret setting, or a kafka.* key that holds one. */
  private static boolean isSecret(String key) {
    return SECRETS.contains(key)
        || key.startsWith("kafka.") && KafkaClientKeys.isSecret(key.substring("kafka.".length()));
  }

  /** Settings whose value must not appear in an error message or a log line. */
  private static final java.util.Set<String> SECRETS = java.util.Set.of("http.bearer-token",
      "registry.basic-auth.user-info", "registry.ssl.truststore.password", "registry.ssl.keystore.password");

  /**
   * Refuses a value wrapped in quotes: neither a properties file nor the environment (docker --env-file, a Secret
   * written with quotes) removes them, so http.bearer-token="abc" asked clients for the quotes too, and a quoted
   * user-info or password failed only at the registry, as a 401 or a trust store that would not open.
   */
  private void refuseQuoted(String key) {
    String v = string(key);
    if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
      String problem = "is in quotes, which are kept as part of the value: remove them";
      throw isSecret(key) ? invalidSecret(key, problem) : invalid(key, problem);
    }
  }

  /**
   * {@code campaign.idle-retention-ms} as the campaign state uses it: left at its default, at least
   * {@link #campaignIdleRetentionLeastMs()}, the bound a value someone set is held to.
   */
  public long campaignIdleRetentionMs() {
    long v = longValue("campaign.idle-retention-ms");
    return v > 0 && DEFAULT_ORIGIN.equals(origin("campaign.idle-retention-ms"))
        ? Math.max(v, campaignIdleRetentionLeastMs()) : v;
  }

  /**
   * Settings left at their default whose value in use differs from the default the reference shows, one line each
   * (empty when none): {@code config --check} prints them and {@code run} logs them, so that an operator reading
   * the reference is not misled about what runs.
   */
  public List<String> raisedDefaults() {
    List<String> out = new ArrayList<>();
    long retention = campaignIdleRetentionMs();
    if (retention != longValue("campaign.idle-retention-ms")) {
      out.add("campaign.idle-retention-ms: left at its default " + longValue("campaign.idle-retention-ms")
          + ", raised to " + retention + " (campaign.window-ms x campaign.consecutive-windows + "
          + "campaign.max-clock-skew-ms), so that a short pause does not end a campaign");
    }
    return out;
  }

  /**
   * Each value the file, the environment or the command line set, as {@code key = 'value' (from origin)}, in key
   * order: {@code config --check} prints them, so that an operator sees which of them won. One set to its default is
   * listed too, marked {@code ; the same as its default}: where it came from is what the list is for, and a file that
   * pins a default keeps it when the default changes. A secret shows as {@code (hidden)}, never marked: the monitor's
   * own, and kafka.* keys Kafka types as passwords or names like one.
   */
  public List<String> setValues() {
    List<String> out = new ArrayList<>();
    values.forEach((key, value) -> {
      if (!DEFAULT_ORIGIN.equals(origins.get(key))) {
        boolean secret = isSecret(key) || key.equals("registry.url") && value.indexOf('@') >= 0;
        boolean asDefault = !secret && BY_KEY.containsKey(key)
            && meansItsDefault(BY_KEY.get(key), value);
        out.add(key + " = " + (secret ? "(hidden)" : "'" + value + "'") + " (from " + origins.get(key)
            + (asDefault ? "; the same as its default" : "") + ")");
      }
    });
    return out;
  }

  /**
   * Whether {@code value} reads as {@code setting}'s default: compared as the monitor reads it, not as text, so that
   * {@code topics.create=TRUE} or {@code http.port=08080} is marked too. By the setting's {@link Setting#kind}, not by
   * the look of its default: a whole number is read by {@link #longValue}, true or false by {@link #bool}, a decimal by
   * {@link #doubleValue}, text as text; a choice ({@link #CHOICES}) by the parser that reads it.
   */
  static boolean meansItsDefault(Setting setting, String value) {
    String key = setting.key();
    String defaultValue = setting.defaultValue();
    if (defaultValue.equals(value)) {
      return true;
    }
    try {
      if (CHOICES.containsKey(key)) {
        return CHOICES.get(key).apply(defaultValue).equals(CHOICES.get(key).apply(value));
      }
      return switch (setting.kind()) {
        case TRUE_FALSE -> defaultValue.equals(value.toLowerCase(Locale.ROOT));
        case WHOLE_NUMBER -> Long.parseLong(defaultValue) == Long.parseLong(value);
        case DECIMAL -> Double.parseDouble(defaultValue) == Double.parseDouble(value);
        case TEXT -> false;
      };
    } catch (IllegalArgumentException unreadable) {
      return false; // validation says what is wrong with it
    }
  }

  /** The settings that name one of a few choices, each read by what the monitor reads it with (case aside). */
  private static final Map<String, java.util.function.Function<String, Object>> CHOICES = Map.of(
      "model.engine", dev.advmon.model.EngineChoice::parse,
      "health.hanging-transactions", dev.advmon.health.HangingTransactions.Mode::parse,
      "streams.leave-group-on-close", v -> v.toLowerCase(Locale.ROOT),
      // KeyStore.getInstance takes a type case aside, and validation upper-cases it: pkcs12 is the default PKCS12
      "registry.ssl.truststore.type", v -> v.toUpperCase(Locale.ROOT),
      "registry.ssl.keystore.type", v -> v.toUpperCase(Locale.ROOT));

  /** The quickest clear by cool windows: campaign.window-ms x campaign.consecutive-windows + campaign.max-clock-skew-ms. */
  private long campaignIdleRetentionLeastMs() {
    try {
      return Math.addExact(Math.multiplyExact(longValue("campaign.window-ms"),
          intValue("campaign.consecutive-windows")), longValue("campaign.max-clock-skew-ms"));
    } catch (ArithmeticException beyondALong) {
      return Long.MAX_VALUE;
    }
  }

  /** {@code health.hanging-transaction-age-ms}, with 0 resolved: twice the transaction timeout, at least 2 min. */
  public long hangingTransactionAgeMs() {
    long v = longValue("health.hanging-transaction-age-ms");
    return v > 0 ? v : Math.max(120_000, 2 * longValue("streams.transaction-timeout-ms"));
  }

  /**
   * {@code streams.state-dir}, or where Kafka Streams puts its state by default ({@code <java.io.tmpdir>/kafka-streams}).
   * Absolute: a relative one is the working folder's, as Kafka reads it, and messages that name the folder then say
   * which one.
   */
  public Path stateDir() {
    String dir = string("streams.state-dir");
    return (dir.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "kafka-streams") : Path.of(dir))
        .toAbsolutePath();
  }

  /**
   * {@code <state dir>/<streams.application-id>}, the default state dir's when streams.state-dir is empty; null with
   * the id empty or no plain folder name.
   */
  private Path applicationFolder() {
    String app = string("streams.application-id");
    if (app.isBlank() || app.equals(".") || app.equals("..")) {
      return null; // the id itself is checked, and named, by its own case
    }
    try {
      Path folder = stateDir().resolve(app);
      return folder.getFileName().toString().equals(app) ? folder : null;
    } catch (java.nio.file.InvalidPathException e) {
      return null;
    }
  }

  /** Where a link points, as written in it (for a message); why not, where it cannot be read. */
  private static String linkTarget(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  private void validate(String key) {
    switch (key) {
      case "model.dir" -> {
        if (string(key).isBlank()) {
          // an empty path resolves to the monitor's home, whose missing manifest.json would be all the error said
          throw invalid(key, "is empty: set it to a model bundle folder (model.onnx + manifest.json), or remove the "
              + "line for the default " + BY_KEY.get(key).defaultValue());
        }
      }
      case "streams.state-dir" -> {
        // read literally, ~/state made a folder named ~ in the working folder without a word: a missing state folder
        // is created, so the "not found" of model.dir and the TLS stores, which names the full path meant, never came
        if (string(key).startsWith("~")) {
          throw invalid(key, "starts with '~'" + TildePaths.notExpanded(string(key), "folder")
              + " (or ./" + string(key) + " for a folder of that name in the working folder)");
        }
        // else found only once the broker and registry answered, when the process id is written into it
        if (!string(key).isBlank() && Files.exists(Path.of(string(key))) && !Files.isDirectory(Path.of(string(key)))) {
          throw invalid(key, "is a file, not a folder: name a folder for the state stores (it is created when "
              + "missing), or leave it empty for one under the system temp dir");
        }
        // a missing folder is created, unless what exists of its path ends in a file, or in a link to nothing (a
        // volume not mounted): followed, such a link reads as missing and the walk went past it to its folder
        Path existing = string(key).isBlank() ? null : Path.of(string(key)).toAbsolutePath();
        while (existing != null && !Files.exists(existing, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          existing = existing.getParent();
        }
        if (existing != null && !Files.exists(existing)) {
          throw invalid(key, (existing.equals(Path.of(string(key)).toAbsolutePath()) ? "is" : "is under")
              + " the link " + existing + " to " + linkTarget(existing) + ", which does not exist (a volume not "
              + "mounted?): mount or create it, or name a folder for the state stores, or leave it empty for one "
              + "under the system temp dir");
        }
        if (existing != null && !Files.isDirectory(existing)) {
          throw invalid(key, "is under the file " + existing + ", where no folder can be made: name a folder for the "
              + "state stores (it is created when missing), or leave it empty for one under the system temp dir");
        }
        // Kafka Streams keeps the stores one level down, in <state-dir>/<application-id>: a link there to nothing
        // failed as the one above did, only once the broker and registry answered
        Path stores = applicationFolder();
        if (stores != null && string(key).isBlank()) {
          // empty: the stores go under the temp folder, where a link to nothing failed only once run had connected;
          // looked for as above, from the stores up (the folders under a link to nothing read as missing), so that
          // java.io.tmpdir itself, a scratch volume not mounted, is found too
          Path p = stores;
          while (p != null && !Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            p = p.getParent();
          }
          if (p != null && Files.isSymbolicLink(p) && !Files.exists(p)) {
            // the temp dir itself, or a folder above it, is not the stores' to delete
            boolean ours = p.startsWith(stores.getParent());
            throw invalid(key, "is empty, so Kafka Streams keeps the stores of streams.application-id '"
                + string("streams.application-id") + "' in " + stores + " (under the system temp dir), where the "
                + "link " + p + " to " + linkTarget(p) + ", which does not exist, is in the way: "
                + (ours ? "delete the link for a fresh folder, create" : "create") + " what it points to, or set "
                + "streams.state-dir to a folder of your own");
          }
        } else if (stores != null && Files.isSymbolicLink(stores) && !Files.exists(stores)) {
          throw invalid(key, "holds the link " + stores + " to " + linkTarget(stores) + ", which does not exist (a "
              + "volume not mounted?), where Kafka Streams keeps the stores of streams.application-id '"
              + string("streams.application-id") + "': mount or create it, or delete the link for a fresh folder");
        }
      }
      case "model.engine" -> {
        try {
          dev.advmon.model.EngineChoice.parse(string(key));
        } catch (IllegalArgumentException e) {
          throw invalid(key, "must be one of " + dev.advmon.model.EngineChoice.accepted());
        }
      }
      case "model.max-batch", "model.batch.max-frames", "model.inter-op-threads", "image.max-dimension",
          "topics.partitions", "streams.num-threads", "campaign.min-frames", "campaign.consecutive-windows",
          "http.threads" -> {
        positiveLong(key);
        intValue(key); // read as an int: a value beyond it would pass here and fail at start-up
      }
      case "image.max-encoded-bytes" -> {
        // the dead letter carries the frame whole, and Kafka's record size limits are ints
        if (positiveLong(key) > dev.advmon.topology.RecordLimits.LARGEST_ENCODED_BYTES) {
          throw invalid(key, "must be at most " + dev.advmon.topology.RecordLimits.LARGEST_ENCODED_BYTES
              + ", so that a frame's dead letter (the frame, its fields and the dead letter's own) fits in one Kafka "
              + "record, whose size limits are ints");
        }
      }
      case "image.max-pixels" -> {
        if (positiveLong(key) > dev.advmon.image.ImageLimits.PIXELS_ADDRESSABLE) {
          throw invalid(key, "must be at most " + dev.advmon.image.ImageLimits.PIXELS_ADDRESSABLE
              + ", the most pixels whose RGB bytes fit in one array");
        }
      }
      case "registry.retry-backoff-ms" -> {
        // A wait is cut to REGISTRY_MAX_BACKOFF_MS (and a longer one overflowed the doubling), so more is not what
        // happens; and a call gives up rather than wait past its deadline, two thirds of the transaction timeout:
        // a first wait longer than half that deadline leaves the retry less time than the wait, or none at all.
        long v = positiveLong(key);
        long third = longValue("streams.transaction-timeout-ms") / 3;
        if (v > Math.min(REGISTRY_MAX_BACKOFF_MS, third)) {
          throw invalid(key, "must be 1.." + REGISTRY_MAX_BACKOFF_MS + " (the longest wait between retries) and at "
              + "most a third of streams.transaction-timeout-ms (" + third + "): a registry call gives up at two "
              + "thirds of it, and its first retry must come well before");
        }
      }
      case "registry.timeout-ms",
          "streams.commit-interval-ms", "startup.retry-interval-ms", "campaign.window-ms",
          "streams.restart-backoff-max-ms", "campaign.max-clock-skew-ms",
          "health.check-interval-ms", "health.probe-timeout-ms", "health.rebalance-timeout-ms",
          "health.heartbeat-timeout-ms", "http.timeout-ms", "health.hanging-transaction-frames-age-ms" -> positiveLong(key);
      case "health.stall-timeout-ms" -> {
        // progress is a commit seen by the checker: one every commit interval, seen up to one check late
        long v = positiveLong(key);
        long gap = longValue("streams.commit-interval-ms") + longValue("health.check-interval-ms");
        if (v <= gap) {
          throw invalid(key, "must be longer than streams.commit-interval-ms plus health.check-interval-ms (" + gap
              + "): a stream that commits on time would be reported stalled, readiness DOWN, between its commits");
        }
      }
      case "streams.session-timeout-ms" -> {
        long v = longValue(key);
        if (v < 6_000 || v > 1_800_000) {
          throw invalid(key, "must be 6000..1800000 (the broker's default group.min/max.session.timeout.ms)");
        }
      }
      case "streams.transaction-timeout-ms" -> {
        long v = longValue(key);
        if (v < 5_000 || v > 900_000) {
          throw invalid(key, "must be 5000..900000 (at most the broker's default transaction.max.timeout.ms)");
        }
        if (v <= longValue("streams.commit-interval-ms")) {
          throw invalid(key, "must be longer than streams.commit-interval-ms");
        }
      }
      case "health.hanging-transactions" -> {
        try {
          dev.advmon.health.HangingTransactions.Mode.parse(string(key));
        } catch (IllegalArgumentException e) {
          throw invalid(key, "must be one of abort-own, abort-all, report, off");
        }
      }
      case "health.hanging-transaction-age-ms" -> {
        long v = longValue(key);
        if (v < 0 || v > 0 && v <= longValue("streams.transaction-timeout-ms")) {
          throw invalid(key, "must be 0 (derived) or longer than streams.transaction-timeout-ms ("
              + longValue("streams.transaction-timeout-ms") + "): a transaction younger than its timeout may still "
              + "be ended by its coordinator");
        }
      }
      case "registry.recheck-interval-ms" -> {
        long v = longValue(key);
        if (v != 0 && v < 1_000) {
          throw invalid(key, "must be 0 (never) or at least 1000");
        }
      }
      case "registry.unknown-id-cache-ms" -> {
        if (longValue(key) < 0) {
          throw invalid(key, "must be 0 (no cache) or more");
        }
      }
      case "streams.instance-id" -> {
        if (!string(key).isEmpty() && !string(key).matches("[a-zA-Z0-9._-]{1,200}")) {
          throw invalid(key, "must be letters, digits, '.', '_' or '-' (at most 200), or empty for the host name");
        }
      }
      case "http.allowed-hosts" -> {
        for (String h : list(key)) {
          if (!h.equals("*") && !h.matches("[a-zA-Z0-9.:\\[\\]_-]+")) {
            throw invalid(key, "must be host names or host:port values separated by commas, or *");
          }
        }
      }
      case "campaign.baseline-rate" -> {
        double v = doubleValue(key);
        if (!(v >= 0 && v < 1)) {
          throw invalid(key, "must be a share of frames from 0 (inclusive) to 1 (exclusive), e.g. 0.1");
        }
      }
      case "campaign.idle-retention-ms" -> {
        // a quiet camera's campaign is cleared after it: shorter than the quickest clear by cool windows, a pause of
        // a minute in an attacked camera's stream would end its campaign (and the camera's counts) without a word
        long v = longValue(key);
        long least = campaignIdleRetentionLeastMs();
        // only a value someone set: the default is raised to the bound instead (campaignIdleRetentionMs), else a
        // configuration that set campaign.window-ms or campaign.max-clock-skew-ms long (a day's skew for cameras with
        // bad clocks) and never campaign.idle-retention-ms, valid until now, stopped starting after an upgrade
        if (v < 0 || v > 0 && v < least && !DEFAULT_ORIGIN.equals(origin(key))) {
          throw invalid(key, "must be 0 (keep every camera) or at least campaign.window-ms x "
              + "campaign.consecutive-windows + campaign.max-clock-skew-ms (" + least + "): a camera in a campaign "
              + "that pauses for less than that must keep its campaign");
        }
      }
      case "startup.max-wait-ms", "model.batch.max-wait-ms" -> {
        if (longValue(key) < 0) {
          throw invalid(key, "must be 0 or more");
        }
      }
      case "registry.retries", "model.intra-op-threads", "model.batch.workers" -> {
        if (intValue(key) < 0) {
          throw invalid(key, "must be 0 or more");
        }
      }
      case "topics.replication-factor" -> {
        long v = longValue(key);
        if (v != -1 && (v < 1 || v > Short.MAX_VALUE)) {
          throw invalid(key, "must be -1 (broker default) or 1.." + Short.MAX_VALUE);
        }
      }
      case "kafka.bootstrap.servers" -> {
        for (String server : list(key)) {
          if (!server.matches("([A-Za-z][A-Za-z0-9_+.-]*://)?(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+):\\d{1,5}")
              || port(server.substring(server.lastIndexOf(':') + 1)) < 1) {
            throw invalid(key, "must be host:port entries separated by commas, e.g. kafka-0:9092,kafka-1:9092; '"
                + server + "' is not");
          }
        }
      }
      case "registry.url" -> {
        List<String> urls = list(key);
        for (int i = 0; i < urls.size(); i++) {
          if (carriesUserInfo(urls.get(i))) {
            // java.net.http does not send it (the registry would answer 401), and the URLs appear in errors, log
            // lines, /health and dead letters: the password would leak there
            throw invalid(key, "carries user info (user:password@) in "
                + (urls.size() > 1 ? "its URL number " + (i + 1) : "its URL") + ": take it out of the URL and set "
                + "registry.basic-auth.user-info instead (preferably from the environment, "
                + Setting.envNameOf("registry.basic-auth.user-info") + ")");
          }
        }
        for (int i = 0; i < urls.size(); i++) {
          String url = urls.get(i);
          String problem = urlProblem(url);
          if (problem != null) {
            // an '@' may be user info that no URI parser found (a '/' in the password): not shown
            throw invalid(key, "must be http:// or https:// URLs separated by commas, e.g. http://registry:8081; "
                + (url.indexOf('@') < 0 ? "'" + url + "'" : "URL number " + (i + 1)) + " " + problem);
          }
        }
      }
      case "http.bearer-token" -> {
        if (!dev.advmon.http.HttpSettings.isValidToken(string(key))) {
          throw invalidSecret(key, dev.advmon.http.HttpSettings.TOKEN_RULE);
        }
      }
      case "registry.basic-auth.user-info" -> {
        if (!string(key).isEmpty() && string(key).indexOf(':') < 0) {
          throw invalidSecret(key, "must be user:password (the colon is missing)");
        }
      }
      case "http.bind" -> {
        try {
          if (string(key).isBlank()) {
            throw new java.net.UnknownHostException("empty");
          }
          java.net.InetAddress.getByName(string(key));
        } catch (java.net.UnknownHostException e) {
          throw invalid(key, "does not resolve to an address: use an IP address of this host, such as 127.0.0.1 "
              + "(this host only) or 0.0.0.0 (every interface)");
        }
      }
      case "streams.application-server" -> {
        String v = string(key);
        if (!v.isEmpty() && (!v.matches("[A-Za-z0-9._-]+:\\d{1,5}")
            || Integer.parseInt(v.substring(v.lastIndexOf(':') + 1)) > 65535
            || Integer.parseInt(v.substring(v.lastIndexOf(':') + 1)) < 1)) {
          throw invalid(key, "must be host:port (a name or address the other instances can reach, e.g. "
              + "advmon-0.advmon.prod.svc:8080), or empty");
        }
      }
      case "http.port" -> {
        long v = longValue(key);
        if (v < 0 || v > 65535) {
          throw invalid(key, "must be a port number 0..65535");
        }
      }
      case "http.health-port" -> {
        long v = longValue(key);
        if (v < 0 || v > 65535) {
          throw invalid(key, "must be a port number 0..65535 (0 = none)");
        }
        if (v != 0 && v == longValue("http.port")) {
          throw invalid(key, "must differ from http.port (" + v + "), which serves the health probes already; "
              + "choose another port, or 0 for none");
        }
        if (v != 0 && longValue("http.port") == 0) {
          throw invalid(key, "needs http.port: with http.port=0 the monitor serves no HTTP at all; set http.port, "
              + "or http.health-port=0");
        }
      }
      case "registry.auto-register", "topics.create", "alerts.evidence-image" -> bool(key);
      case "alerts.evidence-image-max-bytes" -> {
        // checked even while the picture is off, so that switching it on cannot meet a bad bound at start-up
        if (positiveLong(key) > MAX_EVIDENCE_IMAGE_BYTES) {
          throw invalid(key, "must be 1.." + MAX_EVIDENCE_IMAGE_BYTES + ": the alert, with its picture, must fit the "
              + "alerts topic's max.message.bytes (the broker's default, 1048588)");
        }
      }
      case "streams.leave-group-on-close" -> {
        if (!List.of("auto", "true", "false").contains(string(key).toLowerCase(Locale.ROOT))) {
          throw invalid(key, "must be auto, true or false");
        }
      }
      case "registry.ssl.truststore.type", "registry.ssl.keystore.type" -> {
        if (!List.of("PKCS12", "JKS").contains(string(key).toUpperCase(Locale.ROOT))) {
          throw invalid(key, "must be PKCS12 or JKS");
        }
      }
      case "topics.frames", "topics.verdicts", "topics.alerts", "topics.dead-letter", "streams.application-id" -> {
        if (!string(key).matches("[a-zA-Z0-9._-]{1,249}")) {
          throw invalid(key, "must be a legal Kafka name (letters, digits, '.', '_', '-'; at most 249 of them)");
        }
        if (key.startsWith("topics.") && (string(key).equals(".") || string(key).equals(".."))) {
          throw invalid(key, "must be a legal Kafka name: Kafka refuses the topic names '.' and '..'");
        }
        if (key.equals("streams.application-id")) {
          // Kafka Streams names its internal topics after it, and Kafka refuses a topic name over 249 characters
          String longest = dev.advmon.topology.MonitorTopology.internalTopics(string(key)).stream()
              .max(java.util.Comparator.comparingInt(String::length)).orElseThrow();
          if (longest.length() > 249) {
            throw invalid(key, "is too long: at most " + (249 - longest.length() + string(key).length())
                + " characters, so that the internal topic named after it (<id>"
                + longest.substring(string(key).length()) + ") stays within Kafka's 249");
          }
          return;
        }
        for (String other : TOPICS.subList(0, TOPICS.indexOf(key))) {
          if (string(other).equals(string(key))) {
            // verdicts written to the frames topic would be read back as frames (and dead-lettered), forever
            throw invalid(key, "is the same topic as " + other + "; the four topics must be different");
          }
          if (collisionForm(string(other)).equals(collisionForm(string(key)))) {
            throw invalid(key, "collides with " + other + " ('" + string(other) + "'): " + COLLISION);
          }
        }
        for (String kafkas : KAFKA_INTERNAL_TOPICS) {
          if (collisionForm(kafkas).equals(collisionForm(string(key)))) {
            // the broker's own state: frames read from it would all be dead letters, and writes to it are refused
            throw invalid(key, (kafkas.equals(string(key)) ? "is" : "collides with") + " Kafka's internal topic '"
                + kafkas + "'; name a topic of your own");
          }
        }
        for (String internal : dev.advmon.topology.MonitorTopology.internalTopics(string("streams.application-id"))) {
          if (collisionForm(internal).equals(collisionForm(string(key)))) {
            // the monitor's own records would be mixed into its state or its repartitioned campaign counts
            throw invalid(key, (internal.equals(string(key)) ? "is" : "collides with") + " the monitor's internal "
                + "topic '" + internal + "' (named after streams.application-id)"
                + (internal.equals(string(key)) ? "" : ": " + COLLISION));
          }
        }
        // the consumer-lag alert (k8s/base/prometheusrule.yaml) tells the frames topic from the monitor's internal
        // topics, <application id>-campaign-by-camera-repartition and -camera-status-changelog, by those suffixes,
        // whatever topics.frames and the application id are: a frames topic named so would never raise it. Only
        // these: a frames topic ending in -repartition or -changelog alone is valid Kafka, and was always accepted
        for (String suffix : dev.advmon.topology.MonitorTopology.internalTopics("")) {
          if (key.equals("topics.frames") && string(key).endsWith(suffix)) {
            throw invalid(key, "ends in '" + suffix + "', the suffix of one of the monitor's internal topics: the"
                + " alert AdvmonConsumerLag (k8s/base/prometheusrule.yaml) leaves such topics out, so a backlog on it"
                + " would never be reported; name the frames topic otherwise");
          }
        }
      }
      default -> { }
    }
  }

  /** Requires settings that a command cannot run without (e.g. `run` needs the broker and registry). */
  public MonitorConfig require(String... keys) {
    // all at once: naming one at a time took a newcomer's file with neither Kafka nor registry two rounds
    List<String> missing = java.util.Arrays.stream(keys).filter(k -> string(k).isBlank()).toList();
    if (missing.isEmpty()) {
      return this;
    }
    String named = missing.size() == 1 ? "setting '" + missing.get(0) + "' is required here"
        : "settings " + and(missing.stream().map(k -> "'" + k + "'").toList()) + " are required here";
    String env = and(missing.stream().map(Setting::envNameOf).toList());
    if (file == null) {
      // `./monitor run` with no --config told a newcomer to set them "in the configuration file", which they had
      // not given, and not how to give one
      throw new ConfigException(named + ", and no configuration file was given: give one with --config FILE ("
          + example(home) + " is one to copy) or set " + env);
    }
    throw new ConfigException(named + ": set " + (missing.size() == 1 ? "it" : "them") + " in " + file + " or as "
        + env);
  }

  /** "a", "a and b", "a, b and c". */
  private static String and(List<String> items) {
    int last = items.size() - 1;
    return last == 0 ? items.get(0) : String.join(", ", items.subList(0, last)) + " and " + items.get(last);
  }

  /** Topics the broker keeps for itself (offsets, transactions, share groups, KRaft's metadata log). */
  static final List<String> KAFKA_INTERNAL_TOPICS = List.of("__consumer_offsets", "__transaction_state",
      "__share_group_state", "__cluster_metadata");

  /** The longest wait between two tries of a registry call ({@code registry.retry-backoff-ms} doubled, capped). */
  public static final long REGISTRY_MAX_BACKOFF_MS = 5_000;

  /**
   * A topic name as Kafka compares it for a collision: '.' and '_' both become '_' in metric names, so the broker
   * refuses a topic whose name differs from an existing one only in those.
   */
  private static String collisionForm(String topic) {
    return topic.replace('.', '_');
  }

  private static final String COLLISION = "Kafka refuses two topics whose names differ only in '.' and '_' (their "
      + "metric names would be the same); rename one";

  /** The four topics, in order; each must differ from the others. */
  private static final List<String> TOPICS = List.of("topics.frames", "topics.verdicts", "topics.alerts",
      "topics.dead-letter");

  private static int port(String digits) {
    long p = Long.parseLong(digits);
    return p > 65535 ? -1 : (int) p;
  }

  /**
   * Whether a registry URL holds user info: an '@' in its authority, parsed as a URI or not (a password with a space
   * or a '%' that is no escape makes it no URI, and its text must not be shown either).
   */
  private static boolean carriesUserInfo(String url) {
    int start = url.indexOf("://");
    start = start < 0 ? 0 : start + 3;
    int end = start;
    while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    return url.substring(start, end).indexOf('@') >= 0;
  }

  /** What is wrong with one registry URL, or null. */
  private static String urlProblem(String url) {
    java.net.URI uri;
    try {
      uri = new java.net.URI(url);
    } catch (java.net.URISyntaxException e) {
      return "is not a URL (" + e.getReason() + ")";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("mock")) {
      return null; // an in-memory registry, for tests
    }
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return "has no http:// or https:// in front";
    }
    if (uri.getHost() == null) {
      return "names no host";
    }
    return null;
  }

  /** As {@link #invalid}, without the value: a password or token must not reach a log. */
  private ConfigException invalidSecret(String key, String problem) {
    return new ConfigException("setting '" + key + "' (from " + origins.get(key) + ") " + problem);
  }

  ConfigException invalid(String key, String problem) {
    if (isSecret(key)) {
      // a password, a JAAS line, PEM text Kafka types as a password (a private key pasted there by mistake)
      return invalidSecret(key, problem);
    }
    if (key.equals("registry.url") && values.get(key).indexOf('@') >= 0) {
      // user:password@ in a URL (refused, but any error about the value would show it): the value is not shown
      return invalidSecret(key, problem);
    }
    return new ConfigException("setting '" + key + "' = '" + values.get(key) + "' (from " + origins.get(key) + ") "
        + problem);
  }

  public String string(String key) {
    if (!values.containsKey(key)) {
      throw new IllegalArgumentException("no such setting: " + key);
    }
    return values.get(key);
  }

  public long longValue(String key) {
    try {
      return Long.parseLong(string(key));
    } catch (NumberFormatException e) {
      // a whole number too long for a long is no typo of one: say what is wrong with it
      String v = string(key);
      if (v.matches("[+-]?\\d+")) {
        throw invalid(key, v.startsWith("-") ? "is too small: at least " + Long.MIN_VALUE
            : "is too large: at most " + Long.MAX_VALUE);
      }
      throw invalid(key, "must be a whole number");
    }
  }

  public int intValue(String key) {
    long v = longValue(key);
    if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
      throw invalid(key, v > 0 ? "is too large: at most " + Integer.MAX_VALUE
          : "is too small: at least " + Integer.MIN_VALUE);
    }
    return (int) v;
  }

  /** A comma-separated setting as its trimmed, non-empty items. */
  public List<String> list(String key) {
    List<String> out = new ArrayList<>();
    for (String item : string(key).split(",")) {
      if (!item.isBlank()) {
        out.add(item.trim());
      }
    }
    return out;
  }

  /**
   * {@code streams.instance-id}, or when empty the host name (HOSTNAME, then the local host's name), reduced to
   * the characters a Kafka client id allows.
   */
  public String instanceId() {
    String id = string("streams.instance-id");
    if (id.isBlank()) {
      id = hostName();
    }
    String clean = id.replaceAll("[^a-zA-Z0-9._-]", "-");
    return clean.isEmpty() ? "advmon" : clean;
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "advmon";
    }
  }

  public double doubleValue(String key) {
    try {
      return Double.parseDouble(string(key));
    } catch (NumberFormatException e) {
      throw invalid(key, "must be a number, e.g. 0.1");
    }
  }

  private long positiveLong(String key) {
    long v = longValue(key);
    if (v <= 0) {
      throw invalid(key, "must be positive");
    }
    return v;
  }

  public boolean bool(String key) {
    String v = string(key).toLowerCase(Locale.ROOT);
    if (v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw invalid(key, "must be true or false");
  }

  /** A path setting, resolved against the monitor's home when relative. */
  public Path path(String key) {
    Path p = Path.of(string(key));
    return p.isAbsolute() ? p : home.resolve(p).normalize();
  }

  public String origin(String key) {
    return origins.get(key);
  }

  /** The monitor's home, against which {@link #path} resolves relative paths. */
  public Path home() {
    return home;
  }

  /** Kafka client properties: every kafka.* key without the prefix. */
  public Map<String, Object> kafkaClientProperties() {
    Map<String, Object> out = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith("kafka.") && !v.isBlank()) {
        out.put(k.substring("kafka.".length()), v);
      }
    });
    return out;
  }

  /** The reference table (Markdown) for README.md. */
  public static String reference() {
    StringBuilder sb = new StringBuilder("| setting | environment | default | what it does |\n|---|---|---|---|\n");
    for (Setting s : SETTINGS) {
      sb.append("| `").append(s.key()).append("` | `").append(s.envName()).append("` | `")
          .append(s.defaultValue().isEmpty() ? "(empty)" : s.defaultValue()).append("` | ")
          .append(s.doc().replace("|", "\\|")).append(" |\n");
    }
    return sb.toString();
  }
}
