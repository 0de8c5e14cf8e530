package dev.advmon.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./monitor demo} with ADVMON_LOG_FORMAT=json, as a log pipeline reading its stderr sees it: demo.jar started
 * as its own JVM (the shipped logback.xml), with a real in-process broker and the bundled model.
 */
class DemoLogFormatIT {

  private static final Path HOME = Path.of(System.getProperty("advmon.home", "..")).toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The demo's progress lines ("starting Kafka ...", "[ 1.0 s] sent ...") were printed as plain text between the
   * log's JSON lines; now each is a JSON line at INFO. stdout (the alerts and the summary) is the command's output
   * and stays text.
   */
  @Test
  void inJsonModeEveryStderrLineOfTheDemoIsOneJsonObject(@TempDir Path dir) throws Exception {
    Path stdout = dir.resolve("stdout.txt");
    Path stderr = dir.resolve("stderr.txt");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dadvmon.home=" + HOME, "-Dai.djl.offline=true", "-jar", HOME.resolve("demo/target/demo.jar").toString(),
        "demo", "--frames", "20", "--rate", "0", "--http-port", "0", "--no-dashboard",
        "--summary-json", dir.resolve("summary.json").toString())
        .directory(dir.toFile()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ADVMON_"));
    pb.environment().put("ADVMON_LOG_FORMAT", "json");
    Process p = pb.start();
    assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("the demo ends").isTrue();

    assertThat(p.exitValue()).as(Files.readString(stderr)).isZero();
    assertThat(Files.readString(stdout)).as("the summary, as text").contains("attacks flagged");
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(stderr, StandardCharsets.UTF_8)) {
      try {
        lines.add(JSON.readTree(line));
      } catch (Exception e) {
        throw new AssertionError("stderr line is not JSON: " + line, e);
      }
    }
    assertThat(lines).allSatisfy(l -> assertThat(l.isObject()).isTrue());
    List<String> progress = lines.stream().filter(l -> l.path("logger").asText().equals(Demo.class.getName()))
        .map(l -> l.path("message").asText()).toList();
    assertThat(progress).anyMatch(m -> m.startsWith("demo: 20 frames from 4 cameras"))
        .anyMatch(m -> m.startsWith("demo: summary written to "));
    assertThat(lines).filteredOn(l -> l.path("logger").asText().equals(Demo.class.getName()))
        .allSatisfy(l -> assertThat(l.path("level").asText()).isEqualTo("INFO"));
  }
}
