package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.testing.ChildProcess;
import dev.advmon.testing.TestData;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADVMON_LOG_FORMAT, as a log pipeline (Loki, Elasticsearch, Cloud Logging) sees it: the monitor's main started as its
 * own JVM on the production class path (stream-app's logback.xml, not the tests' logback-test.xml), its stderr read
 * line by line.
 */
class LogFormatTest {

  // each case starts a JVM that logs a few lines and ends: C1 alone and the serial collector start it with less CPU
  // (the class is ten such starts) and change nothing the case looks at
  private static final String QUICK_START_1 = "-XX:TieredStopAtLevel=1";
  private static final String QUICK_START_2 = "-XX:+UseSerialGC";


  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path APP = TestData.repoRoot().resolve("stream-app");

  /** What a child JVM wrote and how it ended. */
  record Output(int exit, String stdout, List<String> stderr) {}

  /**
   * A configuration check that logs a warning (a Kafka key the clients do not define) and then fails (a setting
   * that is not a number), with ADVMON_DEBUG asking for the stack trace: in json mode each stderr line is one JSON
   * object, the error's multi-line message and stack trace inside its line.
   */
  @Test
  void jsonWritesEveryStderrLineAsOneJsonObjectWithTheStackTraceInside(@TempDir Path dir) throws Exception {
    Output out = main(dir, Map.of("ADVMON_LOG_FORMAT", "json", "ADVMON_DEBUG", "1"), "config", "--check",
        badConfig(dir).toString());

    assertThat(out.exit()).isEqualTo(2);
    assertThat(out.stdout()).as("stdout is the command's output, not its log").isEmpty();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.stderr()) {
      lines.add(parse(line));
    }
    assertThat(lines).hasSize(2);

    JsonNode warning = lines.get(0);
    assertThat(fieldNames(warning)).containsExactly("timestamp", "level", "severity", "logger", "thread", "message");
    assertThat(warning.get("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(Instant.parse(warning.get("timestamp").asText())).isBetween(Instant.now().minusSeconds(120), Instant.now());
    assertThat(warning.get("level").asText()).isEqualTo("WARN");
    assertThat(warning.get("severity").asText()).as("Cloud Logging's name for WARN").isEqualTo("WARNING");
    assertThat(warning.get("logger").asText()).isEqualTo("dev.advmon.config.MonitorConfig");
    assertThat(warning.get("thread").asText()).isEqualTo("main");
    assertThat(warning.get("message").asText()).contains("'kafka.frobnicate.me' is not a key Kafka Streams");

    JsonNode error = lines.get(1);
    assertThat(fieldNames(error)).containsExactly("timestamp", "level", "severity", "logger", "thread", "message",
        "exception");
    assertThat(error.get("level").asText()).isEqualTo("ERROR");
    assertThat(error.get("severity").asText()).isEqualTo("ERROR");
    assertThat(error.get("logger").asText()).isEqualTo("dev.advmon.cli.Main");
    assertThat(error.get("message").asText()).isEqualTo("invalid configuration:\n  - setting 'streams.num-threads' = "
        + "'zero' (from " + dir.resolve("bad.properties") + ", line 4) must be a whole number");
    assertThat(error.get("exception").asText()).startsWith("dev.advmon.config.ConfigException: invalid configuration:")
        .contains("\n\tat dev.advmon.config.MonitorConfig.validated(").doesNotEndWith("\n");
  }

  /** Without ADVMON_LOG_FORMAT, or with it empty, the log stays the lines it always was. */
  @Test
  void textIsTheDefaultAndUnchanged(@TempDir Path dir) throws Exception {
    for (Map<String, String> env : List.of(Map.of("ADVMON_DEBUG", "1"),
        Map.of("ADVMON_DEBUG", "1", "ADVMON_LOG_FORMAT", ""), Map.of("ADVMON_DEBUG", "1", "ADVMON_LOG_FORMAT", "text"))) {
      Output out = main(dir, env, "config", "--check", badConfig(dir).toString());

      assertThat(out.exit()).as("%s", env).isEqualTo(2);
      assertThat(out.stdout()).as("%s", env).isEmpty();
      assertThat(out.stderr().get(0)).as("%s", env).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  MonitorConfig - "
          + ".*'kafka.frobnicate.me' is not a key Kafka Streams.*");
      assertThat(out.stderr().subList(1, 4)).as("%s", env).containsExactly("error: invalid configuration:",
          "  - setting 'streams.num-threads' = 'zero' (from " + dir.resolve("bad.properties") + ", line 4) must be a whole number",
          "dev.advmon.config.ConfigException: invalid configuration:");
      assertThat(out.stderr()).as("%s", env).anyMatch(l -> l.startsWith("\tat dev.advmon.config.MonitorConfig.validated("));
    }
  }

