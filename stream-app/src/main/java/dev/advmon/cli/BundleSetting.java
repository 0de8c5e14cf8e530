package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.config.TildePaths;
import dev.advmon.model.InvalidBundleException;
import dev.advmon.model.ModelBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model bundle a command's settings name ({@code model.dir}). A folder that is not there is refused naming the
 * value and where it came from, and, for a relative value, the home it resolves against: a newcomer's
 * {@code model.dir=my-bundle} in a file beside the bundle otherwise reads as an error about a folder they never named.
 * Public for the demo and the load test, which load the bundle from the same settings and must say the same.
 */
public final class BundleSetting {

  private BundleSetting() {}

  /**
   * The bundle the environment's settings and {@code overrides} name, loaded before a command starts anything (the
   * demo's and the load test's in-process broker): a wrong folder is named at once, not after the broker's start.
   */
  public static ModelBundle checkBeforeStart(java.util.Map<String, String> overrides, Path home) throws IOException {
    return load(MonitorConfig.load(null, System.getenv(), overrides, home));
  }

  public static ModelBundle load(MonitorConfig c) throws IOException {
    Path dir = c.path("model.dir");
    if (!Files.exists(dir)) {
      String value = c.string("model.dir");
      String relative = Path.of(value).isAbsolute() ? flagTilde(value, c.origin("model.dir"))
          : ", relative to the monitor's home " + c.home() + ", not to the working folder or the configuration"
              + " file's" + TildePaths.notExpanded(value, "folder");
      throw new InvalidBundleException(dir + ": model bundle folder not found (model.dir = '" + value + "' (from "
          + c.origin("model.dir") + ")" + relative + "; set model.dir or --model to a folder with model.onnx and"
          + " manifest.json)");
    }
    return ModelBundle.load(dir);
  }

  /**
   * --model is made absolute against the working folder before it is checked ({@link ModelOptions}), so
   * {@code --model=~/models}, unquoted on a shell's command line, arrives as {@code <working folder>/~/models}: a shell
   * expands {@code ~} only where it begins a word, not after {@code =}. Says so, as {@link TildePaths} does for
   * model.dir.
   */
  private static String flagTilde(String value, String origin) {
    Path cwd = Path.of("").toAbsolutePath();
    Path p = Path.of(value);
    if (!"command line".equals(origin) || !p.startsWith(cwd) || p.getNameCount() <= cwd.getNameCount()
        || !p.getName(cwd.getNameCount()).toString().startsWith("~")) {
      return "";
    }
    String written = cwd.relativize(p).toString();
    return "; '~' is not expanded here (a shell expands it only where it begins a word: --model " + written
        + ", not --model=" + written + "): write the folder's full path" + TildePaths.meant(written);
  }
}
