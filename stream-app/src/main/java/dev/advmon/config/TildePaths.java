package dev.advmon.config;

import java.nio.file.Path;

/**
 * A path setting written {@code ~/certs/ca.crt} is read literally, as a folder named {@code ~}: only a shell expands
 * {@code ~}, and none reads a configuration file or the value of an ADVMON_ variable set in one (a Kubernetes env
 * entry, a systemd unit, quotes). The one wording of that, for the "not found" error of each path setting: model.dir
 * (BundleSetting), the Kafka TLS stores (KafkaTlsStores) and the registry's (RegistryTls); streams.state-dir, whose
 * missing folder is created, is refused outright (MonitorConfig). Nothing is expanded: a
 * value that works on one host and not on another would be worse than one refused the same way everywhere.
 */
public final class TildePaths {

  private TildePaths() {}

  /**
   * For a {@code value} starting with {@code ~}: that it is not expanded, and, for {@code ~} and {@code ~/...}, the
   * full path meant; {@code what} is what to write the full path of ("folder", "file"). Else nothing.
   */
  public static String notExpanded(String value, String what) {
    if (!value.startsWith("~")) {
      return "";
    }
    return "; '~' is not expanded here (a shell expands it only unquoted on its command line, never in a"
        + " configuration file): write the " + what + "'s full path" + meant(value);
  }

  /** For {@code ~} and {@code ~/...}, ", such as " and the full path meant (from user.home); else nothing. */
  public static String meant(String value) {
    String own = value.equals("~") ? System.getProperty("user.home")
        : value.startsWith("~/") ? Path.of(System.getProperty("user.home"), value.substring(2)).toString() : null;
    return own == null ? "" : ", such as " + own;
  }
}
