package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A monitor running elsewhere, named by its settings file (--config): what an operator sees when it is wrong. */
class ExternalTargetTest {

  /** A stop no one requests: the registry's check runs to its answer. */
  private static final Interruption NOT_STOPPED = new Interruption(Duration.ofSeconds(1));

  private static Path home() {
    return Path.of(System.getProperty("advmon.home", ".."));
  }

  @Test
  void aBootstrapHostThatDoesNotResolveIsNamedWithTheSettingToFix(@TempDir Path dir) throws Exception {
    // Kafka's own words were all the user saw: "error: Failed to construct kafka consumer"
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "kafka.bootstrap.servers=no-such-host.invalid:9092\n"
        + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
    FrameSource frames = new FrameSource(home().resolve("models/eval/fashion-mnist-test"), null, "ett");
    try (ExternalTarget target = new ExternalTarget(config, home())) {
      assertThatThrownBy(() -> new Collector(target, frames, new Pacer(Clocks.SYSTEM), Clocks.SYSTEM).close())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no-such-host.invalid:9092")
          .hasMessageContaining("No resolvable bootstrap urls")
          .hasMessageContaining("kafka.bootstrap.servers")
          .hasMessageContaining(config.toString());
    }
  }

  @Test
  void aKafkaTrustStoreItCannotReadIsNamedWithItsSettingBeforeAnythingStarts(@TempDir Path dir) throws Exception {
    // TLS walk: "cannot start the load tester's Kafka reader ...: check kafka.bootstrap.servers (every host must
    // resolve ...)" for a CA file that was not there
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:9\nkafka.security.protocol=SSL\n"
        + "kafka.ssl.truststore.type=PEM\nkafka.ssl.truststore.location=" + dir.resolve("ca.crt") + "\n"
        + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
    assertThatThrownBy(() -> ExternalTarget.settings(config, home()))
        .hasMessageContaining("setting 'kafka.ssl.truststore.location'")
        .hasMessageContaining("NoSuchFileException");
  }

  @Test
  void aRegistryThatDoesNotAnswerIsNamedBeforeAnyFrameIsSent(@TempDir Path dir) throws Exception {
    // unchecked, the first frame's serializer met it on the sender thread, after the reader had started
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:9\n"
        + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
    try (ExternalTarget target = new ExternalTarget(config, home())) {
      assertThatThrownBy(() -> target.requireRegistry(NOT_STOPPED))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("http://127.0.0.1:1/apis/ccompat/v7")
          .hasMessageContaining("registry.url")
          .hasMessageContaining(config.toString())
          .satisfies(e -> {
            // before: the client's "check that the registry is running ... (registry.url for the monitor,
            // schema.registry.url ...)", then the load tester's "check registry.url ... and that the registry runs"
            String m = e.getMessage();
            assertThat(m.split("registry\\.url", -1)).as(m).hasSize(2);
            assertThat(m.split("check ", -1)).as(m).hasSize(2);
            assertThat(m).doesNotContain("schema.registry.url").containsIgnoringCase("connection refused");
          });
    }
  }

  @Test
  void aBrokerAddressWhereNothingListensIsNamedAtOnceNotAfterTheTopicLookupsMinute(@TempDir Path dir)
      throws Exception {
    // before: 'no answer from Kafka at ... within 60 s looking up topic frames' after waiting the whole minute
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:" + port + "\n"
        + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
    FrameSource frames = new FrameSource(home().resolve("models/eval/fashion-mnist-test"), null, "ett");
    try (ExternalTarget target = new ExternalTarget(config, home())) {
      assertThatThrownBy(() -> new Collector(target, frames, new Pacer(Clocks.SYSTEM), Clocks.SYSTEM).close())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("nothing accepted a connection at Kafka's address 127.0.0.1:" + port)
          .hasMessageContaining("Connection refused")
          .hasMessageContaining("kafka.bootstrap.servers")
          .hasMessageContaining(config.toString());
    }
  }

