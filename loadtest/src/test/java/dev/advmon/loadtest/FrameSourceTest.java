package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.model.ModelBundle;
import dev.advmon.schema.Frame;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameSourceTest {

  private static Path images() {
    return Path.of(System.getProperty("advmon.home", "..")).resolve("models/eval/fashion-mnist-test");
  }

  @Test
  void framesCarryTheirRunAndSequenceAndCycleThroughTheLabelledImages() throws Exception {
    FrameSource s = new FrameSource(images(), null, "run7");
    Frame f = s.frame(12345, "cam-02", 1_000);
    assertThat(f.getFrameId()).isEqualTo("run7-12345");
    assertThat(f.getCameraId()).isEqualTo("cam-02");
    assertThat(f.getAttributes()).containsEntry("loadtest.run", "run7").containsKey("truth.label");
    assertThat(s.sequenceOf(f.getFrameId())).isEqualTo(12345);
    int n = s.images().size();
    assertThat(s.frame(3 + n, "cam-01", 0).getImage()).isEqualTo(s.frame(3, "cam-01", 0).getImage());
  }

  @Test
  void framesOfOtherRunsOrWithoutAnIdAreNotThisRuns() throws Exception {
    FrameSource s = new FrameSource(images(), null, "run7");
    assertThat(s.sequenceOf("run8-1")).isEqualTo(-1);
    assertThat(s.sequenceOf("run77-1")).isEqualTo(-1);
    assertThat(s.sequenceOf("run7-")).isEqualTo(-1);
    assertThat(s.sequenceOf("run7-x")).isEqualTo(-1);
    assertThat(s.sequenceOf(null)).isEqualTo(-1);
  }

  /**
   * --images of a folder labelled by class name, as calibrate and evaluate read it: the frames carry the class index
   * the model it runs gives that name (the tester took indices only, and refused the folder).
   */
  @Test
  void framesOfAFolderLabelledByNameCarryTheModelsClassIndex(@TempDir Path dir) throws Exception {
    Files.copy(images().resolve("test-00000.png"), dir.resolve("boot.png"));
    Files.writeString(dir.resolve("labels.csv"), "file,label\nboot.png,Ankle boot\n");
    Path bundled = Path.of(System.getProperty("advmon.home", "..")).resolve("models/fashion-mnist-cnn");

    FrameSource s = new FrameSource(dir, ModelBundle.load(bundled), "run7");

    assertThat(s.frame(0, "cam-01", 0).getAttributes()).containsEntry("truth.label", "9");
  }

  /**
   * Against a monitor whose model is not on this machine (its --config's model.dir is a folder elsewhere), names
   * cannot be read; the reader's advice, "--model DIR", named an option the load tester has not.
   */
  @Test
  void aFolderLabelledByNameAgainstAMonitorWhoseModelIsNotHereSaysWhereTheTesterLooks(@TempDir Path dir)
      throws Exception {
    Path home = Path.of(System.getProperty("advmon.home", ".."));
    Files.copy(images().resolve("test-00000.png"), dir.resolve("boot.png"));
    Files.writeString(dir.resolve("labels.csv"), "file,label\nboot.png,Ankle boot\n");
    Path config = dir.resolve("monitor.properties");
    Path elsewhere = dir.resolve("no-such-bundle");
    Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:9\nregistry.url=http://127.0.0.1:1/apis/ccompat/v7\n"
        + "model.dir=" + elsewhere + "\n");
    var settings = ExternalTarget.settings(config, home);

    assertThat(LoadTestCommand.modelHere(settings)).isNull();
    assertThatThrownBy(() -> LoadTestCommand.frames(dir, null, config, settings, "r"))
        .hasMessageStartingWith(dir.resolve("labels.csv") + ":2: 'Ankle boot' is a class name")
        .hasMessageContaining("the load tester has no --model: it reads class names through model.dir of " + config
            + ", " + elsewhere + ", which is not a folder on this machine");
  }

  /** An external monitor's --config whose model.dir is {@code modelDir}, in {@code dir}. */
  private static Path config(Path dir, Path modelDir) throws Exception {
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "kafka.bootstrap.servers=127.0.0.1:9\nregistry.url=http://127.0.0.1:1/apis/ccompat/v7\n"
        + "model.dir=" + modelDir + "\n");
    return config;
  }

  /**
   * model.dir of an external monitor's --config is a folder here, but no model bundle (the monitor runs elsewhere,
   * where the path holds its bundle): the tester read no model against an external monitor, and a folder of class
   * indices, the default one too, needs none; it refused to start, its advice naming --model, which it has not.
   */
  @Test
  void aModelDirHereThatIsNoBundleStopsNeitherAFolderOfIndicesNorSaysItIsNoFolder(@TempDir Path dir)
      throws Exception {
    Path home = Path.of(System.getProperty("advmon.home", ".."));
    Path notABundle = Files.createDirectory(dir.resolve("not-a-bundle"));
    Path config = config(dir, notABundle);
    var settings = ExternalTarget.settings(config, home);

    assertThat(LoadTestCommand.modelHere(settings)).isNull();
    assertThat(LoadTestCommand.frames(images(), null, config, settings, "r").frame(0, "cam-01", 0).getAttributes())
        .containsEntry("truth.label", "9");
    Path named = Files.createDirectory(dir.resolve("named"));
    Files.copy(images().resolve("test-00000.png"), named.resolve("boot.png"));
    Files.writeString(named.resolve("labels.csv"), "file,label\nboot.png,Ankle boot\n");
    assertThatThrownBy(() -> LoadTestCommand.frames(named, null, config, settings, "r"))
        .hasMessageContaining("it reads class names through model.dir of " + config + ", " + notABundle
            + ", a folder on this machine but no model bundle (")
        .hasMessageContaining("manifest.json not found")
        .hasMessageNotContaining("which is not a folder on this machine");
  }

  /**
   * A labels.csv refused for what has nothing to do with class names (here its header) is refused as the reader says
   * it: the note that names are read through the --config's model.dir sent the user after a model bundle.
   */
  @Test
  void aRefusalThatIsNotAboutClassNamesIsNotSaidToBeAgainstAnExternalMonitor(@TempDir Path dir) throws Exception {
    Path home = Path.of(System.getProperty("advmon.home", ".."));
    Files.copy(images().resolve("test-00000.png"), dir.resolve("boot.png"));
    Files.writeString(dir.resolve("labels.csv"), "file,class\nboot.png,9\n");
    Path config = config(dir, dir.resolve("no-such-bundle"));
    var settings = ExternalTarget.settings(config, home);

    assertThatThrownBy(() -> LoadTestCommand.frames(dir, null, config, settings, "r"))
        .hasMessage(dir.resolve("labels.csv") + ": the header needs columns 'file' and 'label', has [file, class]");
  }
}
