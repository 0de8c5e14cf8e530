package dev.advmon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A child's port is chosen before the child binds it, seconds later: one from the kernel's ephemeral range was taken
 * in between by an outgoing connection of a test running beside it (a registry that could not start, CI 2026-12-06).
 */
class ChildProcessPortTest {

  @Test
  void aChildsPortIsFreeAndBelowTheKernelsEphemeralPorts() throws Exception {
    int ephemeral = ChildProcess.ephemeralPortsFrom();
    assertThat(ephemeral).as("the kernel's first ephemeral port").isGreaterThan(ChildProcess.LOWEST_CHOSEN_PORT + 1000);
    for (int i = 0; i < 20; i++) {
      int port = ChildProcess.freePort();
      assertThat(port).isBetween(ChildProcess.LOWEST_CHOSEN_PORT, ephemeral - 1);
      try (java.net.ServerSocket s = new java.net.ServerSocket()) {
        s.bind(new java.net.InetSocketAddress("127.0.0.1", port)); // free indeed
      }
    }
  }

  @Test
  void whatATestStartsOnAPortTakenBeforeItBoundItStartsOnAnotherPort() throws Exception {
    try (java.net.ServerSocket taker = new java.net.ServerSocket()) {
      taker.bind(new java.net.InetSocketAddress("127.0.0.1", ChildProcess.freePort())); // as another process would
      java.util.concurrent.atomic.AtomicInteger handed = new java.util.concurrent.atomic.AtomicInteger();
      try (java.net.ServerSocket server = ChildProcess.onFreePort(
          () -> handed.getAndIncrement() == 0 ? taker.getLocalPort() : ChildProcess.freePort(), port -> {
            java.net.ServerSocket s = new java.net.ServerSocket();
            try {
              s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
              return s;
            } catch (java.io.IOException e) {
              s.close();
              throw e;
            }
          })) {
        assertThat(handed.get()).as("ports handed out: the taken one, then another").isEqualTo(2);
        assertThat(server.getLocalPort()).as("the port it lost").isNotEqualTo(taker.getLocalPort());
      }
    }
  }
}
