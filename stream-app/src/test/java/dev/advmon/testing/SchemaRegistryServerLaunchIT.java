package dev.advmon.testing;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * A registry launched to boot while the caller starts something else ({@link SchemaRegistryServer#launchDedicated()},
 * as FaultToleranceIT and OutageRecoveryIT do while a broker starts, and {@link SchemaRegistryServer#shared()} for
 * ReplicatedClusterOutageIT while three nodes start, when no class before it has launched it), then waited for with
 * {@link SchemaRegistryServer.Running#ready()}: the broker's start may take longer than the registry's start timeout
 * on a loaded machine (the broker's own allows 90 s, the registry's 60 s from its launch).
 */
class SchemaRegistryServerLaunchIT {

  @Test
  void aRegistryThatIsUpIsFoundReadyEvenWhenWaitedForOnlyAfterItsStartTimeoutHasPassed() {
    try (SchemaRegistryServer.Running registry = SchemaRegistryServer.launchDedicated()) {
      registry.ready();

      // as if the caller had spent longer than the start timeout starting its broker before asking
      long launchedLongAgo = System.nanoTime() - Duration.ofSeconds(61).toNanos();
      assertThatCode(() -> registry.awaitReady(launchedLongAgo))
          .as("a registry that answers is ready, however late it is asked").doesNotThrowAnyException();
    }
  }
}
