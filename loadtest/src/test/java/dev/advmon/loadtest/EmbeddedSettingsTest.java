package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import java.nio.file.Path;
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
}
