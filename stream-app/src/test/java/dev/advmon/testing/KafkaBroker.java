package dev.advmon.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * JUnit 5 extension that provides one real Kafka broker per test JVM, started on first use and shared by
 * all test classes (kept in the root {@link ExtensionContext.Store}, closed when the engine finishes).
 *
 * <p>Where Docker is available it is a Testcontainers {@code apache/kafka} container (same version as
 * kafka-clients unless {@code -Dadvmon.kafka.image=...}); otherwise an in-process single-node KRaft broker
 * (kafka-test-common-runtime's {@link KafkaClusterTestKit}, combined broker+controller). Force one with
 * {@code -Dadvmon.kafka.mode=inprocess|testcontainers} (default {@code auto}).
 *
 * <p>Use: {@code @ExtendWith(KafkaBroker.class)} (or {@link RealKafkaAndRegistry}); then either declare a
 * parameter of type {@link KafkaBroker.Info} in a test, lifecycle method or constructor, or call the static
 * {@link #bootstrapServers()} (from {@code @BeforeAll} on, once the extension has run).
 * The broker allows transactions (replication factor 1 / min ISR 1 for the internal topics) and
 * has {@code group.initial.rebalance.delay.ms=0}; auto topic creation is left at the Kafka default.
 */
public final class KafkaBroker implements BeforeAllCallback, ParameterResolver {

    /** What a test gets: where the broker is and what kind it is. */
    public interface Info {
        String bootstrapServers();

        /** {@code "in-process KRaft (KafkaClusterTestKit)"} or {@code "Testcontainers apache/kafka:..."}. */
        String kind();
    }

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBroker.class);
    private static final String KEY = "broker";

    /**
     * Broker settings that a single-node cluster needs, plus two that only save time in tests: consumer groups
     * start at once, and the internal topics (__consumer_offsets, __transaction_state) get 1 partition instead
     * of 50 each, which takes seconds off the first group join and the first transaction.
     */
    static final Map<String, String> SINGLE_NODE_CONFIG = Map.of(
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "offsets.topic.replication.factor", "1",
            "group.initial.rebalance.delay.ms", "0",
            "offsets.topic.num.partitions", "1",
            "transaction.state.log.num.partitions", "1");

    private static volatile Running current;

    /** Bootstrap servers of the shared broker; fails if no test class has used this extension yet. */
    public static String bootstrapServers() {
        Running r = current;
        if (r == null) {
            throw new IllegalStateException("No Kafka broker: annotate the test class with "
                    + "@ExtendWith(KafkaBroker.class) or @RealKafkaAndRegistry");
        }
        return r.bootstrapServers();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        running(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == Info.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return running(extensionContext);
    }

    private static Running running(ExtensionContext context) {
        Running r = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(KEY, k -> start(), Running.class);
        current = r;
        return r;
    }

    private static Running start() {
        String mode = System.getProperty("advmon.kafka.mode", "auto").trim().toLowerCase(Locale.ROOT);
        long t0 = System.nanoTime();
        Running r;
        switch (mode) {
            case "inprocess" -> {
                LOG.info("Kafka broker: in-process KRaft, forced by -Dadvmon.kafka.mode=inprocess");
                r = startInProcess();
            }
            case "testcontainers" -> {
                LOG.info("Kafka broker: Testcontainers, forced by -Dadvmon.kafka.mode=testcontainers");
                r = startContainer();
            }
            case "auto" -> {
                if (dockerAvailable()) {
                    LOG.info("Kafka broker: Testcontainers, because a Docker environment is available");
                    r = startContainer();
                } else {
                    LOG.info("Kafka broker: in-process KRaft, because no Docker environment is available "
                            + "(DockerClientFactory.isDockerAvailable() == false)");
                    r = startInProcess();
                }
            }
            default -> throw new IllegalArgumentException(
                    "advmon.kafka.mode must be auto, inprocess or testcontainers, not '" + mode + "'");
        }
        LOG.info("Kafka broker ready in {} ms: {} at {}", (System.nanoTime() - t0) / 1_000_000,
                r.kind(), r.bootstrapServers());
        return r;
    }

    private static boolean dockerAvailable() {
        long t0 = System.nanoTime();
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) { // a broken Docker setup must not stop the in-process fallback
            LOG.info("Docker probe failed: {}", e.toString());
            return false;
        } finally {
            LOG.info("Docker probe took {} ms", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static Running startInProcess() {
        KafkaClusterTestKit cluster = null;
        try {
            Path baseDir = Files.createTempDirectory("advmon-kafka-");
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(baseDir)
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
            SINGLE_NODE_CONFIG.forEach(builder::setConfigProp);
            cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            KafkaClusterTestKit started = cluster;
            return new Running("in-process KRaft (KafkaClusterTestKit " + AppInfoParser.getVersion() + ")",
                    cluster.bootstrapServers(), started::close);
        } catch (Exception e) {
            if (cluster != null) {
                try {
                    cluster.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new IllegalStateException("In-process Kafka broker did not start", e);
        }
    }

    private static Running startContainer() {
        String image = System.getProperty("advmon.kafka.image", "apache/kafka:" + AppInfoParser.getVersion());
        KafkaContainer container = new KafkaContainer(DockerImageName.parse(image));
        SINGLE_NODE_CONFIG.forEach((k, v) -> container.withEnv("KAFKA_" + k.toUpperCase(Locale.ROOT).replace('.', '_'), v));
        container.start();
        return new Running("Testcontainers " + image, container.getBootstrapServers(), container::stop);
    }

    /** The shared broker, closed once by JUnit when the root context closes. */
    @SuppressWarnings("deprecation") // CloseableResource: JUnit 5.x before 5.13; AutoCloseable: 5.13 and later
    static final class Running implements Info, ExtensionContext.Store.CloseableResource, AutoCloseable {
        private final String kind;
        private final String bootstrapServers;
        private final AutoCloseable stopper;
        private final AtomicBoolean closed = new AtomicBoolean();

        Running(String kind, String bootstrapServers, AutoCloseable stopper) {
            this.kind = kind;
            this.bootstrapServers = bootstrapServers;
            this.stopper = stopper;
        }

        @Override
        public String bootstrapServers() {
            return bootstrapServers;
        }

        @Override
        public String kind() {
            return kind;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                LOG.info("Stopping Kafka broker ({})", kind);
                current = null;
                try {
                    stopper.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while stopping the Kafka broker", e);
                } catch (Exception e) {
                    throw new IllegalStateException("Could not stop the Kafka broker (" + kind + ")", e);
                }
            }
        }

        @Override
        public String toString() {
            return kind + " at " + bootstrapServers;
        }
    }
}
