package dev.advmon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one) as a child process, on the Apache
 * Kafka server jars of the test classpath ({@code kafka.tools.StorageTool format}, then {@code kafka.Kafka}).
 * Unlike the in-process broker of {@link KafkaBroker}, it can be killed ({@link #kill()}), stopped
 * ({@link #stop()}) and started again on the same data and ports ({@link #restart()}): what the fault tests need.
 *
 * <p>Broker settings are the defaults of a production broker, except what one node needs (replication factors and
 * {@code transaction.state.log.min.isr} of 1) and single-partition internal topics (they only make the first
 * group join slower). Notably {@code group.initial.rebalance.delay.ms} keeps its default of 3 s. Log:
 * {@code <dir>/broker.log}.
 *
 * <p>{@link #startCluster} starts several such nodes as one cluster (each a broker and a voter of the controller
 * quorum), with internal topics replicated to all of them and {@code min.insync.replicas} 2, as production runs
 * them: one node can then be killed and restarted while the others carry on.
 *
 * <p>{@link #startKafka39} runs an Apache Kafka 3.9.1 broker instead (the classpath the {@code brokers/kafka-3.9}
 * module writes), with the same settings: the static {@code controller.quorum.voters} and {@code StorageTool format
 * --config --cluster-id} used here work on both, and the 4.x-only {@code share.coordinator.*} keys are merely logged
 * as unknown by 3.9. Kafka 3.9 logs through reload4j, so a log4j 1 configuration is written beside the logback one.
 */
public final class StandaloneKafka implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StandaloneKafka.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final int port;
  private final int controllerPort;
  private final int nodeId;
  private final String voters; // controller.quorum.voters; null: this node alone
  private final String clusterId;
  private final int replication; // of the internal topics, and the default of new ones
  private final Map<String, String> extra;
  /** A second listener for clients that go through {@link #clientProxy}, 0 without one. */
  private final int clientPort;
  private final TcpProxy clientProxy;
  /** A third listener whose clients log in with SCRAM-SHA-256 ({@link #startWithScram}), 0 without one. */
  private int scramPort;
  /** The broker's classpath: the test classpath (Kafka 4.x), or another version's. */
  private final String classpath;
  private ChildProcess process;

  private StandaloneKafka(Path dir, int port, int controllerPort, int clientPort, Map<String, String> extra,
      TcpProxy clientProxy, String classpath) {
    this(dir, port, controllerPort, 1, null, Uuid.randomUuid().toString(), 1, extra, clientProxy, clientPort,
        classpath);
  }

  private StandaloneKafka(Path dir, int port, int controllerPort, int nodeId, String voters, String clusterId,
      int replication, Map<String, String> extra, TcpProxy clientProxy, int clientPort, String classpath) {
    this.dir = dir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.nodeId = nodeId;
    this.voters = voters;
    this.clusterId = clusterId;
    this.replication = replication;
    this.extra = extra;
    this.clientProxy = clientProxy;
    this.classpath = classpath;
    this.clientPort = clientProxy == null ? 0 : clientPort;
  }

  /** Formats a fresh data folder under {@code dir} and starts the broker; returns once it answers. */
  public static StandaloneKafka start(Path dir) throws InterruptedException {
    return start(dir, Map.of());
  }

  /** As {@link #start(Path)}, with broker settings of the test's own added to (or replacing) the defaults. */
  public static StandaloneKafka start(Path dir, Map<String, String> brokerSettings) throws InterruptedException {
    return start(dir, brokerSettings, null);
  }

  /**
   * As {@link #start(Path, Map)}, plus a listener of its own for clients that bootstrap at {@code clientProxy}'s
   * port ({@link #proxiedBootstrapServers()}): it advertises that port, so all their connections go through the proxy
   * and {@link TcpProxy#cut()} partitions them from a broker that stays up. {@link #bootstrapServers()} and the
   * broker's own connections (the transaction coordinator's markers to itself) stay direct.
   */
  public static StandaloneKafka start(Path dir, Map<String, String> brokerSettings, TcpProxy clientProxy)
      throws InterruptedException {
    return start(dir, brokerSettings, clientProxy, ChildProcess.testClasspath());
  }

  /**
   * As {@link #start(Path, Map)}, an Apache Kafka 3.9.1 broker: on the classpath that the {@code brokers/kafka-3.9}
   * module writes to its {@code target/classpath.txt} (built before stream-app in the reactor).
   */
  public static StandaloneKafka startKafka39(Path dir, Map<String, String> brokerSettings) throws InterruptedException {
    Path file = TestData.repoRoot().resolve("brokers/kafka-3.9/target/classpath.txt");
    String classpath;
    try {
      classpath = Files.readString(file).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(file + " is missing: it is written by the brokers/kafka-3.9 module; run the "
          + "build from the repository root (`mvn -B verify`, or at least `mvn -B -pl brokers/kafka-3.9 "
          + "generate-resources`)", e);
    }
    return start(dir, brokerSettings, null, classpath);
  }

  /**
   * As {@link #start(Path, Map)}, plus a listener whose clients log in with SCRAM-SHA-256 ({@link
   * #scramBootstrapServers()}; the users' passwords set with {@code Admin.alterUserScramCredentials} on
   * {@link #bootstrapServers()}, which needs no login). Unlike the in-process broker, this one can be stopped and
   * started again on the same ports and data.
   */
  public static StandaloneKafka startWithScram(Path dir, Map<String, String> brokerSettings)
      throws InterruptedException {
    return start(dir, brokerSettings, null, ChildProcess.testClasspath(), true);
  }

  private static StandaloneKafka start(Path dir, Map<String, String> brokerSettings, TcpProxy clientProxy,
      String classpath) throws InterruptedException {
    return start(dir, brokerSettings, clientProxy, classpath, false);
  }

  private static StandaloneKafka start(Path dir, Map<String, String> brokerSettings, TcpProxy clientProxy,
      String classpath, boolean scram) throws InterruptedException {
    // The ports are found free here and bound by the child a moment later; should another process take one
    // in between, the broker exits at once and is started again on new ports (no test flakes on it).
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      java.util.function.IntSupplier ports = distinct(ChildProcess::freePort);
      StandaloneKafka kafka = new StandaloneKafka(dir.resolve("try-" + attempt), ports.getAsInt(), ports.getAsInt(),
          ports.getAsInt(), brokerSettings, clientProxy, classpath);
      kafka.scramPort = scram ? ports.getAsInt() : 0;
      if (clientProxy != null) {
        clientProxy.forwardTo(kafka.clientPort);
      }
      try {
        kafka.format();
        kafka.launch();
        return kafka;
      } catch (IllegalStateException e) {
        last = e;
        kafka.close();
        if (kafka.process == null || !kafka.process.output().contains("Address already in use")) {
          throw e;
        }
        LOG.warn("standalone Kafka could not bind its ports ({}, {}); trying others", kafka.port, kafka.controllerPort);
      }
    }
    throw last;
  }

  /**
   * {@code size} nodes as one cluster, each a broker and a controller voter, formatted under {@code dir/try-N/node-M};
   * returns once every one answers. Internal topics are replicated to all nodes ({@code min.insync.replicas} 2), and so
   * are new topics by default; {@code brokerSettings} are added to each node's. As {@link #start(Path)}, the ports are
   * found free here and bound by the nodes a moment later: should another process take one in between, that node
   * exits, and the whole cluster is started again on new ports (each node names every voter's port).
   */
  public static List<StandaloneKafka> startCluster(Path dir, int size, Map<String, String> brokerSettings)
      throws InterruptedException {
    return startCluster(dir, size, brokerSettings, ChildProcess::freePort);
  }

  /** As {@link #startCluster(Path, int, Map)}, its ports from {@code ports} (a test's, to hand it a taken one). */
  static List<StandaloneKafka> startCluster(Path dir, int size, Map<String, String> brokerSettings,
      java.util.function.IntSupplier ports) throws InterruptedException {
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return startClusterOnce(dir.resolve("try-" + attempt), size, brokerSettings, ports);
      } catch (PortTaken e) {
        last = e;
        LOG.warn("standalone Kafka cluster: {}; starting it again on other ports", e.getMessage());
      }
    }
    throw last;
  }

  /**
   * {@code ports}, none handed out twice: each port is found free on its own and closed again, so two in a row can be
   * the same one (a cluster's node 2 got one port for its broker and its controller listener, and Kafka refused the
   * configuration, in a system-test run).
   */
  private static java.util.function.IntSupplier distinct(java.util.function.IntSupplier ports) {
    java.util.Set<Integer> handed = new java.util.HashSet<>();
    return () -> {
      int port = ports.getAsInt();
      while (!handed.add(port)) {
        port = ports.getAsInt();
      }
      return port;
    };
  }

  /** A node exited because another process had taken one of its ports ("Address already in use"). */
  private static final class PortTaken extends IllegalStateException {
    PortTaken(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static List<StandaloneKafka> startClusterOnce(Path dir, int size, Map<String, String> brokerSettings,
      java.util.function.IntSupplier ports) throws InterruptedException {
    int[] brokerPorts = new int[size];
    int[] controllerPorts = new int[size];
    StringBuilder voters = new StringBuilder();
    java.util.function.IntSupplier distinct = distinct(ports);
    for (int i = 0; i < size; i++) {
      brokerPorts[i] = distinct.getAsInt();
      controllerPorts[i] = distinct.getAsInt();
      voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(controllerPorts[i]);
    }
    String clusterId = Uuid.randomUuid().toString();
    List<StandaloneKafka> nodes = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        StandaloneKafka node = new StandaloneKafka(dir.resolve("node-" + (i + 1)), brokerPorts[i], controllerPorts[i],
            i + 1, voters.toString(), clusterId, size, brokerSettings, null, 0, ChildProcess.testClasspath());
        nodes.add(node);
        node.format();
      }
      for (StandaloneKafka node : nodes) { // all at once: none is ready before the quorum has a majority
        node.process = node.startBroker("kafka-" + node.nodeId);
      }
      for (StandaloneKafka node : nodes) {
        node.awaitReady(nodes);
      }
    } catch (RuntimeException | InterruptedException e) {
      nodes.forEach(StandaloneKafka::close);
      for (StandaloneKafka node : nodes) {
        if (e instanceof IllegalStateException && node.process != null && !node.process.isAlive()
            && node.process.output().contains("Address already in use")) {
          throw new PortTaken("node " + node.nodeId + " could not bind its ports (" + node.port + ", "
              + node.controllerPort + ")", e);
        }
      }
      throw e;
    }
    LOG.info("standalone Kafka cluster of {} ready at {}", size, bootstrapServers(nodes));
    return nodes;
  }

  /** The bootstrap list of several nodes. */
  public static String bootstrapServers(List<StandaloneKafka> nodes) {
    return nodes.stream().map(StandaloneKafka::bootstrapServers).collect(Collectors.joining(","));
  }

  /** This node's id in its cluster (1 for a single node). */
  public int nodeId() {
    return nodeId;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** Where clients that go through the proxy given to {@link #start(Path, Map, TcpProxy)} bootstrap. */
  public String proxiedBootstrapServers() {
    if (clientProxy == null) {
      throw new IllegalStateException("started without a client proxy");
    }
    return "127.0.0.1:" + clientProxy.port();
  }

  /** Where clients that log in with SCRAM-SHA-256 bootstrap ({@link #startWithScram}). */
  public String scramBootstrapServers() {
    if (scramPort == 0) {
      throw new IllegalStateException("started without a SCRAM listener");
    }
    return "127.0.0.1:" + scramPort;
  }

  public ChildProcess process() {
    return process;
  }

  private void format() throws InterruptedException {
    try {
      Files.createDirectories(dir.resolve("data"));
      Files.writeString(dir.resolve("server.properties"), String.join("\n",
          "process.roles=broker,controller",
          "node.id=" + nodeId,
          "controller.quorum.voters=" + (voters != null ? voters : nodeId + "@127.0.0.1:" + controllerPort),
          "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort
              + (clientProxy == null ? "" : ",PROXIED://127.0.0.1:" + clientPort)
              + (scramPort == 0 ? "" : ",SCRAM://127.0.0.1:" + scramPort),
          "advertised.listeners=PLAINTEXT://127.0.0.1:" + port
              + (clientProxy == null ? "" : ",PROXIED://127.0.0.1:" + clientProxy.port())
              + (scramPort == 0 ? "" : ",SCRAM://127.0.0.1:" + scramPort),
          "controller.listener.names=CONTROLLER",
          "inter.broker.listener.name=PLAINTEXT",
          "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,PROXIED:PLAINTEXT,"
              + "SCRAM:SASL_PLAINTEXT",
          scramPort == 0 ? "" : "sasl.enabled.mechanisms=SCRAM-SHA-256\n"
              + "listener.name.scram.scram-sha-256.sasl.jaas.config="
              + "org.apache.kafka.common.security.scram.ScramLoginModule required;",
          "log.dirs=" + dir.resolve("data"),
          "num.partitions=3",
          "offsets.topic.replication.factor=" + replication,
          "offsets.topic.num.partitions=1",
          "transaction.state.log.replication.factor=" + replication,
          "transaction.state.log.min.isr=" + Math.min(2, replication),
          "transaction.state.log.num.partitions=1",
          "share.coordinator.state.topic.replication.factor=" + replication,
          "share.coordinator.state.topic.min.isr=" + Math.min(2, replication),
          "default.replication.factor=" + replication,
          "min.insync.replicas=" + Math.min(2, replication),
          extra.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n")),
          ""), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve("logback.xml"), """
          <configuration>
            <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
              <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n</pattern></encoder>
            </appender>
            <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
            <logger name="kafka.server.BrokerServer" level="INFO"/>
            <root level="WARN"><appender-ref ref="OUT"/></root>
          </configuration>
          """, StandardCharsets.UTF_8);
      // Kafka 3.x logs through slf4j 1.7 + reload4j (log4j 1): the same levels as above, for a 3.9 broker
      Files.writeString(dir.resolve("log4j.properties"), String.join("\n",
          "log4j.rootLogger=WARN, OUT",
          "log4j.appender.OUT=org.apache.log4j.ConsoleAppender",
          "log4j.appender.OUT.layout=org.apache.log4j.PatternLayout",
          "log4j.appender.OUT.layout.ConversionPattern=%d{HH:mm:ss.SSS} %-5p %c{1} - %m%n",
          "log4j.logger.kafka.server.KafkaRaftServer=INFO",
          "log4j.logger.kafka.server.BrokerServer=INFO",
          ""), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String[] args = {"format", "--config", dir.resolve("server.properties").toString(), "--cluster-id", clusterId};
    if (classpath.equals(ChildProcess.testClasspath())) {
      // the test classpath's Kafka formats in this JVM: a JVM of its own per node cost 2-3 s of CPU (Scala's and
      // Kafka's classes loaded for one command), 11 times in the system tests
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      int code;
      try (java.io.PrintStream print = new java.io.PrintStream(out, true, StandardCharsets.UTF_8)) {
        code = kafka.tools.StorageTool.execute(args, print);
      } catch (RuntimeException e) {
        throw new IllegalStateException("formatting the standalone Kafka storage in " + dir + " failed: " + e
            + "\n" + out.toString(StandardCharsets.UTF_8), e);
      }
      if (code != 0) {
        throw new IllegalStateException("formatting the standalone Kafka storage in " + dir + " failed (exit code "
            + code + "):\n" + out.toString(StandardCharsets.UTF_8));
      }
      return;
    }
    ChildProcess format = ChildProcess.start("kafka-storage-format", command("kafka.tools.StorageTool", args),
        dir, dir.resolve("broker.log"), Map.of());
    try {
      if (!format.process().waitFor(120, TimeUnit.SECONDS) || format.process().exitValue() != 0) {
        throw new IllegalStateException("formatting the standalone Kafka storage failed:\n" + format.tail(30));
      }
    } finally {
      format.close();
    }
  }

  private List<String> command(String mainClass, String... args) {
    return command(List.of(), mainClass, args);
  }

  private List<String> command(List<String> jvmOptions, String mainClass, String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of(ChildProcess.java(), "-Xmx512m", "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
        "-Dlog4j.configuration=" + dir.resolve("log4j.properties").toUri()));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", classpath, mainClass));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * The broker's JVM, with the class-data archive of this classpath's brokers ({@link ClassArchive}, under
   * stream-app/target): it took a broker's CPU until it answers from 61 to 37 s for ReplicatedClusterOutageIT's 10
   * starts (classes mapped, not loaded and verified), about 20 starts a run.
   * Where it is missing, a broker of its own trains it first ({@link #trainClassArchive}). Not for a Kafka 3.9 broker:
   * one start a run, which the training would cost more than it saves.
   */
  private ChildProcess startBroker(String name) throws InterruptedException {
    if (!classpath.equals(ChildProcess.testClasspath())) {
      return spawnBroker(name, List.of());
    }
    ClassArchive archive = classArchive();
    if (archive.trains()) {
      trainClassArchive(archive);
      archive = classArchive();
    }
    return spawnBroker(name, archive.options());
  }

  private ChildProcess spawnBroker(String name, List<String> jvmOptions) {
    return ChildProcess.start(name, command(jvmOptions, "kafka.Kafka", dir.resolve("server.properties").toString()),
        dir, dir.resolve("broker.log"), Map.of());
  }

  private ClassArchive classArchive() {
    return ClassArchive.forJvm(TestData.repoRoot().resolve("stream-app/target/class-archives"), ChildProcess.java(),
        classpath, "kafka.Kafka");
  }

  /**
   * Starts a broker of its own, on {@code archive}'s training options, and stops it (SIGTERM) once it answers: its JVM
   * then writes the archive. Not a test's broker, which may live for minutes or be killed (kill -9 writes none). Any
   * failure here only leaves the brokers without the archive.
   */
  private void trainClassArchive(ClassArchive archive) throws InterruptedException {
    long t0 = System.nanoTime();
    java.util.function.IntSupplier ports = distinct(ChildProcess::freePort);
    StandaloneKafka trainer = new StandaloneKafka(dir.resolveSibling(dir.getFileName() + "-class-archive"),
        ports.getAsInt(), ports.getAsInt(), 0, Map.of(), null, classpath);
    java.util.concurrent.CompletableFuture<Void> published = null;
    try {
      trainer.format();
      trainer.process = trainer.spawnBroker("kafka-class-archive", archive.options());
      published = archive.publishAfterExit(trainer.process.process());
      trainer.awaitReady();
    } catch (RuntimeException e) {
      LOG.warn("the brokers' class-data archive was not trained (they start without it): {}", e.toString());
      if (published == null) {
        archive.release(); // no JVM will exit to give up the claim
      }
    } finally {
      if (trainer.process != null) {
        trainer.stop();
        trainer.close();
      }
      if (published != null) {
        try {
          published.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          LOG.warn("the brokers' class-data archive was not written: {}", e.toString());
        }
      }
    }
    LOG.info("class-data archive {} for the brokers {} in {} ms", archive.archive(),
        java.nio.file.Files.isRegularFile(archive.archive()) ? "trained" : "NOT trained",
        (System.nanoTime() - t0) / 1_000_000);
  }

  private void launch() throws InterruptedException {
    long t0 = System.nanoTime();
    process = startBroker("kafka");
    awaitReady();
    LOG.info("standalone Kafka (pid {}) ready at {} in {} ms", process.pid(), bootstrapServers(),
        (System.nanoTime() - t0) / 1_000_000);
  }

  private void awaitReady() throws InterruptedException {
    awaitReady(List.of(this));
  }

  /**
   * Waits until this node answers; throws as soon as any node of {@code group} has exited (a cluster node waits for a
   * quorum that a node which lost its port would never join).
   */
  private void awaitReady(List<StandaloneKafka> group) throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000))) {
      while (System.nanoTime() < deadline) {
        for (StandaloneKafka node : group) {
          if (!node.process.isAlive()) {
            throw new IllegalStateException("standalone Kafka" + (group.size() > 1 ? " node " + node.nodeId : "")
                + " exited before it was ready:\n" + node.process.tail(40));
          }
        }
        try {
          if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception notYet) {
          // not listening yet
        }
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("standalone Kafka not ready within " + READY_TIMEOUT.toSeconds() + " s:\n"
        + process.tail(40));
  }

  /** kill -9 of the broker. */
  public void kill() throws InterruptedException {
    process.kill();
  }

  /** SIGTERM, waiting for a controlled shutdown. */
  public void stop() throws InterruptedException {
    if (!process.stop(Duration.ofSeconds(60))) {
      process.kill();
    }
  }

  /** Starts the broker again on the same data folder and ports (after {@link #kill()} or {@link #stop()}). */
  public void restart() throws InterruptedException {
    if (process.isAlive()) {
      throw new IllegalStateException("the broker is still running");
    }
    launch();
  }



  @Override
  public void close() {
    if (process != null) {
      process.close();
    }
  }
}
