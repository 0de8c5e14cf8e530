package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.campaign.CameraDirectory;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code ./monitor run} serves /cameras through {@link StartingMonitor}, which hands each question to the monitor once
 * it started. It did not hand on {@link CameraDirectory#stale()}: the interface's default (none) answered, so during a
 * rebalance every instance of a real walk still listed no cameras, while the tests over the monitor's own directory
 * passed. Every way of reading cameras that the interface declares must be handed on, or a later one is lost the same
 * way; only the merging of several instances ({@code local}, {@code listing}) is not this class's to answer.
 */
class StartingMonitorTest {

  private static final Set<String> NOT_DELEGATED = Set.of("local", "listing");

  @Test
  void everyWayOfReadingCamerasIsHandedToTheStartedMonitor() {
    List<String> missing = Arrays.stream(CameraDirectory.class.getMethods())
        .filter(m -> !Modifier.isStatic(m.getModifiers()) && !NOT_DELEGATED.contains(m.getName()))
        .filter(m -> !declares(m))
        .map(Method::toString)
        .toList();

    assertThat(missing).as("CameraDirectory methods StartingMonitor leaves to the interface's default").isEmpty();
  }

  private static boolean declares(Method m) {
    try {
      StartingMonitor.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
