package dev.advmon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MonitorConfigTest {

  @TempDir
  Path dir;

  private Path file(String text) throws Exception {
    Path f = dir.resolve("monitor.properties");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void environmentOverridesTheFileAndCommandLineOverridesBoth() throws Exception {
    Path f = file("topics.frames=cam-frames\nstreams.num-threads=2\nmodel.max-batch=64\n");
    MonitorConfig c = MonitorConfig.load(f, Map.of("ADVMON_STREAMS_NUM_THREADS", "4", "ADVMON_MODEL_MAX_BATCH", "32"),
        Map.of("model.max-batch", "16"), dir).validated();
    assertThat(c.string("topics.frames")).isEqualTo("cam-frames");
    assertThat(c.intValue("streams.num-threads")).isEqualTo(4);
    assertThat(c.origin("streams.num-threads")).isEqualTo("environment ADVMON_STREAMS_NUM_THREADS");
    assertThat(c.intValue("model.max-batch")).isEqualTo(16);
    assertThat(c.string("topics.verdicts")).isEqualTo("verdicts");
  }

  /**
   * config --check marks a value set to its default; the comparison was textual, so a value the monitor reads the same
   * as its default but written otherwise (TRUE, a leading zero or plus, 0.10) went unmarked. A text setting stays
   * compared as text (a topic's name is case-sensitive), and a different value stays unmarked.
   */
  @Test
  void aValueWrittenOtherwiseButReadAsItsDefaultIsMarkedTheSameAsItsDefault() {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of("topics.create", "TRUE", "http.port", "08080",
        "streams.num-threads", "+2", "campaign.baseline-rate", "0.10", "alerts.evidence-image", "False",
        "topics.partitions", "4", "topics.frames", "FRAMES", "http.threads", "4x"), dir);
    List<String> marked = c.setValues().stream().filter(l -> l.endsWith("; the same as its default)"))
        .map(l -> l.substring(0, l.indexOf(' '))).toList();
    assertThat(marked).containsExactlyInAnyOrder("topics.create", "http.port", "streams.num-threads",
        "campaign.baseline-rate", "alerts.evidence-image");
    // a choice is read case aside (and health.hanging-transactions with _ for -)
    MonitorConfig choices = MonitorConfig.load(null, Map.of(), Map.of("model.engine", "AUTO",
        "health.hanging-transactions", "ABORT_OWN", "streams.leave-group-on-close", "Auto"), dir);
    assertThat(choices.setValues()).hasSize(3).allSatisfy(l -> assertThat(l).endsWith("; the same as its default)"));
  }

  /**
   * "The same as its default" was judged by the look of the default: a text setting whose default reads as a number
   * (a zero-padded code) would have had '7' marked the same as '007', which the monitor reads as other text. A setting
   * says how it is read; one that names text is compared as text.
   */
  @Test
  void aTextSettingWhoseDefaultLooksLikeANumberIsComparedAsText() {
    Setting code = new Setting("site.code", "007", "A zero-padded site code.", Setting.Kind.TEXT);
    assertThat(MonitorConfig.meansItsDefault(code, "7")).isFalse();
    assertThat(MonitorConfig.meansItsDefault(code, "007")).isTrue();
    Setting count = new Setting("site.count", "007", "A count.");
    assertThat(count.kind()).isEqualTo(Setting.Kind.WHOLE_NUMBER);
    assertThat(MonitorConfig.meansItsDefault(count, "7")).isTrue();
  }

  /**
   * The kind a setting takes from its default is how the monitor reads it: each setting of a number or true/false kind
   * refuses a value that is neither, so a text setting with a number for its default cannot pass unnoticed as one (it
   * would accept the word: name its kind, Setting.Kind.TEXT).
   */
  @Test
  void everySettingOfANumberOrTrueFalseKindRefusesAWord() {
    List<String> accepted = new java.util.ArrayList<>();
    for (Setting s : MonitorConfig.SETTINGS) {
      if (s.kind() == Setting.Kind.TEXT) {
        continue;
      }
      try {
        MonitorConfig.load(null, Map.of(), Map.of(s.key(), "eleven"), dir).validated();
        accepted.add(s.key());
      } catch (ConfigException e) {
        if (!e.getMessage().contains(s.key())) {
          accepted.add(s.key() + " (refused for another reason: " + e.getMessage() + ")");
        }
      }
    }
    assertThat(accepted).as("settings whose default reads as a number or true/false, but which accept a word").isEmpty();
  }

  /**
   * registry.ssl.truststore.type is read case aside (KeyStore types are, and validation upper-cases it), but was
   * compared with its default PKCS12 as text: pkcs12 was listed as a value of its own. JKS stays a value of its own.
   */
  @Test
  void aTruststoreTypeWrittenInLowerCaseIsMarkedTheSameAsItsDefault() {
    MonitorConfig lower = MonitorConfig.load(null, Map.of(), Map.of("registry.ssl.truststore.type", "pkcs12"), dir);
    assertThat(lower.setValues())
        .containsExactly("registry.ssl.truststore.type = 'pkcs12' (from command line; the same as its default)");
    MonitorConfig jks = MonitorConfig.load(null, Map.of(), Map.of("registry.ssl.truststore.type", "jks"), dir);
    assertThat(jks.setValues()).containsExactly("registry.ssl.truststore.type = 'jks' (from command line)");
  }

  @Test
  void anEmptyEnvironmentVariableLeavesTheFilesValueAsAnUnsetOneWould() throws Exception {
    // k8s/base/credentials.env ships these keys empty; the Secret's empty values must not erase the file's token
    Path f = file("http.bearer-token=s3cret-token\nregistry.basic-auth.user-info=alice:pw\n");
    MonitorConfig c = MonitorConfig.load(f, Map.of("ADVMON_HTTP_BEARER_TOKEN", "", "ADVMON_REGISTRY_BASIC_AUTH_USER_INFO",
        "  "), Map.of(), dir).validated();
    assertThat(c.string("http.bearer-token")).isEqualTo("s3cret-token");
    assertThat(c.origin("http.bearer-token")).isEqualTo(f + ", line 1");
    assertThat(c.string("registry.basic-auth.user-info")).isEqualTo("alice:pw");
  }

  @Test
  void kafkaKeysPassThroughFromFileAndEnvironment() throws Exception {
    Path f = file("kafka.bootstrap.servers=b:9092\nkafka.security.protocol=SASL_SSL\n");
    MonitorConfig c = MonitorConfig.load(f,
        Map.of("ADVMON_KAFKA_SASL_JAAS_CONFIG", "secret", "ADVMON_KAFKA_SASL_MECHANISM", "PLAIN"), Map.of(), dir);
    assertThat(c.kafkaClientProperties())
        .containsEntry("bootstrap.servers", "b:9092")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.jaas.config", "secret")
        .containsEntry("sasl.mechanism", "PLAIN");
  }

  @Test
  void refusesKafkaKeysThatAreATypoOfAKnownOneNamingIt() throws Exception {
    Path f = file("kafka.bootstrap.servers=b:9092\nkafka.security.protocl=SASL_SSL\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of(), Map.of(), dir))
        .hasMessageContaining("unknown setting 'kafka.security.protocl'")
        .hasMessageContaining("did you mean 'kafka.security.protocol'?");

    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of("ADVMON_KAFKA_BOOTSTRAP_SERVER", "x:1"), Map.of(), dir))
        .hasMessageContaining("ADVMON_KAFKA_BOOTSTRAP_SERVER is not a setting")
        .hasMessageContaining("did you mean ADVMON_KAFKA_BOOTSTRAP_SERVERS?");
  }

  @Test
  void acceptsKafkaStreamsKeysAndClientKeysBehindItsPrefixes() throws Exception {
    Path f = file("kafka.producer.compression.type=lz4\nkafka.main.consumer.max.poll.records=100\n"
        + "kafka.topic.min.insync.replicas=2\nkafka.admin.retries=3\nkafka.metrics.recording.level=DEBUG\n"
        + "kafka.ssl.truststore.type=PEM\n");
    MonitorConfig c = MonitorConfig.load(f, Map.of("ADVMON_KAFKA_SASL_MECHANISM", "PLAIN"), Map.of(), dir);
    assertThat(c.kafkaClientProperties()).containsKeys("producer.compression.type", "main.consumer.max.poll.records",
        "topic.min.insync.replicas", "admin.retries", "metrics.recording.level", "ssl.truststore.type", "sasl.mechanism");

    assertThatThrownBy(() -> MonitorConfig.load(file("kafka.producer.batch.siz=1\n"), Map.of(), Map.of(), dir))
        .as("a typo behind a prefix").hasMessageContaining("did you mean 'kafka.producer.batch.size'?");
  }

  /**
   * Client keys the monitor sets itself (StreamingMonitor.streamsProperties and launch) overwrote a kafka.* value
   * without a word: an operator who wrote kafka.num.stream.threads=8 ran two threads.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "kafka.num.stream.threads                  | 8             | streams.num-threads",
      "kafka.commit.interval.ms                  | 1000          | streams.commit-interval-ms",
      "kafka.application.id                      | other         | streams.application-id",
      "kafka.state.dir                           | /data         | streams.state-dir",
      "kafka.replication.factor                  | 3             | topics.replication-factor",
      "kafka.main.consumer.session.timeout.ms    | 45000         | streams.session-timeout-ms",
      "kafka.session.timeout.ms                  | 45000         | streams.session-timeout-ms",
      "kafka.producer.transaction.timeout.ms     | 60000         | streams.transaction-timeout-ms",
      "kafka.transaction.timeout.ms              | 60000         | streams.transaction-timeout-ms",
      "kafka.producer.max.request.size           | 2097152       | image.max-encoded-bytes",
      "kafka.processing.guarantee                | at_least_once | exactly_once_v2",
      "kafka.deserialization.exception.handler   | x.LogAndFail  | skips an unreadable campaign flag",
      "kafka.default.deserialization.exception.handler | x.LogAndFail | skips an unreadable campaign flag",
      "kafka.client.id                           | quota-1       | <streams.application-id>-<streams.instance-id>",
      "kafka.consumer.group.instance.id          | a             | <streams.application-id>-<streams.instance-id>",
      "kafka.group.protocol                      | streams       | classic",
      "kafka.main.consumer.group.protocol        | consumer      | classic",
      "kafka.consumer.group.protocol             | consumer      | classic",
      // keys Kafka Streams fixes for exactly-once; its check misses the main.consumer. and restore.consumer. forms,
      // which reached the clients: read_uncommitted frames and state, with no warning at all
      "kafka.isolation.level                     | read_uncommitted | to read_committed",
      "kafka.enable.idempotence                  | false         | to true",
      "kafka.producer.enable.idempotence         | false         | to true",
      "kafka.transactional.id                    | mine          | streams.instance-id",
      "kafka.producer.transactional.id           | mine          | streams.instance-id",
      "kafka.enable.auto.commit                  | true          | to false",
      "kafka.main.consumer.enable.auto.commit    | true          | to false",
      "kafka.allow.auto.create.topics            | true          | topics.create",
      "kafka.value.deserializer                  | x.StringDeserializer | to byte arrays",
      "kafka.producer.key.serializer             | x.StringSerializer   | to byte arrays",
      "kafka.default.value.serde                 | x.StringSerde | gives each topic its own serdes",
      "kafka.default.key.serde                   | x.StringSerde | gives each topic its own serdes"})
  void refusesKafkaKeysTheMonitorSetsItselfNamingWhatSetsThem(String key, String value, String instead) throws Exception {
    assertThatThrownBy(() -> MonitorConfig.load(file(key + "=" + value + "\n"), Map.of(), Map.of(), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'" + key + "' would be ignored")
        .hasMessageContaining(instead);
    String env = Setting.envNameOf(key);
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(env, value), Map.of(), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("environment variable " + env + ": '" + key + "' would be ignored")
        .hasMessageContaining(instead);
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of(key, value), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("command line: '" + key + "' would be ignored");
  }

  /**
   * Kafka Streams drops a bare or consumer. isolation.level, but gives a main.consumer. or restore.consumer. one to
   * that consumer as it is: the refusal called it "ignored", which told the operator it had been harmless.
   */
  @ParameterizedTest
  @ValueSource(strings = {"main.consumer.", "restore.consumer."})
  void aPrefixedIsolationLevelThatKafkaStreamsAppliesIsNotCalledIgnored(String prefix) throws Exception {
    Properties streams = new Properties();
    streams.put(StreamsConfig.APPLICATION_ID_CONFIG, "a");
    streams.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "x:1");
    streams.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    streams.put(prefix + "isolation.level", "read_uncommitted");
    StreamsConfig applied = new StreamsConfig(streams);
    assertThat(prefix.startsWith("main") ? applied.getMainConsumerConfigs("g", "c", 0)
        : applied.getRestoreConsumerConfigs("c")).as("what Kafka Streams does with it").containsEntry(
        "isolation.level", "read_uncommitted");
    String key = "kafka." + prefix + "isolation.level";
    assertThatThrownBy(() -> MonitorConfig.load(file(key + "=read_uncommitted\n"), Map.of(), Map.of(), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'" + key + "' would take effect, against exactly-once")
        .hasMessageContaining("'isolation.level' to read_committed")
        .hasMessageNotContaining("ignored");
  }

  @Test
  void aKafkaKeyTheMonitorSetsItselfNamesTheSettingAndItsVariable() throws Exception {
    assertThatThrownBy(() -> MonitorConfig.load(file("kafka.num.stream.threads=8\n"), Map.of(), Map.of(), dir))
        .hasMessageContaining("set that instead: streams.num-threads in the file, or ADVMON_STREAMS_NUM_THREADS")
        .hasMessageContaining("delete the line");
    // ADVMON_KAFKA_ alone read as the key '' and passed it to the clients with a warning
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of("ADVMON_KAFKA_", "x"), Map.of(), dir))
        .hasMessageContaining("environment variable ADVMON_KAFKA_: 'kafka.' names no Kafka client key");
    // a key the monitor only defaults is still the user's
    assertThat(MonitorConfig.load(file("kafka.rocksdb.config.setter=my.Setter\nkafka.producer.linger.ms=20\n"),
        Map.of(), Map.of(), dir).kafkaClientProperties())
        .containsEntry("rocksdb.config.setter", "my.Setter").containsEntry("producer.linger.ms", "20");
  }

  /**
   * acks other than all and more than 5 requests in flight passed config --check, and stopped `run` only when Kafka
   * built the exactly-once producers, with Kafka's own message naming no setting or file.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "kafka.acks                                              | 1   | acks=all",
      "kafka.producer.acks                                     | 0   | acks=all",
      "kafka.acks                                              | ALL | acks=all",
      "kafka.max.in.flight.requests.per.connection             | 6   | from 1 to 5",
      "kafka.producer.max.in.flight.requests.per.connection    | 10  | from 1 to 5",
      "kafka.max.in.flight.requests.per.connection             | 0   | from 1 to 5",
      "kafka.max.in.flight.requests.per.connection             | many | from 1 to 5"})
  void refusesProducerValuesExactlyOnceCannotRunWithNamingTheSettingAndWhereItCameFrom(String key, String value,
      String allowed) throws Exception {
    Path f = file("\n" + key + "=" + value + "\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of(), Map.of(), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting '" + key + "' = '" + value + "' (from " + f + ", line 2)")
        .hasMessageContaining("exactly-once")
        .hasMessageContaining(allowed);
    String env = Setting.envNameOf(key);
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(env, value), Map.of(), dir).validated())
        .hasMessageContaining("(from environment " + env + ")").hasMessageContaining(allowed);
  }

  @Test
  void acceptsTheProducerValuesExactlyOnceRunsWith() throws Exception {
    MonitorConfig.load(file("kafka.acks=all\nkafka.producer.max.in.flight.requests.per.connection=5\n"), Map.of(),
        Map.of("kafka.producer.acks", "-1", "kafka.max.in.flight.requests.per.connection", "1"), dir).validated();
    MonitorConfig.load(null, Map.of("ADVMON_KAFKA_ACKS", "all"), Map.of(), dir).validated();
  }

  /** What the two tests above accept and refuse is what Kafka's idempotent producer does, case included. */
  @ParameterizedTest
  @CsvSource({"acks, all, true", "acks, ALL, false", "acks, -1, true", "acks, 1, false", "acks, 0, false",
      "max.in.flight.requests.per.connection, 5, true", "max.in.flight.requests.per.connection, 1, true",
      "max.in.flight.requests.per.connection, 6, false", "max.in.flight.requests.per.connection, 0, false"})
  void theProducerValuesRefusedAreThoseKafkasIdempotentProducerRefuses(String key, String value, boolean runs) {
    Map<String, Object> p = new java.util.HashMap<>(Map.of("bootstrap.servers", "localhost:9092",
        "enable.idempotence", "true", "transactional.id", "t", key, value,
        "key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class,
        "value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class));
    boolean kafkaRuns;
    try {
      new org.apache.kafka.clients.producer.ProducerConfig(p);
      kafkaRuns = true;
    } catch (org.apache.kafka.common.KafkaException e) {
      kafkaRuns = false;
    }
    assertThat(kafkaRuns).isEqualTo(runs);
    assertThat(KafkaClientKeys.exactlyOnceProblem(key, value) == null).isEqualTo(runs);
  }

  /** File and environment values are trimmed; --set KEY=VALUE kept the blanks, and ' 4' failed as no number. */
  @Test
  void commandLineValuesAreTrimmedAsFileAndEnvironmentValuesAre() throws Exception {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of("streams.num-threads", " 4 ",
        "topics.frames", "cam-frames\t", "kafka.linger.ms ", "20"), dir).validated();
    assertThat(c.intValue("streams.num-threads")).isEqualTo(4);
    assertThat(c.string("topics.frames")).isEqualTo("cam-frames");
    assertThat(c.kafkaClientProperties()).containsEntry("linger.ms", "20");
    assertThat(c.origin("streams.num-threads")).isEqualTo("command line");
  }

  /** --set 'a=1' --set 'a =2' merged after trimming and one of them won without a word. */
  @Test
  void refusesTwoCommandLineKeysThatDifferOnlyInBlanks() {
    Map<String, String> given = new java.util.LinkedHashMap<>();
    given.put("streams.num-threads", "4");
    given.put("streams.num-threads ", "2");
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), given, dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("command line: setting 'streams.num-threads' is given twice, as 'streams.num-threads' "
            + "and 'streams.num-threads '")
        .hasMessageContaining("keep the one you mean");
  }

  @Test
  void passesOnKafkaKeysThatAreNoTypoOfAKnownOneForPluginsThatReadTheirOwn() throws Exception {
    Path f = file("kafka.config.providers=file\n"
        + "kafka.config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n"
        + "kafka.confluent.monitoring.interceptor.publishMs=15000\n");
    MonitorConfig c = MonitorConfig.load(f, Map.of("ADVMON_KAFKA_MYPLUGIN_ENDPOINT", "http://x"), Map.of(), dir);
    assertThat(c.kafkaClientProperties()).containsKeys("config.providers", "config.providers.file.class",
        "confluent.monitoring.interceptor.publishMs", "myplugin.endpoint");
  }

  /** The file's line too: in a file of fifty settings with comments, the name alone left the line to be searched. */
  @Test
  void invalidValuesFailNamingTheSettingAndWhereTheValueCameFrom() throws Exception {
    Path f = file("# threads\n\nstreams.num-threads=zero\n  http.port : 99999\nhttp.bind=\\\n  nowhere.invalid\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of("ADVMON_MODEL_ENGINE", "cuda"), Map.of(), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'streams.num-threads' = 'zero' (from " + f + ", line 3)")
        .hasMessageContaining("'http.port' = '99999' (from " + f + ", line 4)")
        .hasMessageContaining("'http.bind' = 'nowhere.invalid' (from " + f + ", line 5)")
        .hasMessageContaining("'model.engine' = 'cuda' (from environment ADVMON_MODEL_ENGINE)");
  }

  /**
   * A streams.state-dir that names a file passed config --check and stopped `run` only once the broker and the
   * registry answered, when the process id was written into it.
   */
  @Test
  void aStateDirThatIsAFileIsRefusedAtLoad() throws Exception {
    Path notAFolder = Files.writeString(dir.resolve("state"), "x");
    Path f = file("streams.state-dir=" + notAFolder + "\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of(), Map.of(), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'streams.state-dir' = '" + notAFolder + "' (from " + f + ", line 1) is a file")
        .hasMessageContaining("name a folder");
    MonitorConfig.load(null, Map.of(), Map.of("streams.state-dir", dir.resolve("new/state").toString()), dir)
        .validated();
  }

  /**
   * {@code streams.state-dir=~/state} made a folder named {@code ~} in the working folder, without a word: only a
   * shell expands {@code ~}, and a missing state folder is created. Refused at load, as model.dir and the TLS store
   * locations are, naming the full path meant; nothing is created.
   */
  @Test
  void aStateDirStartingWithATildeIsRefusedNamingTheFullPathMeant() throws Exception {
    Path f = file("streams.state-dir=~/advmon-state\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of(), Map.of(), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'streams.state-dir' = '~/advmon-state' (from " + f + ", line 1)")
        .hasMessageContaining("'~' is not expanded")
        .hasMessageContaining(Path.of(System.getProperty("user.home"), "advmon-state").toString());
    assertThat(Path.of("~")).as("no folder named ~ made in the working folder").doesNotExist();
  }

  /** A state-dir under a file (a typo of one path segment, a file where a volume was to be mounted) cannot be made either. */
  @Test
  void aStateDirUnderAFileIsRefusedAtLoadNamingTheFile() throws Exception {
    Path aFile = Files.writeString(dir.resolve("volume"), "x");
    Path under = aFile.resolve("advmon/state");
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("streams.state-dir", under.toString()), dir)
        .validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'streams.state-dir' = '" + under + "' (from command line) is under the file "
            + aFile + ", where no folder can be made")
        .hasMessageContaining("name a folder");
  }

  /**
   * A state-dir that is, or is under, a link to a volume that was not mounted: the link exists but leads nowhere, so
   * the check above walked past it to its folder and let it through; `run` then failed creating it, naming only the
   * link.
   */
  @Test
  void aStateDirThroughALinkToNothingIsRefusedAtLoadNamingTheLink() throws Exception {
    Path target = dir.resolve("not-mounted");
    Path link = Files.createSymbolicLink(dir.resolve("volume"), target);
    for (Path stateDir : List.of(link, link.resolve("advmon/state"))) {
      assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("streams.state-dir", stateDir.toString()), dir)
          .validated())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("setting 'streams.state-dir' = '" + stateDir + "' (from command line) is ")
          .hasMessageContaining("the link " + link + " to " + target + ", which does not exist")
          .hasMessageContaining("name a folder");
    }
  }

  /**
   * Kafka Streams keeps its stores in {@code <streams.state-dir>/<streams.application-id>}: a link there to nothing (a
   * volume not mounted) passed config --check, and run failed only after the broker and registry answered.
   */
  @Test
  void anApplicationFolderThatIsALinkToNothingIsRefusedAtLoadNamingTheLink() throws Exception {
    Path state = Files.createDirectories(dir.resolve("state"));
    Path target = dir.resolve("not-mounted");
    Path link = Files.createSymbolicLink(state.resolve("advmon-app"), target);
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("streams.state-dir", state.toString(),
        "streams.application-id", "advmon-app"), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'streams.state-dir' = '" + state + "' (from command line) holds ")
        .hasMessageContaining("the link " + link + " to " + target + ", which does not exist")
        .hasMessageContaining("streams.application-id");
  }

  /**
   * With streams.state-dir empty the stores go to {@code <java.io.tmpdir>/kafka-streams/<streams.application-id>}: a
   * link there to nothing was not looked at, and run failed only after the broker and registry answered. The link is
   * made in the real temp folder, under an application id of this test's own, and removed after.
   */
  @Test
  void anApplicationFolderInTheTempFolderThatIsALinkToNothingIsRefusedAtLoadNamingTheLink() throws Exception {
    String app = "advmon-config-test-" + java.util.UUID.randomUUID();
    Path base = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "kafka-streams"));
    Path target = dir.resolve("not-mounted");
    Path link = Files.createSymbolicLink(base.resolve(app), target);
    try {
      assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("streams.application-id", app), dir)
          .validated())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("setting 'streams.state-dir' = '' (from default) ")
          .hasMessageContaining("link " + link.toAbsolutePath() + " to " + target + ", which does not exist")
          .hasMessageContaining("streams.application-id")
          .hasMessageContaining("set streams.state-dir");
    } finally {
      Files.delete(link);
    }
  }

  /**
   * With streams.state-dir empty, a link to nothing above the application's folder is in the way too: the temp
   * folder's kafka-streams, or java.io.tmpdir itself (a scratch volume not mounted). Only the application's folder was
   * looked at below the temp dir, and Kafka Streams failed to make its folder only once run had connected. Here
   * java.io.tmpdir is this test's own folder while it runs.
   */
  @Test
  void aTempFolderOrItsKafkaStreamsFolderThatIsALinkToNothingIsRefusedAtLoadNamingTheLink() throws Exception {
    String before = System.getProperty("java.io.tmpdir");
    Path target = dir.resolve("not-mounted");
    Path tmp = Files.createSymbolicLink(dir.resolve("scratch"), target);
    Path real = Files.createDirectories(dir.resolve("real-tmp"));
    Path streams = Files.createSymbolicLink(real.resolve("kafka-streams"), target);
    try {
      for (Path[] c : new Path[][] {{tmp, tmp}, {real, streams}}) {
        System.setProperty("java.io.tmpdir", c[0].toString());
        assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of(), dir).validated())
            .as(c[1].toString())
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("setting 'streams.state-dir' = '' (from default) ")
            .hasMessageContaining("link " + c[1] + " to " + target + ", which does not exist")
            .hasMessageContaining("set streams.state-dir")
            .satisfies(e -> assertThat(e.getMessage().contains("delete the link")).as("told to delete the temp dir's "
                + "own link").isEqualTo(c[1] != tmp));
      }
    } finally {
      System.setProperty("java.io.tmpdir", before);
    }
  }

  @Test
  void anEmptyModelDirInTheFileIsRefusedNamingTheSettingRatherThanReadAsTheHomeFolder() throws Exception {
    Path f = file("model.dir=\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of(), Map.of(), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'model.dir' = '' (from " + f + ", line 1) is empty")
        .hasMessageContaining("remove the line for the default models/fashion-mnist-cnn");
  }

  @ParameterizedTest
  @CsvSource({
      "image.max-dimension, 99999999999, is too large: at most 2147483647",
      "streams.num-threads, 4294967296, is too large: at most 2147483647",
      "image.max-pixels, 99999999999999999999, is too large: at most 9223372036854775807",
  })
  void aWholeNumberBeyondItsTypeSaysHowLargeItMayBe(String key, String value, String said) {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of(key, value), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting '" + key + "' = '" + value + "' (from command line) " + said);
  }

  @Test
  void aSettingGivenTwiceInTheFileIsRefusedNamingItAndItsLines() throws Exception {
    // an operator who adds "streams.num-threads=4" at the end of a file that already sets it to 2 got 4, or the
    // reverse after an edit above it, with no word either way
    Path f = file("# tuned\nstreams.num-threads = 2\nhttp.port=8080\n\nstreams.num-threads:4\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of(), Map.of(), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'streams.num-threads' is given more than once (lines 2 and 5)")
        .hasMessageContaining("keep the one you mean");
    Path kafka = file("kafka.linger.ms=5\nkafka.linger.ms=50\n");
    assertThatThrownBy(() -> MonitorConfig.load(kafka, Map.of(), Map.of(), dir))
        .hasMessageContaining("setting 'kafka.linger.ms' is given more than once (lines 1 and 2)");
    // the environment and the command line still override the file: that is not "given twice"
    Path once = file("streams.num-threads=2\n");
    assertThat(MonitorConfig.load(once, Map.of("ADVMON_STREAMS_NUM_THREADS", "3"), Map.of(), dir)
        .string("streams.num-threads")).isEqualTo("3");
  }

  @Test
  void aServiceLinkVariableThatLooksLikeAPortSettingIsNotReadAsIt() throws Exception {
    // Services named advmon-http and advmon-http-health: the kubelet's ADVMON_HTTP_PORT=tcp://... stopped every pod
    // with "setting 'http.port' ... must be a whole number"
    Path f = file("http.port=8081\n");
    MonitorConfig c = MonitorConfig.load(f, Map.of("ADVMON_HTTP_PORT", "tcp://10.96.0.10:8080",
        "ADVMON_HTTP_HEALTH_PORT", "tcp://10.96.0.11:8090"), Map.of(), dir).validated();
    assertThat(c.string("http.port")).isEqualTo("8081");
    assertThat(c.string("http.health-port")).isEqualTo("0");
    // a plain number is still the setting
    assertThat(MonitorConfig.load(f, Map.of("ADVMON_HTTP_PORT", "9000"), Map.of(), dir).string("http.port"))
        .isEqualTo("9000");
  }

  @Test
  void unknownSettingInTheFileFailsWithASuggestion() throws Exception {
    Path f = file("# cameras\ntopics.frame=x\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of(), Map.of(), dir))
        .hasMessageContaining(f + ", line 2: unknown setting 'topics.frame'")
        .hasMessageContaining("did you mean 'topics.frames'")
        .hasMessageContaining("README.md").hasMessageContaining("\"Configuration\", or ./monitor config");
    assertThatThrownBy(() -> MonitorConfig.load(file("\nkafka.num.stream.threads=8\n"), Map.of(), Map.of(), dir))
        .hasMessageContaining(f + ", line 2: 'kafka.num.stream.threads' would be ignored");
  }

  @Test
  void unknownSettingFromTheCommandLineFailsWithASuggestion() {
    // ./loadtest/run --set streams.num-thread=4 ran with two threads and said nothing
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("streams.num-thread", "4"), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown setting 'streams.num-thread'")
        .hasMessageContaining("did you mean 'streams.num-threads'");
    assertThat(MonitorConfig.load(null, Map.of(), Map.of("kafka.linger.ms", "5"), dir).kafkaClientProperties())
        .containsEntry("linger.ms", "5");
  }

  @Test
  void requiredSettingsNameTheirEnvironmentVariable() {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of(), dir);
    assertThatThrownBy(() -> c.require("kafka.bootstrap.servers"))
        .hasMessageContaining("'kafka.bootstrap.servers' is required")
        .hasMessageContaining("ADVMON_KAFKA_BOOTSTRAP_SERVERS");
  }

  /**
   * A newcomer's first `config --check` of a file with neither: it named kafka.bootstrap.servers, and only once that
   * was set, registry.url; every missing setting is named at once.
   */
  @Test
  void everyMissingRequiredSettingIsNamedAtOnce() throws Exception {
    Path file = Files.writeString(dir.resolve("monitor.properties"), "topics.partitions=3\n");
    MonitorConfig c = MonitorConfig.load(file, Map.of(), Map.of(), dir);
    assertThatThrownBy(() -> c.require("kafka.bootstrap.servers", "registry.url"))
        .hasMessage("settings 'kafka.bootstrap.servers' and 'registry.url' are required here: set them in " + file
            + " or as ADVMON_KAFKA_BOOTSTRAP_SERVERS and ADVMON_REGISTRY_URL");
  }

  /**
   * A newcomer's first `./monitor run` (or `redrive`), with no --config: told to "set them in the configuration
   * file", a file never given, and not how to give one. The error asks for --config and names the example to copy.
   */
  @Test
  void missingRequiredSettingsWithoutAFileAskForOneAndNameTheExample() throws Exception {
    Path example = Files.createDirectories(dir.resolve("config")).resolve("monitor.example.properties");
    Files.writeString(example, "kafka.bootstrap.servers=localhost:9092\n");
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of(), dir);
    assertThatThrownBy(() -> c.require("kafka.bootstrap.servers", "registry.url"))
        .hasMessage("settings 'kafka.bootstrap.servers' and 'registry.url' are required here, and no configuration "
            + "file was given: give one with --config FILE (" + example + " is one to copy) or set "
            + "ADVMON_KAFKA_BOOTSTRAP_SERVERS and ADVMON_REGISTRY_URL");
    assertThatThrownBy(() -> c.require("registry.url"))
        .hasMessage("setting 'registry.url' is required here, and no configuration file was given: give one with "
            + "--config FILE (" + example + " is one to copy) or set ADVMON_REGISTRY_URL");
  }

  @Test
  void relativePathsResolveAgainstTheHome() {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of(), dir);
    assertThat(c.path("model.dir")).isEqualTo(dir.resolve("models/fashion-mnist-cnn"));
  }

  @Test
  void referenceListsEverySettingWithItsEnvironmentVariable() {
    String ref = MonitorConfig.reference();
    for (Setting s : MonitorConfig.SETTINGS) {
      assertThat(ref).contains("`" + s.key() + "`").contains(s.envName());
    }
  }

  /**
   * Ranges a user cannot guess (the broker's limits, a cap below the JVM's), each as the reference states it, with
   * a value just outside and one just inside: the reference must state what validation enforces.
   */
  @Test
  void everyRangeTheValidationEnforcesBeyondSignAndTypeIsStatedInTheReference() {
    record Range(String key, String stated, String outside, String inside) {}
    List<Range> ranges = List.of(
        new Range("streams.session-timeout-ms", "6000..1800000", "5999", "1800000"),
        new Range("streams.transaction-timeout-ms", "5000..900000", "900001", "5000"),
        new Range("streams.transaction-timeout-ms", "longer than streams.commit-interval-ms", "5000", "5001"),
        new Range("health.stall-timeout-ms", "longer than streams.commit-interval-ms plus health.check-interval-ms",
            "2050", "2051"),
        new Range("campaign.baseline-rate", "0 or more and below 1", "1", "0"),
        new Range("image.max-encoded-bytes", "at most 2147139575", "2147139576", "2147139575"),
        new Range("image.max-pixels", "at most " + dev.advmon.image.ImageLimits.PIXELS_ADDRESSABLE,
            Long.toString(dev.advmon.image.ImageLimits.PIXELS_ADDRESSABLE + 1),
            Long.toString(dev.advmon.image.ImageLimits.PIXELS_ADDRESSABLE)),
        new Range("registry.unknown-id-cache-ms", "0 = no cache", "-1", "0"),
        new Range("topics.replication-factor", "1..32767", "32768", "32767"),
        new Range("alerts.evidence-image-max-bytes", "1.." + MonitorConfig.MAX_EVIDENCE_IMAGE_BYTES,
            Integer.toString(MonitorConfig.MAX_EVIDENCE_IMAGE_BYTES + 1),
            Integer.toString(MonitorConfig.MAX_EVIDENCE_IMAGE_BYTES)),
        new Range("health.hanging-transaction-age-ms", "longer than streams.transaction-timeout-ms", "30000", "30001"),
        new Range("health.hanging-transaction-age-ms", "0 = twice streams.transaction-timeout-ms", "-1", "0"),
        new Range("health.hanging-transactions", "abort-all", "abort", "abort-all"),
        // refused at start-up, but the reference did not say so
        new Range("streams.instance-id", "letters, digits, '.', '_' or '-', at most 200", "pod/0", "advmon-0"),
        new Range("http.health-port", "other than http.port", "8080", "8081"));
    for (Range r : ranges) {
      Map<String, String> extra = r.key().equals("streams.transaction-timeout-ms") && r.inside().equals("5001")
          ? Map.of("streams.commit-interval-ms", "5000") : Map.of();
      Map<String, String> outside = new java.util.HashMap<>(extra);
      outside.put(r.key(), r.outside());
      Map<String, String> inside = new java.util.HashMap<>(extra);
      inside.put(r.key(), r.inside());
      assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), outside, dir).validated()).as(r.key() + "=" + r.outside())
          .hasMessageContaining("'" + r.key() + "'");
      MonitorConfig.load(null, Map.of(), inside, dir).validated();
      Setting s = MonitorConfig.SETTINGS.stream().filter(x -> x.key().equals(r.key())).findFirst().orElseThrow();
      assertThat(s.doc()).as("the reference of " + r.key() + " states its range").contains(r.stated());
    }
  }

  @Test
  void readmeConfigurationReferenceIsCurrent() throws Exception {
    String readme = Files.readString(dev.advmon.testing.TestData.repoRoot().resolve("README.md"));
    for (String line : MonitorConfig.reference().split("\n")) {
      assertThat(readme).as("README.md lacks this reference line; paste the output of `./monitor config`").contains(line);
    }
    // And the other way: a setting renamed or removed in the code must not live on as a row of README's table.
    List<String> reference = List.of(MonitorConfig.reference().split("\n"));
    List<String> rows = readme.lines().filter(l -> l.matches("^\\| `[a-z][^`]*` \\| `ADVMON_.*")).toList();
    assertThat(rows).as("README's settings table (else this checks nothing)").isNotEmpty();
    assertThat(rows.stream().filter(r -> !reference.contains(r)).toList())
        .as("README rows that are not in `./monitor config`'s output; paste it again").isEmpty();
    // The prose too: a renamed setting would otherwise live on wherever the text names it (`health.stall-timeout-ms`,
    // `streams.leave-group-on-close=false`). Names under the settings' own prefixes only; kafka.* passes through.
    List<String> unknown = new java.util.ArrayList<>();
    assertThat(proseSettingsNotKnown(readme, unknown)).as("README names settings in its text (else this checks nothing)")
        .isPositive();
    assertThat(unknown).as("settings README's text names that `./monitor config` does not know").isEmpty();
  }

  /**
   * A file named in the text under a setting's prefix (a bundle's `model.onnx` and its external data
   * `model.onnx.data`, a frame's `image.jpg`) is no setting: README may name it without failing the check, which
   * still catches a stale setting's name.
   */
  @Test
  void readmeProseMayNameFilesThatLookLikeSettingsButNotStaleSettings() {
    List<String> unknown = new java.util.ArrayList<>();
    proseSettingsNotKnown("a bundle's `model.onnx` with its external data `model.onnx.data`, a `image.jpeg` frame, "
        + "`model.pt` from PyTorch, `health.stall-timeout-ms=60000`", unknown);
    assertThat(unknown).isEmpty();
    proseSettingsNotKnown("`health.stall-timeout` and `model.engine-name=auto`", unknown);
    assertThat(unknown).containsExactly("health.stall-timeout", "model.engine-name");
  }

  /** Adds to {@code unknown} each setting-like name in {@code text}'s code spans that is no setting; returns how many. */
  private static int proseSettingsNotKnown(String text, List<String> unknown) {
    java.util.Set<String> keys = new java.util.HashSet<>();
    java.util.Set<String> prefixes = new java.util.HashSet<>();
    for (Setting x : MonitorConfig.SETTINGS) {
      keys.add(x.key());
      prefixes.add(x.key().substring(0, x.key().indexOf('.') + 1));
    }
    prefixes.remove("kafka.");
    java.util.regex.Matcher named = java.util.regex.Pattern
        .compile("`([a-z]+\\.[a-z0-9-]+(?:\\.[a-z0-9-]+)*)(?:=[^`]*)?`").matcher(text);
    int seen = 0;
    while (named.find()) {
      String name = named.group(1);
      // a file, not a setting: a segment is a file type (a bundle's model.onnx, model.onnx.data, model.sha256; a
      // frame's image.jpg), which no setting's name has
      if (prefixes.stream().noneMatch(name::startsWith) || name.matches(".*\\.(onnx|data|sha256|json|png|jpe?g|gif|"
          + "bmp|webp|tiff?|pt|pth|pb|tflite|safetensors|txt|csv|ya?ml|properties|avsc|py|tar|gz|tgz|zip|log)(\\..*)?$")) {
        continue;
      }
      seen++;
      if (!keys.contains(name)) {
        unknown.add(name);
      }
    }
    return seen;
  }

  @Test
  void misspeltEnvironmentVariableIsRefusedWithTheSettingItResembles() {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of("ADVMON_HTTP_BEARERTOKEN", "s3cret"), Map.of(), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ADVMON_HTTP_BEARERTOKEN is not a setting")
        .hasMessageContaining("did you mean ADVMON_HTTP_BEARER_TOKEN?")
        .hasMessageNotContaining("s3cret");
  }

  /**
   * Environment names are case-sensitive: advmon_http_bearer_token was skipped as no ADVMON_ variable, silently, and
   * the monitor started without authentication; ADVMON_Http_Port was refused without the name it meant.
   */
  @ParameterizedTest
  @CsvSource({"advmon_http_bearer_token, ADVMON_HTTP_BEARER_TOKEN", "Advmon_Model_Dir, ADVMON_MODEL_DIR",
      "advmon_kafka_sasl_mechanism, ADVMON_KAFKA_SASL_MECHANISM", "advmon_home, ADVMON_HOME",
      "ADVMON_Http_Port, ADVMON_HTTP_PORT", "advmon_http_bearertoken, ADVMON_HTTP_BEARER_TOKEN",
      "ADVMON_KAFKA_sasl_mechanism, ADVMON_KAFKA_SASL_MECHANISM"})
  void refusesAnAdvmonVariableNotInUpperCaseNamingTheSpellingExpected(String name, String expected) {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(name, "s3cret-value"), Map.of(), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("environment variable " + name + " is not")
        .hasMessageContaining("did you mean " + expected + "?")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void aLowerCaseAdvmonVariableThatIsNoSettingInUpperCaseEitherIsRefusedSayingSo() {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of("advmon_something_else", "x"), Map.of(), dir))
        .hasMessageContaining("environment variable advmon_something_else is not read as a setting: only ADVMON_ "
            + "variables in upper case are (and ADVMON_SOMETHING_ELSE would not be a setting either)");
    // names that merely start alike are not ADVMON_ variables
    MonitorConfig.load(null, Map.of("advmonitor", "x", "ADVMONITOR_HOME", "/x"), Map.of(), dir).validated();
  }

  @Test
  void launcherVariablesAndKubernetesServiceLinksAreNotMistakenForSettings() {
    MonitorConfig c = MonitorConfig.load(null, Map.of("ADVMON_HOME", "/opt/advmon", "ADVMON_LOG_LEVEL", "DEBUG",
        "ADVMON_LOG_FORMAT", "json", "ADVMON_JAVA_OPTS", "-Xmx1g", "ADVMON_SERVICE_HOST", "10.0.0.7",
        "ADVMON_SERVICE_PORT_HTTP", "8080", "ADVMON_PORT", "tcp://10.0.0.7:8080", "ADVMON_PORT_8080_TCP_ADDR", "10.0.0.7",
        "PATH", "/usr/bin"),
        Map.of(), dir).validated();
    assertThat(c.intValue("http.port")).isEqualTo(8080);
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of("ADVMON_HTP_PORT", "8081"), Map.of(), dir))
        .hasMessageContaining("ADVMON_HTP_PORT is not a setting");
  }

  @Test
  void checksWhatRunWouldOtherwiseRefuseOnlyAtStartUp() {
    Map<String, String> bad = Map.of(
        "registry.url", "localhost:8081",
        "registry.basic-auth.user-info", "alice-without-password",
        "kafka.bootstrap.servers", "broker",
        "image.max-encoded-bytes", "4294967296",
        "model.max-batch", "9999999999",
        "topics.replication-factor", "40000",
        "http.bind", "no-such-host.invalid",
        "http.bearer-token", "two words");
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), bad, dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'registry.url' = 'localhost:8081'").hasMessageContaining("has no http:// or https://")
        .hasMessageContaining("'registry.basic-auth.user-info' (from command line) must be user:password")
        .hasMessageNotContaining("alice-without-password")
        .hasMessageContaining("'kafka.bootstrap.servers' = 'broker'")
        .hasMessageContaining("'image.max-encoded-bytes' = '4294967296'")
        .hasMessageContaining("'model.max-batch' = '9999999999'")
        .hasMessageContaining("'topics.replication-factor' = '40000'")
        .hasMessageContaining("'http.bind' = 'no-such-host.invalid'")
        .hasMessageContaining("'http.bearer-token' (from command line) must be printable ASCII")
        .hasMessageNotContaining("two words");
  }

  @Test
  void acceptsWellFormedBrokerAndRegistryLists() {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of(
        "kafka.bootstrap.servers", "kafka-0.kafka:9092, 10.0.0.5:9093,[::1]:9094,SASL_SSL://b:9095",
        "registry.url", "http://registry:8081,https://sr.example.com/apis/ccompat/v7",
        "registry.basic-auth.user-info", "alice:pa:ss", "http.bind", "0.0.0.0"), dir).validated();
    assertThat(c.list("kafka.bootstrap.servers")).hasSize(4);
  }

  /**
   * A password in registry.url was accepted by the validation (the registry client refused it only later) and shown
   * whole by any error about the value: a second, malformed URL or quotes printed it to the log.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "https://alice:s3cret@sr.example.com/apis/ccompat/v7",
      "http://registry:8081,https://alice:s3cret@sr.example.com",
      "https://alice:s3cret@sr.example.com,localhost:8081",
      "\"https://alice:s3cret@sr.example.com\"",
      "https://alice:s3c ret@sr.example.com",
      "https://alice:s3c/ret@sr.example.com"})
  void refusesUserInfoInTheRegistryUrlWithoutShowingIt(String url) {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of("ADVMON_REGISTRY_URL", url), Map.of(), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'registry.url' (from environment ADVMON_REGISTRY_URL)")
        .hasMessageNotContaining("s3c").hasMessageNotContaining("alice");
  }

  @Test
  void userInfoInTheRegistryUrlPointsAtTheCredentialSetting() {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("registry.url",
        "http://registry:8081,https://alice:s3cret@sr.example.com"), dir).validated())
        .hasMessageContaining("'registry.url' (from command line) carries user info (user:password@) in its URL "
            + "number 2")
        .hasMessageContaining("set registry.basic-auth.user-info instead")
        .hasMessageContaining("ADVMON_REGISTRY_BASIC_AUTH_USER_INFO")
        .hasMessageNotContaining("s3cret");
    // an '@' in a path is no user info
    MonitorConfig.load(null, Map.of(), Map.of("registry.url", "https://sr.example.com/a@b"), dir).validated();
  }

  @Test
  void refusesTwoTopicSettingsNamingTheSameTopic() {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("topics.dead-letter", "frames"), dir).validated())
        .hasMessageContaining("'topics.dead-letter' = 'frames'")
        .hasMessageContaining("same topic as topics.frames");
  }

  /**
   * Kafka refuses a topic whose name differs from another's only in '.' and '_' (and the names '.' and '..'): such a
   * configuration passed here and failed at topic creation, or, with topics.create=false, waited for a topic that
   * can never exist.
   */
  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', value = {
      "topics.frames     | .                              | Kafka refuses the topic names '.' and '..'",
      "topics.alerts     | ..                             | Kafka refuses the topic names '.' and '..'",
      "topics.verdicts   | cam.frames                     | is the same topic as topics.frames",
      "topics.dead-letter| cam_frames                     | collides with topics.frames ('cam.frames')",
      "topics.verdicts   | cam_frames                     | collides with topics.frames ('cam.frames')",
      "topics.alerts     | advmon-camera-status-changelog | the monitor's internal topic 'advmon-camera-status-changelog'",
      "topics.frames     | __consumer_offsets             | is Kafka's internal topic '__consumer_offsets'",
      "topics.dead-letter| __transaction.state            | collides with Kafka's internal topic '__transaction_state'"})
  void refusesTopicNamesKafkaWouldRefuse(String key, String value, String problem) {
    Map<String, String> settings = new java.util.HashMap<>(Map.of("topics.frames", "cam.frames"));
    settings.put(key, value);
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), settings, dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'" + key + "' = '" + value + "'")
        .hasMessageContaining(problem);
  }

  /**
   * AdvmonConsumerLag tells the frames topic from the monitor's internal topics (the campaign repartition topic, which
   * the stream threads read too, and the camera store's changelog) by their suffixes, not by the frames topic's name
   * (which the rule cannot know): a frames topic ending so would be left out, and its backlog never alerted on,
   * whatever the application id.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cameras-campaign-by-camera-repartition", "site-a-camera-status-changelog"})
  void refusesAFramesTopicEndingAsAnInternalTopicWhichTheLagAlertLeavesOut(String frames) {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("topics.frames", frames), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'topics.frames' = '" + frames + "'")
        .hasMessageContaining("AdvmonConsumerLag")
        .hasMessageContaining("name the frames topic otherwise");
  }

  /**
   * A frames topic ending in -repartition or -changelog alone is a valid Kafka topic the monitor always read: refusing
   * it stopped an existing installation at its next start over an alert's selector, which now leaves out only the
   * campaign repartition topic's suffix. Only the frames topic's lag is alerted on: the output topics may end so too.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cameras-repartition", "frames-changelog"})
  void aFramesTopicEndingInRepartitionOrChangelogAloneStillLoads(String frames) {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of("topics.frames", frames,
        "topics.verdicts", "verdicts-changelog"), dir).validated();
    assertThat(c.string("topics.frames")).isEqualTo(frames);
  }

  @Test
  void theInternalTopicsNamedAfterTheApplicationIdMustBeLegalAndApartFromTheOthers() {
    int fits = 249 - "-campaign-by-camera-repartition".length();
    MonitorConfig.load(null, Map.of(), Map.of("streams.application-id", "a".repeat(fits)), dir).validated();
    for (int length : new int[] {fits + 1, 240}) { // 240: both internal topics too long, the bound still the same
      assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("streams.application-id",
          "a".repeat(length)), dir).validated())
          .hasMessageContaining("'streams.application-id' = 'a")
          .hasMessageContaining("is too long: at most " + fits + " characters");
    }
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("streams.application-id", "adv.mon",
        "topics.dead-letter", "adv_mon-campaign-by-camera-repartition"), dir).validated())
        .hasMessageContaining("'topics.dead-letter' = 'adv_mon-campaign-by-camera-repartition'")
        .hasMessageContaining("collides with the monitor's internal topic 'adv.mon-campaign-by-camera-repartition'")
        .hasMessageContaining("differ only in '.' and '_'");
    // names that only look alike are different topics; '.' inside a name is legal
    MonitorConfig.load(null, Map.of(), Map.of("topics.frames", "cam.frames", "topics.verdicts", "cam-frames",
        "topics.alerts", "a..b", "topics.dead-letter", "..."), dir).validated();
  }

  @Test
  void unreadableFilesAreNamedWithWhatIsWrongWithThem() throws Exception {
    Path escape = file("topics.frames=cam\\u12zz\n");
    assertThatThrownBy(() -> MonitorConfig.load(escape, Map.of(), Map.of(), dir))
        .isInstanceOf(ConfigException.class).hasMessageContaining(escape.toString()).hasMessageContaining("\\u");
    Path latin1 = dir.resolve("latin1.properties");
    Files.write(latin1, "topics.frames=cam\u00e9ra\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> MonitorConfig.load(latin1, Map.of(), Map.of(), dir))
        .isInstanceOf(ConfigException.class).hasMessageContaining(latin1.toString()).hasMessageContaining("not UTF-8");
    Path missing = dir.resolve("absent.properties");
    assertThatThrownBy(() -> MonitorConfig.load(missing, Map.of(), Map.of(), dir))
        .isInstanceOf(ConfigException.class).hasMessageContaining(missing + " does not exist");
  }

  @Test
  void aFileSavedWithAByteOrderMarkReadsAsWithoutOne() throws Exception {
    // Notepad's UTF-8 starts with one; it was read as part of the first key: "unknown setting '\uFEFFtopics.frames';
    // did you mean 'topics.frames'?", two names that print the same
    Path bom = dir.resolve("bom.properties");
    Files.writeString(bom, "\uFEFFtopics.frames=cams\r\nstreams.num-threads=3\r\n");
    MonitorConfig c = MonitorConfig.load(bom, Map.of(), Map.of(), dir).validated();
    assertThat(c.string("topics.frames")).isEqualTo("cams");
    assertThat(c.origin("topics.frames")).isEqualTo(bom + ", line 1");
    Files.writeString(bom, "\uFEFFtopics.frames=cams\ntopics.frames=cams2\n");
    assertThatThrownBy(() -> MonitorConfig.load(bom, Map.of(), Map.of(), dir))
        .hasMessageContaining("setting 'topics.frames' is given more than once (lines 1 and 2)");
  }

  @Test
  void aValueInQuotesIsRefusedSinceTheQuotesWouldBePartOfIt() throws Exception {
    // http.bearer-token="..." demanded the quotes from every client; a quoted user-info failed at the registry as 401
    Path f = file("http.bearer-token=\"s3cret-token-value\"\nmodel.dir='models/x'\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of("ADVMON_REGISTRY_BASIC_AUTH_USER_INFO", "'alice:pw'"),
        Map.of(), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'http.bearer-token' (from " + f + ", line 1) is in quotes")
        .hasMessageContaining("'registry.basic-auth.user-info' (from environment ADVMON_REGISTRY_BASIC_AUTH_USER_INFO) "
            + "is in quotes")
        .hasMessageContaining("'model.dir' = ''models/x'' (from " + f + ", line 2) is in quotes")
        .hasMessageContaining("remove them")
        .hasMessageNotContaining("s3cret").hasMessageNotContaining("alice");
    // quotes that do not wrap the whole value are the user's
    assertThat(MonitorConfig.load(file("model.dir=models/\"x\"\n"), Map.of(), Map.of(), dir).validated()
        .string("model.dir")).isEqualTo("models/\"x\"");
  }

  /**
   * kafka.security.protocol="SASL_SSL" passed config --check and failed only when run built its Kafka clients, with
   * Kafka's words about an unknown protocol; a quoted kafka.sasl.jaas.config at the broker, as a refused login.
   */
  @Test
  void aKafkaValueInQuotesIsRefusedAndASecretOneNotShown() throws Exception {
    Path f = file("kafka.security.protocol=\"SASL_SSL\"\nkafka.sasl.jaas.config='x required password=\"s3cret\";'\n"
        + "kafka.sasl.kerberos.service.name=k\"a\"\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of(), Map.of(), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.security.protocol' = '\"SASL_SSL\"' (from " + f + ", line 1) is in quotes")
        .hasMessageContaining("setting 'kafka.sasl.jaas.config' (from " + f + ", line 2) is in quotes")
        .hasMessageNotContaining("s3cret").hasMessageNotContaining("kerberos");
  }

  @Test
  void theExampleConfigurationIsValidAsRunReadsIt() {
    Path example = dev.advmon.testing.TestData.repoRoot().resolve("config/monitor.example.properties");
    MonitorConfig c = MonitorConfig.load(example, Map.of(), Map.of(), dir).validated()
        .require("kafka.bootstrap.servers", "registry.url");
    assertThat(c.origin("model.engine")).startsWith(example + ", line ");
  }

  /**
   * The example file is where a newcomer starts: each setting it sets is explained by a comment above it (or above
   * its group), and each one it shows commented out (to uncomment) is a setting the monitor knows, which the load
   * above cannot check since it never reads those lines.
   */
  @Test
  void theExampleConfigurationCommentsEverySettingAndShowsOnlyKnownOnes() throws Exception {
    Path example = dev.advmon.testing.TestData.repoRoot().resolve("config/monitor.example.properties");
    java.util.regex.Pattern setting = java.util.regex.Pattern.compile("^(#\\s*)?([a-z][a-z0-9-]*(?:\\.[a-z0-9-]+)+)=.*");
    List<String> lines = Files.readAllLines(example);
    List<String> uncommented = new java.util.ArrayList<>();
    List<String> unknown = new java.util.ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      java.util.regex.Matcher m = setting.matcher(lines.get(i));
      if (!m.matches()) {
        continue;
      }
      String key = m.group(2);
      boolean known = key.startsWith("kafka.") || MonitorConfig.SETTINGS.stream().anyMatch(x -> x.key().equals(key));
      if (!known) {
        unknown.add((i + 1) + ": " + lines.get(i));
      }
      if (m.group(1) != null) {
        continue; // shown commented out: its own comment is the prose above it, checked with the settings it belongs to
      }
      int above = i - 1;
      while (above >= 0 && setting.matcher(lines.get(above)).matches() && !lines.get(above).startsWith("#")) {
        above--; // a group of settings under one comment
      }
      if (above < 0 || !lines.get(above).startsWith("#") || setting.matcher(lines.get(above)).matches()) {
        uncommented.add((i + 1) + ": " + lines.get(i));
      }
    }
    assertThat(unknown).as("settings in %s that the monitor does not know", example).isEmpty();
    assertThat(uncommented).as("settings in %s without a comment above them (or their group)", example).isEmpty();
  }

  /**
   * The range checks no other test reached: each of them could be deleted, or its bound moved, with the suite green.
   * One bad value at a time, so that each row fails on its own check alone.
   */
  @Test
  void refusesAHealthPortWhenHttpIsOff() {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("http.port", "0", "http.health-port", "8090"),
        dir).validated()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'http.health-port' = '8090'").hasMessageContaining("needs http.port");
    assertThat(MonitorConfig.load(null, Map.of(), Map.of("http.health-port", "8090"), dir).validated()
        .intValue("http.health-port")).isEqualTo(8090);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', value = {
      "streams.session-timeout-ms     | 5999    | must be 6000..1800000",
      "streams.session-timeout-ms     | 1800001 | must be 6000..1800000",
      "streams.transaction-timeout-ms | 4999    | must be 5000..900000",
      "streams.transaction-timeout-ms | 900001  | must be 5000..900000",
      "campaign.baseline-rate         | 1       | from 0 (inclusive) to 1 (exclusive)",
      "campaign.baseline-rate         | -0.01   | from 0 (inclusive) to 1 (exclusive)",
      "campaign.idle-retention-ms     | -1      | must be 0 (keep every camera) or at least",
      "campaign.idle-retention-ms     | 59999   | at least campaign.window-ms x campaign.consecutive-windows + campaign.max-clock-skew-ms (60000)",
      "registry.unknown-id-cache-ms   | -1      | must be 0 (no cache) or more",
      "topics.replication-factor      | 0       | must be -1 (broker default) or 1..32767",
      "http.port                      | 65536   | must be a port number 0..65535",
      "http.health-port               | 65536   | must be a port number 0..65535",
      "http.health-port               | 8080    | must differ from http.port",
      "streams.application-server     | host:0  | must be host:port",
      "streams.application-server     | host:65536 | must be host:port",
      "streams.leave-group-on-close   | maybe   | must be auto, true or false",
      "registry.ssl.truststore.type   | PEM     | must be PKCS12 or JKS",
      "streams.instance-id            | a/b     | must be letters, digits",
      "alerts.evidence-image          | yes     | must be true or false",
      "alerts.evidence-image-max-bytes | 0      | must be positive",
      "alerts.evidence-image-max-bytes | 786433 | must be 1..786432"})
  void refusesAValueOutsideItsRangeNamingTheSettingAndTheRange(String key, String value, String problem) {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of(key, value), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'" + key + "' = '" + value + "'")
        .hasMessageContaining(problem);
  }

  @Test
  void acceptsTheBoundsOfEachRange() {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of(
        "streams.session-timeout-ms", "6000", "streams.transaction-timeout-ms", "900000",
        "campaign.baseline-rate", "0", "campaign.idle-retention-ms", "0", "registry.unknown-id-cache-ms", "0",
        "topics.replication-factor", "-1", "http.port", "65535", "streams.application-server", "advmon-0.advmon:1",
        "streams.leave-group-on-close", "AUTO", "registry.ssl.truststore.type", "jks"), dir).validated();
    assertThat(c.longValue("streams.session-timeout-ms")).isEqualTo(6000);
    assertThat(c.hangingTransactionAgeMs()).as("derived from the longest transaction timeout").isEqualTo(1_800_000);
    assertThat(MonitorConfig.load(null, Map.of(), Map.of("streams.session-timeout-ms", "1800000",
        "streams.transaction-timeout-ms", "5000", "topics.replication-factor", "32767", "http.port", "0"), dir)
        .validated().longValue("streams.transaction-timeout-ms")).isEqualTo(5000);
    assertThat(MonitorConfig.load(null, Map.of(), Map.of("campaign.idle-retention-ms", "60000"), dir).validated()
        .longValue("campaign.idle-retention-ms")).as("the quickest clear by cool windows").isEqualTo(60000);
  }

  /**
   * The lower bound on campaign.idle-retention-ms (window x consecutive windows + skew) refused its own default
   * whenever the other campaign settings were set long: a configuration that only allowed a day of camera clock skew,
   * valid before, no longer started. Left at its default, the retention is raised to the bound instead; a value
   * someone set is still held to it.
   */
  @Test
  void theDefaultIdleRetentionRisesToTheBoundWhereLongCampaignSettingsPassIt() {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of("campaign.max-clock-skew-ms", "86400000"), dir)
        .validated();
    assertThat(dev.advmon.campaign.CampaignSettings.from(c).idleRetentionMs()).as("3 x 10 s + a day")
        .isEqualTo(86_430_000);
    assertThat(MonitorConfig.load(null, Map.of(), Map.of(), dir).validated().campaignIdleRetentionMs())
        .as("the default where it passes the bound").isEqualTo(86_400_000);
    // the reference shows the default; what runs is said where it differs (config --check prints it, run logs it)
    assertThat(c.raisedDefaults()).singleElement().asString()
        .startsWith("campaign.idle-retention-ms: left at its default 86400000, raised to 86430000");
    assertThat(MonitorConfig.load(null, Map.of(), Map.of(), dir).validated().raisedDefaults()).isEmpty();
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("campaign.max-clock-skew-ms", "86400000",
        "campaign.idle-retention-ms", "86400000"), dir).validated())
        .as("set, it is held to the bound").isInstanceOf(ConfigException.class)
        .hasMessageContaining("at least campaign.window-ms x campaign.consecutive-windows");
  }

  /**
   * config --check said only "valid": with a setting in the file, the environment and on the command line, an operator
   * could not see which one ran. Each value set is listed with its origin; a secret (the monitor's own,
   * a Kafka password-type key such as sasl.jaas.config, a plugin's key named like one) never with its value.
   */
  @Test
  void listsEachValueSetWithItsOriginAndNoSecret() throws Exception {
    Path f = file("streams.num-threads=3\nmodel.max-batch=64\nhttp.bearer-token=file-SECRET-1\n"
        + "kafka.sasl.jaas.config=x required password=\"jaas-SECRET-2\";\n"
        + "kafka.producer.ssl.key.password=key-SECRET-3\nkafka.config.providers.vault.param.token=vault-SECRET-4\n");
    MonitorConfig c = MonitorConfig.load(f, Map.of("ADVMON_STREAMS_NUM_THREADS", "4",
        "ADVMON_REGISTRY_BASIC_AUTH_USER_INFO", "u:env-SECRET-5"), Map.of("model.max-batch", "16"), dir).validated();
    List<String> lines = c.setValues();
    assertThat(lines).contains("streams.num-threads = '4' (from environment ADVMON_STREAMS_NUM_THREADS)",
        "model.max-batch = '16' (from command line)",
        "http.bearer-token = (hidden) (from " + f + ", line 3)",
        "kafka.sasl.jaas.config = (hidden) (from " + f + ", line 4)",
        "registry.basic-auth.user-info = (hidden) (from environment ADVMON_REGISTRY_BASIC_AUTH_USER_INFO)");
    assertThat(String.join("\n", lines)).doesNotContain("SECRET").doesNotContain("topics.frames");
    assertThat(lines).hasSize(7);
  }

  /**
   * A plugin's credential under a name without password, secret or token in it (Confluent's serdes read
   * basic.auth.user.info, user:password of the schema registry, as the client settings they are given) was listed
   * by config --check in clear.
   */
  @Test
  void aPluginsUserInfoOrApiKeyIsNotListed() throws Exception {
    Path f = file("kafka.basic.auth.user.info=sr-user:SR-PW-1\nkafka.schema.registry.basic.auth.userinfo=u:SR-PW-2\n"
        + "kafka.confluent.api.key=APIKEY-3\nkafka.vendor.apikey=APIKEY-4\n");
    List<String> lines = MonitorConfig.load(f, Map.of(), Map.of(), dir).validated().setValues();
    assertThat(lines).contains("kafka.basic.auth.user.info = (hidden) (from " + f + ", line 1)");
    assertThat(String.join("\n", lines)).doesNotContain("SR-PW").doesNotContain("APIKEY").contains("kafka.vendor.apikey");
  }

  /** Credentials named as OAuth and other plugins name them, in any case, are hidden too. */
  @Test
  void aPluginCredentialNamedWithSecretTokenApiKeyOrCredentialInAnyCaseIsNotListed() throws Exception {
    Path f = file("kafka.sasl.oauthbearer.client.credentials.client.secret=OAUTH-1\nkafka.some.plugin.token=TOK-2\n"
        + "kafka.vendor.ApiKey=KEY-3\nkafka.my.plugin.Credentials=CRED-4\nkafka.other.PassWord=PW-5\n");
    List<String> lines = MonitorConfig.load(f, Map.of(), Map.of(), dir).validated().setValues();
    assertThat(lines).hasSize(5).allSatisfy(l -> assertThat(l).contains(" = (hidden) (from " + f));
  }

  /**
   * registry.retry-backoff-ms took any positive value: past 5000 every wait was cut to 5 s anyway (and a huge one
   * overflowed the doubling), and one beyond the call's deadline (two thirds of the transaction timeout) meant the
   * call gave up instead of retrying.
   */
  @ParameterizedTest(name = "{0} with streams.transaction-timeout-ms = {1}")
  @CsvSource({"5001, 30000, 1..5000", "4611686018427387904, 30000, 1..5000", "2001, 6000, a third of "
      + "streams.transaction-timeout-ms (2000)"})
  void refusesARegistryRetryBackoffThatNoRetryWouldWait(String backoff, String transactionTimeout, String problem) {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("registry.retry-backoff-ms", backoff,
        "streams.transaction-timeout-ms", transactionTimeout), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'registry.retry-backoff-ms' = '" + backoff + "'")
        .hasMessageContaining(problem);
  }

  @Test
  void acceptsARegistryRetryBackoffUpToItsBounds() {
    MonitorConfig.load(null, Map.of(), Map.of("registry.retry-backoff-ms", "5000"), dir).validated();
    MonitorConfig.load(null, Map.of(), Map.of("registry.retry-backoff-ms", "2000",
        "streams.transaction-timeout-ms", "6000"), dir).validated();
    assertThat(MonitorConfig.SETTINGS.stream().filter(s -> s.key().equals("registry.retry-backoff-ms")).findFirst()
        .orElseThrow().doc()).contains("1..5000").contains("at most a third of streams.transaction-timeout-ms");
  }

  @Test
  void refusesAStallTimeoutThatAStreamCommittingOnTimeWouldExceed() {
    // commits every 60 s (allowed: the transaction timeout is longer) with the default 30 s stall timeout: readiness
    // DOWN for half of every minute under load, the pods taken out of the Service and put back
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("streams.commit-interval-ms", "60000",
        "streams.transaction-timeout-ms", "120000"), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'health.stall-timeout-ms' = '30000' (from default) must be longer than "
            + "streams.commit-interval-ms plus health.check-interval-ms (62000)");
    assertThat(MonitorConfig.load(null, Map.of(), Map.of("streams.commit-interval-ms", "60000",
        "streams.transaction-timeout-ms", "120000", "health.stall-timeout-ms", "62001"), dir).validated()
        .longValue("health.stall-timeout-ms")).isEqualTo(62001);
  }

  @Test
  void refusesATransactionTimeoutNoLongerThanTheCommitInterval() {
    assertThatThrownBy(() -> MonitorConfig.load(null, Map.of(), Map.of("streams.commit-interval-ms", "10000",
        "streams.transaction-timeout-ms", "10000"), dir).validated())
        .hasMessageContaining("'streams.transaction-timeout-ms' = '10000'")
        .hasMessageContaining("must be longer than streams.commit-interval-ms");
    assertThat(MonitorConfig.load(null, Map.of(), Map.of("streams.commit-interval-ms", "10000",
        "streams.transaction-timeout-ms", "10001"), dir).validated().longValue("streams.transaction-timeout-ms"))
        .isEqualTo(10001);
  }
}
