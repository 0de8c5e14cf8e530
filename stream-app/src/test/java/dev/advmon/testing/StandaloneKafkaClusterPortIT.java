package dev.advmon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster node whose port, found free, was taken by another process before the node bound it: the cluster starts
 * again on other ports (ReplicatedClusterOutageIT's three nodes choose six ports; one node alone shows it here). And
 * one port found free twice in a row, which Kafka refuses as two listeners' port.
 */
class StandaloneKafkaClusterPortIT {

  @TempDir
  Path dir;

  @Test
  void aClusterWhosePortWasTakenBeforeItsNodeBoundItStartsOnOtherPorts() throws Exception {
    try (ServerSocket taker = new ServerSocket()) {
      taker.bind(new InetSocketAddress("127.0.0.1", ChildProcess.freePort())); // as another process would, first
      AtomicBoolean handedOver = new AtomicBoolean();
      List<StandaloneKafka> nodes = StandaloneKafka.startCluster(dir, 1, Map.of(),
          () -> handedOver.getAndSet(true) ? ChildProcess.freePort() : taker.getLocalPort());
      try {
        assertThat(handedOver).as("the taken port was handed to the first try").isTrue();
        assertThat(nodes.get(0).bootstrapServers()).as("the port it lost")
            .isNotEqualTo("127.0.0.1:" + taker.getLocalPort());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            StandaloneKafka.bootstrapServers(nodes)))) {
          assertThat(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS)).as("the cluster's nodes").hasSize(1);
        }
      } finally {
        nodes.forEach(StandaloneKafka::close);
      }
    }
  }

  @Test
  void aPortFoundFreeTwiceInARowIsHandedToOneListenerOnly() throws Exception {
    int twice = ChildProcess.freePort();
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    // as freePort() may do: the port it found free a moment ago is still free, and found again
    List<StandaloneKafka> nodes = StandaloneKafka.startCluster(dir, 1, Map.of(),
        () -> asked.getAndIncrement() < 2 ? twice : ChildProcess.freePort());
    try {
      assertThat(asked.get()).as("ports asked for: the same one twice, then another").isGreaterThanOrEqualTo(3);
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
          StandaloneKafka.bootstrapServers(nodes)))) {
        assertThat(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS)).as("the cluster's nodes").hasSize(1);
      }
    } finally {
      nodes.forEach(StandaloneKafka::close);
    }
  }
}
