package dev.advmon.model;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the model documentation and recipe are, as an error about a user's bundle names them: by absolute path under
 * the monitor's home (the launcher sets {@code advmon.home}), since the user runs from their own folder, where a bare
 * "models/README.md" names nothing; as a file of the advmon repository where no home holds it (a bare jar).
 */
public final class ModelDocs {

  private ModelDocs() {}

  /** models/README.md, where a bundle's fields and the steps to make one are described. */
  public static String readme() {
    return file("models/README.md");
  }

  /**
   * models/README.md and one of its sections, as {@code /…/models/README.md, "Making a bundle of your own"}; the
   * heading is checked against the file by ReadmeSectionReferencesTest.
   */
  public static String readme(String section) {
    return readme() + ", \"" + section + "\"";
  }

  /**
   * The project's README.md and one of its sections, as {@code /…/README.md, "Deploy on Kubernetes"}: messages beyond
   * the bundle's (settings, Kafka, redrive) send the reader there too, from wherever they run the monitor.
   */
  public static String projectReadme(String section) {
    return file("README.md") + ", \"" + section + "\"";
  }

  /** Any other file or folder of the project, e.g. {@code project("k8s/strimzi/user.yaml")}. */
  public static String project(String relative) {
    return file(relative);
  }

  /** A script of the recipe, e.g. {@code recipe("layer_stats.py")}. */
  public static String recipe(String script) {
    return file("models/recipe/" + script);
  }

  private static String file(String relative) {
    return file(home(), relative);
  }

  static String file(Path home, String relative) {
    Path file = home == null ? null : home.resolve(relative);
    return file != null && Files.exists(file) ? file.toString() : relative + " of the advmon repository";
  }

  /** As the launcher gives it (dev.advmon.cli.Main.home() reads the same); null where neither is set. */
  private static Path home() {
    String h = System.getProperty("advmon.home", System.getenv("ADVMON_HOME"));
    return h == null || h.isBlank() ? null : Path.of(h).toAbsolutePath().normalize();
  }
}
