package dev.advmon.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Renders a kustomization with {@code kubectl kustomize}, as a user would, and splits it into YAML documents. */
final class Kustomize {

  static final String INSTALL_HINT = "kubectl 1.27 or newer (Kustomize v5) is needed to render k8s/ (kubectl kustomize):"
      + " Debian's kubernetes-client (1.20) is too old; .ci/run installs kubectl 1.32.3 when it is missing or too old";

  private Kustomize() {}

  static Path repoRoot() {
    return Path.of(System.getProperty("advmon.repo.root", "..")).toAbsolutePath().normalize();
  }

  /** The YAML documents of {@code k8s/<dir>} as kubectl renders them. */
  static List<String> render(String dir) throws IOException, InterruptedException {
    return render(repoRoot().resolve("k8s"), dir);
  }

  /** The YAML documents of {@code <k8s>/<dir>} as kubectl renders them: {@code k8s} is a copy of k8s/ a test changed. */
  static List<String> render(Path k8s, String dir) throws IOException, InterruptedException {
    Path target = k8s.resolve(dir);
    if (!Files.isDirectory(target)) {
      throw new AssertionError("no kustomization at " + target);
    }
    Process p;
    try {
      p = new ProcessBuilder("kubectl", "kustomize", target.toString()).redirectErrorStream(false).start();
    } catch (IOException e) {
      throw new AssertionError(INSTALL_HINT + " (" + e.getMessage() + ")", e);
    }
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("kubectl kustomize " + target + " failed: " + err);
    }
    List<String> docs = new ArrayList<>();
    for (String doc : new String(out, StandardCharsets.UTF_8).split("(?m)^---\\s*$")) {
      if (!doc.isBlank()) {
        docs.add(doc);
      }
    }
    return docs;
  }
}