  @Test
  void aBrokerThatAcceptsButIsSlowToAnswerPassesTheQuickCheck() throws Exception {
    // the check only asks for a connection: a live broker too busy to answer at once gets the topic lookup's minute
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String at = "127.0.0.1:" + silent.getLocalPort();
      assertThatCode(() -> BrokerCheck.requireListening("nowhere-else.invalid:9092, " + at, "--config m.properties",
          java.time.Duration.ofSeconds(10))).doesNotThrowAnyException();
    }
  }

  /**
   * Before: Ctrl-C while the reader looked up the topics on a broker that accepts but does not answer was not heard
   * for the lookup's minute, longer than the shutdown hook waits (60 s): the JVM exited without the run's report,
   * and the --report folder made for it stayed, empty.
   */
  @Test
  void aStopRequestedWhileTheTopicLookupWaitsForTheBrokerEndsItAtOnce(@TempDir Path dir) throws Exception {
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            silent.accept(); // held open, never answered, as a broker too busy to answer
            connections.incrementAndGet();
          }
        } catch (java.io.IOException e) {
          // closed at the end of the test
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      Path config = dir.resolve("monitor.properties");
      Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:" + silent.getLocalPort() + "\n"
          + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
      FrameSource frames = new FrameSource(home().resolve("models/eval/fashion-mnist-test"), null, "ett");
      Interruption stop = new Interruption(java.time.Duration.ofSeconds(30));
      stop.begin();
      try (ExternalTarget target = new ExternalTarget(config, home())) {
        java.util.concurrent.CompletableFuture<Throwable> reader = java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                new Collector(target, frames, new Pacer(Clocks.SYSTEM), Clocks.SYSTEM, stop).close();
                return null;
              } catch (Throwable e) {
                return e;
              }
            });
        // the quick check's connection, then the Kafka client's: the lookup is waiting for an answer
        while (connections.get() < 2 && !reader.isDone()) {
          Thread.sleep(10);
        }
        java.util.concurrent.CompletableFuture.runAsync(stop::onShutdown);
        // a guard against the lookup's minute, not a timing
        assertThat(reader.get(45, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(Interruption.Stopped.class);
      } finally {
        stop.finished();
      }
    }
  }

  @Test
  void theReportNamesEveryTopicAndTheMonitorSettingsTheFileGives(@TempDir Path dir) throws Exception {
    // before: mode, bootstrap_servers, registry and frames_topic only; which verdicts topic was read, and with what
    // settings the monitor was meant to run, the report did not say
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:9\n"
        + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\n"
        + "topics.frames=f-test\ntopics.verdicts=v-test\ntopics.dead-letter=d-test\n"
        + "streams.num-threads=3\nmodel.batch.max-wait-ms=7\n");
    try (ExternalTarget target = new ExternalTarget(config, home())) {
      assertThat(target.describe())
          .containsEntry("mode", "external")
          .containsEntry("frames_topic", "f-test")
          .containsEntry("verdicts_topic", "v-test")
          .containsEntry("dead_letter_topic", "d-test")
          .containsEntry("monitor_settings", "below, as --config " + config + " gives them here: the running "
              + "monitor's may differ")
          .containsEntry("streams.num-threads", "3")
          .containsEntry("model.batch.max-wait-ms", "7")
          .containsKeys("streams.commit-interval-ms", "model.batch.max-frames", "model.dir", "model.engine")
          .doesNotContainKey("registry.basic-auth.user-info");
    }
  }

  /**
   * Before: an embedded run's report named the monitor's settings stream_threads_per_instance, model and engine (the
   * one in use), a --config run's streams.num-threads, model.dir and model.engine, and only the latter gave
   * model.batch.workers and streams.application-id: two reports of the same monitor could not be compared key by key.
   */
  @Test
  void embeddedAndConfigReportsNameTheMonitorsSettingsByTheSameKeys(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:9\n"
        + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\nstreams.num-threads=3\n");
    java.util.Map<String, String> settings = new java.util.HashMap<>(EmbeddedTarget.settings("localhost:1", 1,
        java.util.Map.of("streams.num-threads", "3")));
    try (ExternalTarget external = new ExternalTarget(config, home());
        EmbeddedTarget embedded = new EmbeddedTarget(null, false, settings, home(),
            new dev.advmon.registry.InMemorySchemaRegistry(), dir)) {
      java.util.Map<String, Object> e = embedded.describe();
      java.util.Map<String, Object> x = external.describe();
      for (String key : ExternalTarget.MONITOR_SETTINGS) {
        assertThat(e).as("embedded").containsKey(key);
        assertThat(x).as("--config").containsKey(key);
      }
      assertThat(e).containsEntry("streams.num-threads", "3").containsEntry("partitions", 1)
          .doesNotContainKeys("stream_threads_per_instance", "model", "engine");
      assertThat(x).containsEntry("streams.num-threads", "3");
    }
  }

  @Test
  void aMonitorSettingFromTheLoadTestersEnvironmentIsNotCalledTheFiles(@TempDir Path dir) throws Exception {
    // before: ADVMON_MODEL_DIR, exported for --embedded runs, was reported as what --config FILE gives
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:9\n"
        + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\nmodel.dir=/opt/advmon/bundle\n");
    dev.advmon.config.MonitorConfig settings = dev.advmon.config.MonitorConfig.load(config,
        java.util.Map.of("ADVMON_MODEL_DIR", "/home/me/my-bundle"), java.util.Map.of(), home()).validated();
    try (ExternalTarget target = new ExternalTarget(config, settings)) {
      assertThat(target.describe())
          .containsEntry("model.dir", "/home/me/my-bundle")
          .containsEntry("monitor_settings", "below, as --config " + config + " gives them here, but model.dir from "
              + "the load tester's environment variable ADVMON_MODEL_DIR: the running monitor's may differ");
    }
  }

  /** A registry stand-in that refuses every request's credentials (401), started on a free loopback port. */
  private static com.sun.net.httpserver.HttpServer refusingRegistry() throws java.io.IOException {
    com.sun.net.httpserver.HttpServer registry = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    registry.createContext("/", ex -> {
      byte[] body = "{\"error_code\":40101,\"message\":\"Unauthorized\"}".getBytes(
          java.nio.charset.StandardCharsets.UTF_8);
      ex.sendResponseHeaders(401, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    registry.start();
    return registry;
  }

  /**
   * A registry refusing the credentials at one URL beside a silent one (a socket that accepts and never answers): the
   * client's check waits for the silent URL after the refusal, but the run's error named the refusing URL alone, so the
   * operator learnt of the other only after fixing the credentials. Now it names each URL and what it did.
   */
  @Test
  void aRefusalBesideASilentUrlNamesEachUrlAndWhatItDid(@TempDir Path dir) throws Exception {
    com.sun.net.httpserver.HttpServer registry = refusingRegistry();
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      String refusing = "http://127.0.0.1:" + registry.getAddress().getPort();
      String quiet = "http://127.0.0.1:" + silent.getLocalPort();
      Path config = dir.resolve("monitor.properties");
      Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:9\nregistry.url=" + refusing + "," + quiet + "\n");
      try (ExternalTarget target = new ExternalTarget(config, home())) {
        assertThatThrownBy(() -> target.requireRegistry(NOT_STOPPED))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageStartingWith("the schema registry refused the load tester's credentials: registry " + refusing)
            .hasMessageContaining(" (at each registry.url: " + refusing + ": HTTP 401, login refused, " + quiet
                + ": no answer within 3333 ms); ")
            .hasMessageContaining("registry.basic-auth.user-info");
      }
    } finally {
      registry.stop(0);
    }
  }

  @Test
  void aRegistryThatRefusesTheCredentialsIsNotCalledSilentAndItsAdviceIsGivenOnce(@TempDir Path dir) throws Exception {
    // before: 'did not answer as one within 10 s: registry ... refused to answer GET /config (HTTP 401) ...; check
    // registry.basic-auth.user-info and the user's rights; ... check registry.url ... and that the registry runs'
    com.sun.net.httpserver.HttpServer registry = refusingRegistry();
    try {
      Path config = dir.resolve("monitor.properties");
      Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:9\nregistry.url=http://127.0.0.1:"
          + registry.getAddress().getPort() + "/apis/ccompat/v7\n");
      try (ExternalTarget target = new ExternalTarget(config, home())) {
        assertThatThrownBy(() -> target.requireRegistry(NOT_STOPPED))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("HTTP 401")
            .hasMessageContaining("registry.basic-auth.user-info")
            .hasMessageContaining(config.toString())
            .satisfies(e -> {
              String m = e.getMessage();
              assertThat(m).as(m).doesNotContain("within 10 s").doesNotContain("registry runs");
              assertThat(m.split("check ", -1)).as(m).hasSize(2);
            });
      }
    } finally {
      registry.stop(0);
    }
  }

  /**
   * The Kafka client refuses "a:9092," ("values must not be empty"), and the advice was "every host must resolve
   * from this machine", which sent the user to DNS for a stray comma.
   */
  @Test
  void aTrailingCommaInTheBootstrapServersIsNamedAsAnEmptyEntry(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:9,\n"
        + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
    FrameSource frames = new FrameSource(home().resolve("models/eval/fashion-mnist-test"), null, "ett");
    try (ExternalTarget target = new ExternalTarget(config, home())) {
      assertThatThrownBy(() -> new Collector(target, frames, new Pacer(Clocks.SYSTEM), Clocks.SYSTEM).close())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("127.0.0.1:9,")
          .hasMessageContaining("an empty entry (a trailing or doubled comma): remove it")
          .hasMessageContaining(config.toString())
          .satisfies(e -> assertThat(e.getMessage()).as(e.getMessage()).doesNotContain("must resolve"));
    }
  }

  /**
   * A list of commas and blanks only names no address at all: "an empty entry (a trailing or doubled comma): remove
   * it" would leave the setting empty, and says nothing of the host:port it needs.
   */
  @Test
  void aBootstrapListOfCommasOnlyIsNamedAsNamingNoAddress(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "kafka.bootstrap.servers= , \n"
        + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
    FrameSource frames = new FrameSource(home().resolve("models/eval/fashion-mnist-test"), null, "ett");
    try (ExternalTarget target = new ExternalTarget(config, home())) {
      assertThatThrownBy(() -> new Collector(target, frames, new Pacer(Clocks.SYSTEM), Clocks.SYSTEM).close())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("names no address")
          .hasMessageContaining("host:port")
          .hasMessageContaining(config.toString())
          .satisfies(e -> assertThat(e.getMessage()).as(e.getMessage()).doesNotContain("remove it"));
    }
  }
}