  /**
   * {@code demo} started from the production jar stops as every other start-up error does: one JSON line at ERROR in
   * json mode (it was printed as plain text, which a log pipeline reading JSON lines drops), the same "error:" line
   * in text mode.
   */
  @Test
  void theDemoMissingFromTheClasspathIsOneJsonLineInJsonModeAndOneErrorLineInText(@TempDir Path dir) throws Exception {
    String why = "the demo is not on this classpath (stream-app.jar is the production jar); run it with ./monitor demo,"
        + " which builds and uses demo/target/demo.jar";

    Output json = main(dir, Map.of("ADVMON_LOG_FORMAT", "json"), "demo");
    assertThat(json.exit()).isEqualTo(2);
    assertThat(json.stdout()).isEmpty();
    assertThat(json.stderr()).as("one line, no plain text").hasSize(1);
    JsonNode line = parse(json.stderr().get(0));
    assertThat(line.get("level").asText()).isEqualTo("ERROR");
    assertThat(line.get("logger").asText()).isEqualTo("dev.advmon.cli.Main");
    assertThat(line.get("message").asText()).isEqualTo(why);

    Output text = main(dir, Map.of(), "demo");
    assertThat(text.exit()).isEqualTo(2);
    assertThat(text.stderr()).containsExactly("error: " + why);
  }

  /**
   * A misspelt option, a missing argument or an unknown command: picocli printed its error and the command's usage as
   * plain text, a dozen lines a log pipeline reading JSON drops, and with them why the monitor did not start. In json
   * mode it is one JSON line at ERROR naming what was wrong and where the options are listed; text mode keeps
   * picocli's message and usage.
   */
  @Test
  void aCommandLineErrorIsOneJsonLineAtErrorNamingTheWrongArgument(@TempDir Path dir) throws Exception {
    Map<List<String>, String> cases = Map.of(
        List.of("run", "--nope"), "Unknown option: '--nope' (./monitor run --help lists the options)",
        List.of("score"), "Missing required parameter: 'PATH' (./monitor score --help lists the options)",
        List.of("scor"), "Unmatched argument at index 0: 'scor'; did you mean: score, corrupt, config? "
            + "(./monitor --help lists the commands)",
        // help's own message ends its sentence: the suggestions follow it without a stray '.;'
        List.of("help", "evalute"), "Unknown subcommand 'evalute'; did you mean: evaluate,"
            + " evaluate-overinterpretation, calibrate? (./monitor --help lists the commands)");
    for (Map.Entry<List<String>, String> c : cases.entrySet()) {
      Output json = main(dir, Map.of("ADVMON_LOG_FORMAT", "json"), c.getKey().toArray(String[]::new));

      assertThat(json.exit()).as("%s", c.getKey()).isEqualTo(2);
      assertThat(json.stdout()).as("%s", c.getKey()).isEmpty();
      assertThat(json.stderr()).as("%s: one line, no plain text", c.getKey()).hasSize(1);
      JsonNode line = parse(json.stderr().get(0));
      assertThat(line.get("level").asText()).isEqualTo("ERROR");
      assertThat(line.get("severity").asText()).isEqualTo("ERROR");
      assertThat(line.get("logger").asText()).isEqualTo("dev.advmon.cli.Main");
      assertThat(line.get("message").asText()).isEqualTo(c.getValue());
    }

    Output text = main(dir, Map.of(), "run", "--nope");
    assertThat(text.exit()).isEqualTo(2);
    assertThat(text.stderr()).as("picocli's message and usage, as before").startsWith("Unknown option: '--nope'",
        "Usage: monitor run [-hV] [--config=FILE]");
  }

