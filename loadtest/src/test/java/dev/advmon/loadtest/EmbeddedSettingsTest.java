package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.config.ConfigException;
import dev.advmon.config.MonitorConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The embedded defaults under a user's --set, when the key was typed with a blank around it. */
class EmbeddedSettingsTest {

  /**
   * --set ' topics.frames=mine' sat beside the embedded default 'topics.frames' as another key: the monitor's
   * configuration then refused the pair as given twice, a key the user gave once.
   */
  @Test
  void aSetKeyWithBlanksReplacesTheEmbeddedDefault() {
    Map<String, String> s = EmbeddedTarget.settings("localhost:1", 1, Map.of(" topics.frames ", "mine"));
    MonitorConfig c = MonitorConfig.load(null, Map.of(), s, Path.of("."));
    assertThat(c.string("topics.frames")).isEqualTo("mine");
    assertThat(s).doesNotContainKey(" topics.frames ");
  }

  /**
   * --set 'streams.num-threads=4' --set 'streams.num-threads =2': trimmed here, the second replaced the first before
   * the monitor's configuration could refuse the pair as given twice, so ./loadtest/run --embedded ran with 2 silently.
   */
  @Test
  void twoSetKeysThatDifferOnlyInBlanksAreRefusedNamingBoth() {
    Map<String, String> given = new LinkedHashMap<>();
    given.put("streams.num-threads", "4");
    given.put("streams.num-threads ", "2");
    assertThatThrownBy(() -> EmbeddedTarget.settings("localhost:1", 1, given))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'streams.num-threads' is given twice, as 'streams.num-threads' and "
            + "'streams.num-threads '")
        .hasMessageContaining("keep the one you mean");
  }

  /** The benchmark's own thread count beside a --set ' streams.num-threads' is no key given twice: its own counts. */
  @Test
  void theBenchmarksThreadCountReplacesASetOneWithBlanks() {
    BenchmarkCommand benchmark = new BenchmarkCommand();
    benchmark.settings.put(" streams.num-threads", "3");
    Map<String, String> s = EmbeddedTarget.settings("localhost:1", 1, benchmark.overrides(2));
    assertThat(s).containsEntry("streams.num-threads", "2");
  }
}
