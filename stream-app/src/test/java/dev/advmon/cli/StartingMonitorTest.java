package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.campaign.CameraDirectory;
import dev.advmon.health.StartupWaits;
import dev.advmon.http.HttpSettings;
import dev.advmon.http.MonitorHttpServer;
import dev.advmon.http.Peers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/**
 * {@code ./monitor run} serves /cameras through {@link StartingMonitor}, which hands each question to the monitor once
 * it started. It did not hand on {@link CameraDirectory#stale()}: the interface's default (none) answered, so during a
 * rebalance every instance of a real walk still listed no cameras, while the tests over the monitor's own directory
 * passed. Every way of reading cameras that the interface declares must be handed on, or a later one is lost the same
 * way; only the merging of several instances ({@code local}, {@code listing}) is not this class's to answer.
 */
class StartingMonitorTest {

  private static final Set<String> NOT_DELEGATED = Set.of("local", "listing");

  @Test
  void everyWayOfReadingCamerasIsHandedToTheStartedMonitor() {
    List<String> missing = Arrays.stream(CameraDirectory.class.getMethods())
        .filter(m -> !Modifier.isStatic(m.getModifiers()) && !NOT_DELEGATED.contains(m.getName()))
        .filter(m -> !declares(m))
        .map(Method::toString)
        .toList();

    assertThat(missing).as("CameraDirectory methods StartingMonitor leaves to the interface's default").isEmpty();
  }

  /**
   * Walking a rolling upgrade (two instances, 2026-12-07), each new instance answered /cameras with no camera and
   * {@code "complete": true} for the 4 to 5 s between its HTTP port opening and Kafka Streams starting (model load,
   * registry, topics), while the group's other instance held all four cameras: "this instance holds none, and that is
   * all" was false. Before the monitor started, the cameras are not known, and the answer says so, as during a
   * rebalance. Asked as {@code run} serves it (with the peers of {@link Wiring#peers}, which wrap it in the merge of
   * several instances) and alone; {@code ?scope=local} also as a peer asks it (reading stale stores).
   */
  @Test
  void beforeTheMonitorStartedCamerasAreRefusedAsStartingNotListedAsNone() throws Exception {
    StartingMonitor starting = new StartingMonitor(new StartupWaits());
    Peers asRunWiresThem = new Peers(new HostInfo("127.0.0.1", 1), starting::peers, Wiring.PEER_TIMEOUT, null);
    for (Peers peers : List.of(asRunWiresThem, Peers.NONE)) {
      try (MonitorHttpServer server = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0), starting, () -> "",
          starting, null, null, peers)) {
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/cameras", "/cameras?scope=local", "/cameras?limit=12", "/cameras/cam-01",
            "/cameras/cam-01?scope=local")) {
          for (boolean readsStale : new boolean[] {false, true}) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
            if (readsStale) {
              request.header(Peers.READS_STALE, "yes");
            }
            HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String asked = path + (readsStale ? " (as a peer asks)" : "") + (peers == Peers.NONE ? " alone" : "");
            assertThat(answer.statusCode()).as(asked + ": " + answer.body()).isEqualTo(503);
            assertThat(answer.body()).as(asked).contains("still starting").contains("/health/ready");
            // what the dashboard tells "starting" from a failure by: a start, not an error, for as long as it lasts
            assertThat(answer.body()).as(asked).contains("\"state\":\"STARTING\"").contains("\"notYet\":true");
          }
        }
      }
    }
  }

  private static boolean declares(Method m) {
    try {
      StartingMonitor.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