  /**
   * redrive's own lines on stderr ("warning: IMAGE_TOO_LARGE is the producer's fault ...") were plain text in json
   * mode, dropped by a log pipeline reading JSON (redrive runs as a Job beside the StatefulSet): each is one JSON
   * line at the level its text names, the "warning: " prefix dropped as the stopping error's "error: " is.
   */
  @Test
  void redrivesWarningsAreJsonLinesAtWarnInJsonModeAndUnchangedInText(@TempDir Path dir) throws Exception {
    // a bootstrap address that does not resolve: the Kafka client refuses it at once, after the warning
    Path config = Files.writeString(dir.resolve("redrive.properties"),
        "kafka.bootstrap.servers=no-such-host.invalid:9092\nregistry.url=http://localhost:1\n");
    String[] args = {"redrive", "--config", config.toString(), "--reason", "IMAGE_TOO_LARGE"};
    String warning = "IMAGE_TOO_LARGE is the producer's fault (or a limit the frame is over): unless that was fixed,"
        + " these frames will come back as IMAGE_TOO_LARGE dead letters";

    Output json = main(dir, Map.of("ADVMON_LOG_FORMAT", "json"), args);
    assertThat(json.exit()).as("%s", json.stderr()).isNotZero();
    List<JsonNode> lines = json.stderr().stream().map(LogFormatTest::parse).toList();
    assertThat(lines).filteredOn(l -> l.get("message").asText().equals(warning)).singleElement()
        .satisfies(l -> assertThat(l.get("level").asText()).isEqualTo("WARN"))
        .satisfies(l -> assertThat(l.get("logger").asText()).isEqualTo(RedriveCommand.class.getName()));

    Output text = main(dir, Map.of(), args);
    assertThat(text.stderr()).as("text mode as before").contains("warning: " + warning);
  }

  /** A misspelt format must not leave the monitor without a log (logback would find no appender of that name). */
  @Test
  void anUnknownFormatIsRefusedAtStartNamingTheFormats(@TempDir Path dir) throws Exception {
    for (String format : List.of("xml", "JSON")) {
      Output out = main(dir, Map.of("ADVMON_LOG_FORMAT", format), "config", "--check", badConfig(dir).toString());

      assertThat(out.exit()).isEqualTo(2);
      assertThat(out.stdout()).as("logback's own complaints must not reach stdout either").isEmpty();
      assertThat(out.stderr()).containsExactly("error: ADVMON_LOG_FORMAT=" + format + " is not a log format: set it to "
          + "text (the default) or json (one JSON object per line), in lower case");
    }
  }

  /**
   * logback reads a level it does not know as DEBUG, so a misspelt ADVMON_LOG_LEVEL (verbose, warning) turned the
   * monitor's own loggers up instead of failing; a level name in any case is fine, as logback reads it.
   */
  @Test
  void anUnknownLogLevelIsRefusedAtStartNamingTheLevels(@TempDir Path dir) throws Exception {
    for (String level : List.of("verbose", "warning")) {
      Output out = main(dir, Map.of("ADVMON_LOG_LEVEL", level), "config", "--check", badConfig(dir).toString());

      assertThat(out.exit()).isEqualTo(2);
      assertThat(out.stdout()).isEmpty();
      assertThat(out.stderr()).containsExactly("error: ADVMON_LOG_LEVEL=" + level + " is not a log level: set it to "
          + "one of TRACE, DEBUG, INFO (the default), WARN, ERROR, OFF");
    }
    Output json = main(dir, Map.of("ADVMON_LOG_LEVEL", "verbose", "ADVMON_LOG_FORMAT", "json"), "config", "--check",
        badConfig(dir).toString());
    assertThat(json.exit()).isEqualTo(2);
    assertThat(json.stderr()).as("one JSON line where the format asked for is json").hasSize(1);
    assertThat(parse(json.stderr().get(0)).path("message").asText()).startsWith("ADVMON_LOG_LEVEL=verbose is not");
    Output fine = main(dir, Map.of("ADVMON_LOG_LEVEL", "warn"), "config", "--check", badConfig(dir).toString());
    assertThat(fine.stderr()).as("a known level in lower case").noneMatch(l -> l.contains("is not a log level"));
  }

