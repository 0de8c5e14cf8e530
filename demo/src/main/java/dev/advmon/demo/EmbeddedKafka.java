package dev.advmon.demo;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single-node KRaft broker (combined broker and controller) in this JVM, with its data in a temporary
 * folder deleted on close. Transactions work on it (exactly-once needs them). Public for the load tester's
 * {@code --embedded} mode, which runs the same broker as the demo.
 */
public final class EmbeddedKafka implements AutoCloseable {

  /**
   * What a one-node cluster needs (replication factor and min ISR 1 for the internal topics), plus settings
   * that only save start-up time: groups start at once, and the internal topics get one partition, not 50.
   */
  private static final Map<String, String> SINGLE_NODE = Map.of(
      "transaction.state.log.replication.factor", "1",
      "transaction.state.log.min.isr", "1",
      "offsets.topic.replication.factor", "1",
      "group.initial.rebalance.delay.ms", "0",
      "offsets.topic.num.partitions", "1",
      "transaction.state.log.num.partitions", "1");

  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /** Starts the broker (2-3 s); its {@code format()} output is kept off stdout. */
  public static EmbeddedKafka start() throws Exception {
    Path dir = Files.createTempDirectory("advmon-demo-kafka-");
    TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1)
        .setBaseDirectory(dir).build();
    KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
    SINGLE_NODE.forEach(builder::setConfigProp);
    KafkaClusterTestKit cluster;
    try {
      cluster = builder.build();
    } catch (Exception | Error e) {
      // no cluster to delete it on close (a signal meanwhile fails Kafka's metrics, which add a shutdown hook): the
      // folder was left in the temp folder at every such stop
      deleteQuietly(dir);
      throw e;
    }
    PrintStream stdout = System.out;
    try {
      // format() prints its bootstrap records to stdout, which carries the demo's alerts and summary
      System.setOut(new PrintStream(OutputStream.nullOutputStream()));
      cluster.format();
      System.setOut(stdout);
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new EmbeddedKafka(cluster);
    } catch (Exception e) {
      System.setOut(stdout);
      cluster.close();
      throw e;
    }
  }

  /**
   * Whether {@code failure}, of a broker's start, comes from the JVM's shutdown (Ctrl-C or SIGTERM meanwhile): a
   * shutdown hook added while it runs (Kafka's first metrics registry adds one) is refused with the JDK's
   * IllegalStateException "Shutdown in progress". Any other failure is the broker's own, whether a stop came or not.
   */
  public static boolean failedForTheShutdown(Throwable failure) {
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 20; t = t.getCause(), depth++) {
      if (t instanceof IllegalStateException && "Shutdown in progress".equals(t.getMessage())) {
        return true;
      }
    }
    return false;
  }

  /** Removes {@code dir} and what is in it, as far as it can: a failed start's leftovers, not worth a second error. */
  private static void deleteQuietly(Path dir) {
    try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
      all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException | RuntimeException e) {
      // left behind; the temp folder's own cleanup takes it
    }
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
