package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The image tarball that `package` built (target/jib-image.tar): its configuration (non-root user, the entrypoint
 * that runs `run --config`, DJL offline, the engine), its files (the bundled model, linux-x64 natives only, no GPU
 * natives in the CPU image), and the image run for real: its layers unpacked into a root filesystem, mounted
 * read-only with an empty /tmp, and its own entrypoint run as its user under chroot, scoring bundled frames.
 */
class ContainerImageIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static Path image;
  private static Path unpacked;
  private static JsonNode config;
  private static List<String> layers;
  private static final Set<String> files = new HashSet<>();

  @BeforeAll
  static void unpack(@TempDir Path dir) throws Exception {
    image = Path.of(System.getProperty("advmon.image.tar", "target/jib-image.tar"));
    assertThat(image).as("the image tarball `mvn package` builds in deploy/").exists();
    unpacked = dir.resolve("image");
    Files.createDirectories(unpacked);
    run(List.of("tar", "-xf", image.toString(), "-C", unpacked.toString()), 120);
    JsonNode manifest = JSON.readTree(unpacked.resolve("manifest.json").toFile());
    config = JSON.readTree(unpacked.resolve(manifest.get(0).get("Config").asString()).toFile());
    layers = new ArrayList<>();
    manifest.get(0).get("Layers").forEach(l -> layers.add(l.asString()));
    for (String layer : layers) {
      for (String f : run(List.of("tar", "--warning=no-unknown-keyword", "-tzf", unpacked.resolve(layer).toString()), 120)
          .lines().toList()) {
        files.add("/" + f.replaceFirst("^\\./", "").replaceFirst("/$", ""));
      }
    }
  }

  private static String run(List<String> command, int seconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(seconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed:\n" + new String(out, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
  }

  @Test
  void runsAsANonRootUserAndItsEntrypointRunsTheMonitorOnTheMountedConfig() {
    JsonNode c = config.get("config");
    String user = c.get("User").asString();
    assertThat(user).as("numeric, so that Kubernetes' runAsNonRoot can check it").matches("[0-9]+:[0-9]+");
    assertThat(Integer.parseInt(user.split(":")[0])).isPositive();
    List<String> entrypoint = strings(c.get("Entrypoint"));
    assertThat(entrypoint.get(0)).isEqualTo("/opt/java/bin/java");
    assertThat(entrypoint).contains("-Dai.djl.offline=true", "-Dai.djl.default_engine=OnnxRuntime",
        "-Djava.awt.headless=true", "-Dadvmon.home=/app", "-Donnxruntime.native.path=/app/native");
    assertThat(entrypoint).anyMatch(a -> a.startsWith("-XX:MaxRAMPercentage="));
    assertThat(entrypoint.subList(entrypoint.size() - 3, entrypoint.size()))
        .containsExactly("-cp", "@/app/jib-classpath-file", "dev.advmon.cli.Main");
    assertThat(strings(c.get("Cmd"))).containsExactly("run", "--config", "/etc/advmon/monitor.properties");
    assertThat(c.get("ExposedPorts").has("8080/tcp")).isTrue();
    assertThat(c.get("Labels").get("dev.advmon.image.variant").asString()).isEqualTo(System.getProperty("advmon.image.variant", "cpu"));
  }

  @Test
  void carriesTheBundledModelTheRuntimeAndLinuxX64NativesButNoGpuLibraries() throws IOException {
    assertThat(files).contains("/app/models/fashion-mnist-cnn/model.onnx", "/app/models/fashion-mnist-cnn/manifest.json",
        "/app/models/fashion-mnist-cnn/calibration.json", "/opt/java/bin/java", "/etc/passwd",
        "/etc/advmon/monitor.properties", "/app/native/libonnxruntime.so", "/app/native/libonnxruntime4j_jni.so",
        "/app/native/librocksdbjni-linux64.so", "/app/classpath/onnxruntime/ai/onnxruntime/OrtSession.class",
        "/app/jib-classpath-file", "/tmp", "/lib64/ld-linux-x86-64.so.2");
    assertThat(files).anyMatch(f -> f.matches("/app/libs/onnxruntime-engine-[0-9.]+\\.jar"));
    // the CPU image: no CUDA / TensorRT providers, no DJL TensorRT engine, no all-platform native jars
    assertThat(files).noneMatch(f -> f.contains("providers_cuda") || f.contains("providers_tensorrt"));
    assertThat(files).noneMatch(f -> f.matches("/app/libs/(tensorrt|onnxruntime|onnxruntime_gpu|rocksdbjni)-[0-9].*\\.jar"));
    assertThat(files).noneMatch(f -> f.endsWith(".dll") || f.endsWith(".dylib") || f.endsWith(".jnilib") || f.endsWith(".pdb"));
    long bytes = 0;
    for (String layer : layers) {
      bytes += Files.size(unpacked.resolve(layer));
    }
    System.out.printf("image %s: %d layers, %.1f MiB compressed%n", image.getFileName(), layers.size(), bytes / 1048576.0);
    // a guard against a jar full of other platforms' natives coming back (ONNX Runtime's alone is 137 MB)
    assertThat(bytes).as("compressed image size").isLessThan(150L * 1024 * 1024);
  }

  @Test
  void theImageScoresFramesAsItsUserOnAReadOnlyRootWithAnEmptyTmp(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "running the image without a container engine needs root (chroot, mount); CI runs as root");
    for (String tool : List.of("unshare", "chroot", "mount")) {
      Assumptions.assumeTrue(onPath(tool), tool + " is not installed");
    }
    Path root = dir.resolve("rootfs");
    Files.createDirectories(root);
    for (String layer : layers) {
      run(List.of("tar", "--warning=no-unknown-keyword", "-xzf", unpacked.resolve(layer).toString(), "-C", root.toString()), 120);
    }
    Files.createDirectories(root.resolve("proc"));
    Path frames = Files.createDirectories(root.resolve("frames"));
    Path eval = Kustomize.repoRoot().resolve("models/eval/fashion-mnist-test");
    Map<String, Integer> labels = new HashMap<>();
    for (String line : Files.readAllLines(eval.resolve("labels.csv")).subList(1, 9)) {
      String[] f = line.split(",");
      labels.put(f[0], Integer.parseInt(f[1]));
      Files.copy(eval.resolve(f[0]), frames.resolve(f[0]));
    }
    JsonNode c = config.get("config");
    List<String> command = new ArrayList<>(strings(c.get("Entrypoint")));
    command.addAll(List.of("score", "--format", "jsonl", "/frames"));
    String r = root.toString();
    String script = "set -e; mount --bind " + r + " " + r + "; mount -o remount,bind,ro " + r + "; "
        + "mount -t tmpfs -o size=64m tmpfs " + r + "/tmp; mount -t proc proc " + r + "/proc; "
        + "exec chroot --userspec=" + c.get("User").asString() + " " + r + " " + String.join(" ", command);
    Process p = new ProcessBuilder("unshare", "--mount", "--pid", "--fork", "bash", "-c", script).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("scoring in the image finished").isTrue();
    assertThat(p.exitValue()).as("exit status; stderr:\n" + err).isZero();
    assertThat(err).contains("runs on OnnxRuntime");
    List<String> lines = out.lines().filter(l -> l.startsWith("{")).toList();
    assertThat(lines).hasSize(labels.size());
    int correct = 0;
    for (String line : lines) {
      JsonNode v = JSON.readTree(line);
      String file = Path.of(v.get("file").asString()).getFileName().toString();
      assertThat(v.has("error")).as(line).isFalse();
      correct += v.get("predicted_class").asInt() == labels.get(file) ? 1 : 0;
    }
    assertThat(correct).as("frames the image's model labels right (the model is 92% accurate)").isGreaterThanOrEqualTo(6);
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }
}