  /** Set but empty (an empty value in a manifest), ADVMON_LOG_LEVEL is INFO, the default, as the check says. */
  @Test
  void anEmptyLogLevelLogsTheMonitorAtInfoAsWhenUnset(@TempDir Path dir) throws Exception {
    for (String level : List.of("", " ")) {
      Output out = sample(dir, Map.of("ADVMON_LOG_FORMAT", "text", "ADVMON_LOG_LEVEL", level));
      assertThat(out.stderr()).as("ADVMON_LOG_LEVEL='%s'", level)
          .anyMatch(l -> l.endsWith(" INFO  Sample - frame rejected")).noneMatch(l -> l.contains("not at INFO"));
    }
  }

  /**
   * Both formats keep the same logger levels: the Kafka clients' reconnect and retry warnings that logback.xml turns
   * off stay off in json, the rest of Kafka logs at WARN, the monitor at ADVMON_LOG_LEVEL; MDC entries come along.
   */
  @Test
  void jsonKeepsTheLoggerLevelsOfTextAndCarriesTheMdc(@TempDir Path dir) throws Exception {
    Output text = sample(dir, "text");
    Output json = sample(dir, "json");

    assertThat(text.stderr().stream().filter(l -> !l.startsWith("\t")).toList()).satisfiesExactly(
        l -> assertThat(l).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  Fetcher - kafka warns"),
        l -> assertThat(l).endsWith(" INFO  Sample - frame rejected"),
        l -> assertThat(l).isEqualTo("java.lang.IllegalStateException: decoder failed"),
        l -> assertThat(l).isEqualTo("Caused by: java.io.IOException: truncated PNG"),
        l -> assertThat(l).endsWith(" ERROR NetworkClient - authentication failed"));

    assertThat(json.stderr()).hasSize(3);
    List<JsonNode> lines = new ArrayList<>();
    for (String line : json.stderr()) {
      lines.add(parse(line));
    }
    assertThat(lines).extracting(l -> l.get("logger").asText()).containsExactly(
        "org.apache.kafka.clients.consumer.internals.Fetcher", "dev.advmon.Sample", "org.apache.kafka.clients.NetworkClient");
    JsonNode rejected = lines.get(1);
    assertThat(fieldNames(rejected)).containsExactly("timestamp", "level", "severity", "logger", "thread", "message",
        "mdc", "exception");
    assertThat(rejected.get("level").asText()).isEqualTo("INFO");
    assertThat(rejected.get("severity").asText()).isEqualTo("INFO");
    assertThat(rejected.get("thread").asText()).isEqualTo("stream-thread \"1\"");
    assertThat(rejected.get("message").asText()).isEqualTo("frame rejected");
    assertThat(rejected.get("mdc").get("frame").asText()).isEqualTo("cam-7/42");
    assertThat(rejected.get("exception").asText()).startsWith("java.lang.IllegalStateException: decoder failed\n\tat ")
        .contains("\nCaused by: java.io.IOException: truncated PNG\n\t");
  }

  /** Logs what {@link #jsonKeepsTheLoggerLevelsOfTextAndCarriesTheMdc} expects, on the logger levels of logback.xml. */
  public static final class Sample {
    public static void main(String[] args) throws Exception {
      Thread t = new Thread(() -> {
        org.slf4j.LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient")
            .warn("Connection to node -1 could not be established"); // off in logback.xml
        org.slf4j.LoggerFactory.getLogger("org.apache.kafka.clients.producer.internals.Sender")
            .warn("Got error produce response, retrying"); // off in logback.xml
        org.slf4j.LoggerFactory.getLogger("org.apache.kafka.clients.consumer.internals.Fetcher").info("kafka informs");
        org.slf4j.LoggerFactory.getLogger("org.apache.kafka.clients.consumer.internals.Fetcher").warn("kafka warns");
        org.slf4j.Logger sample = org.slf4j.LoggerFactory.getLogger("dev.advmon.Sample");
        sample.debug("not at INFO");
        org.slf4j.MDC.put("frame", "cam-7/42");
        sample.info("frame rejected", new IllegalStateException("decoder failed", new java.io.IOException("truncated PNG")));
        org.slf4j.MDC.clear();
        org.slf4j.LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").error("authentication failed");
      }, "stream-thread \"1\"");
      t.start();
      t.join();
    }
  }

