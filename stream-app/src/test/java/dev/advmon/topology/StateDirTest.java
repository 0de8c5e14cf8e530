package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirTest {

  /**
   * A relative streams.state-dir is read from the folder the monitor starts in, as Kafka's own paths and
   * registry.ssl.truststore.location are, while model.dir resolves against the monitor's home; the reference said
   * neither, so a user who ran ./monitor from another folder looked for the state in the wrong place.
   */
  @Test
  void aRelativeStateDirResolvesAgainstTheWorkingFolderAsTheReferenceSays(@TempDir Path home) {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of("streams.state-dir", "state"), home);
    assertThat(StreamingMonitor.stateDir(c)).isEqualTo(Path.of("state").toAbsolutePath());
    String row = MonitorConfig.reference().lines().filter(l -> l.startsWith("| `streams.state-dir`")).findFirst()
        .orElseThrow();
    assertThat(row).contains("a relative path resolves against the folder the monitor starts in, not its home");
  }
}
