package dev.advmon.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The JDK's keytool, for tests that need throw-away certificates; the test is skipped where the JVM has none. */
public final class Keytool {

  private Keytool() {}

  /** Runs keytool with {@code args}, failing the test with its output when it fails. */
  public static void run(String... args) throws IOException, InterruptedException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    assumeTrue(Files.isExecutable(keytool), "keytool not found next to the JVM");
    // A quick-starting JVM for keytool: six runs otherwise cost ~8 s on a small machine.
    List<String> command = new ArrayList<>(List.of(keytool.toString(), "-J-XX:TieredStopAtLevel=1", "-J-Xshare:auto"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("keytool %s: %s", args[0], output).isZero();
  }

  /**
   * A PKCS12 store {@code dir/name.p12} holding a self-signed EC key pair for CN={@code name}, 127.0.0.1 and
   * localhost, valid for {@code days} days from now.
   */
  public static Path keyPair(Path dir, String name, int days, String password) throws IOException, InterruptedException {
    Path store = dir.resolve(name + ".p12");
    run("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=" + name, "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", String.valueOf(days),
        "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", password);
    return store;
  }

  /** The PKCS12 store at {@code path}, opened with {@code password}. */
  public static KeyStore load(Path path, String password) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(path)) {
      ks.load(in, password.toCharArray());
    }
    return ks;
  }
}