  /**
   * An exception no code catches, in a thread without a handler of its own, was printed by the JVM as "Exception in
   * thread ..." over several plain-text lines, outside the log: in json mode it is one JSON line at ERROR naming the
   * thread; a thread with its own handler (Kafka Streams sets one on its stream threads) keeps it.
   */
  @Test
  void anUncaughtExceptionInAThreadIsOneJsonLineAtErrorNamingTheThread(@TempDir Path dir) throws Exception {
    List<String> command = List.of(ChildProcess.java(), QUICK_START_1, QUICK_START_2, "-cp",
        APP.resolve("target/test-classes") + File.pathSeparator
            + productionClasspath(), "-Dlogback.configurationFile=" + APP.resolve("target/classes/logback.xml"),
        Uncaught.class.getName());
    Output out = run(dir, command, Map.of("ADVMON_LOG_FORMAT", "json"));

    assertThat(out.exit()).isZero();
    assertThat(out.stdout()).isEqualTo("own handler: kept\n");
    assertThat(out.stderr()).as("one line, no plain text").hasSize(1);
    JsonNode line = parse(out.stderr().get(0));
    assertThat(line.get("level").asText()).isEqualTo("ERROR");
    assertThat(line.get("message").asText()).isEqualTo("uncaught exception in thread \"worker 1\"; the thread has ended");
    assertThat(line.get("thread").asText()).isEqualTo("worker 1");
    assertThat(line.get("exception").asText()).startsWith("java.lang.IllegalStateException: nobody catches this\n\tat ");
  }

  /** What {@link #anUncaughtExceptionInAThreadIsOneJsonLineAtErrorNamingTheThread} expects, after Main's start-up. */
  public static final class Uncaught {
    public static void main(String[] args) throws Exception {
      Main.logUncaughtExceptions();
      Thread plain = new Thread(() -> {
        throw new IllegalStateException("nobody catches this");
      }, "worker 1");
      plain.start();
      plain.join();
      Thread own = new Thread(() -> {
        throw new IllegalStateException("its own handler takes this");
      }, "worker 2");
      own.setUncaughtExceptionHandler((t, e) -> System.out.println("own handler: kept"));
      own.start();
      own.join();
    }
  }

  private static Output sample(Path dir, String format) throws Exception {
    return sample(dir, Map.of("ADVMON_LOG_FORMAT", format, "ADVMON_LOG_LEVEL", "INFO"));
  }

  private static Output sample(Path dir, Map<String, String> env) throws Exception {
    List<String> command = List.of(ChildProcess.java(), QUICK_START_1, QUICK_START_2, "-cp",
        APP.resolve("target/test-classes") + File.pathSeparator
            + productionClasspath(), "-Dlogback.configurationFile=" + APP.resolve("target/classes/logback.xml"),
        Sample.class.getName());
    return run(dir, command, env);
  }

  private static Output main(Path dir, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ChildProcess.java(), QUICK_START_1, QUICK_START_2, "-cp",
        productionClasspath(),
        "-Dadvmon.home=" + TestData.repoRoot(), Main.class.getName()));
    command.addAll(List.of(args));
    return run(dir, command, env);
  }

  private static Output run(Path dir, List<String> command, Map<String, String> env) throws Exception {
    Path stdout = Files.createTempFile(dir, "stdout", ".txt");
    Path stderr = Files.createTempFile(dir, "stderr", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ADVMON_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s ends", command).isTrue();
    return new Output(p.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
        Files.readAllLines(stderr, StandardCharsets.UTF_8));
  }

  /** stream-app's classes with its logback.xml, and the dependencies; not the test classes (logback-test.xml). */
  private static String productionClasspath() throws Exception {
    return APP.resolve("target/classes") + File.pathSeparator
        + Files.readString(APP.resolve("target/test-classpath.txt")).trim();
  }

  private static Path badConfig(Path dir) throws Exception {
    return Files.writeString(dir.resolve("bad.properties"), "kafka.bootstrap.servers=localhost:1\n"
        + "registry.url=http://localhost:1\nkafka.frobnicate.me=1\nstreams.num-threads=zero\n");
  }

  private static JsonNode parse(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      assertThat(node.isObject()).as("a JSON object: %s", line).isTrue();
      return node;
    } catch (Exception e) {
      throw new AssertionError("stderr line is not JSON: " + line, e);
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
