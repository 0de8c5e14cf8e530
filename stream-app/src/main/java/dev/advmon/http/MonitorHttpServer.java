package dev.advmon.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraStatusSerde;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.metrics.MonitorMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * The monitor's one HTTP server (JDK built-in, no framework), read-only GET routes:
 * <ul>
 *   <li>{@code /health/live}: 200 unless Kafka Streams is NOT_RUNNING or in ERROR;
 *   <li>{@code /health/ready}: 200 only while it is RUNNING (so no traffic during rebalances);
 *   <li>{@code /metrics}: Prometheus text format;
 *   <li>{@code /cameras}, {@code /cameras/{id}}: per-camera campaign state, from the state stores of every
 *       instance ({@link ClusterCameras}); {@code ?scope=local}: this instance's store only (what peers ask);
 *   <li>{@code /}, {@code /api/*}: the operator dashboard, when given its data ({@link DashboardRoutes}).
 * </ul>
 * Bound to the {@code http.bind} address (loopback by default): it has no authentication.
 */
public final class MonitorHttpServer implements AutoCloseable {

  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;
  private final Supplier<KafkaStreams.State> state;
  private final Supplier<String> metrics;
  private final CameraDirectory cameras;
  private final DashboardRoutes dashboard;

  /**
   * @param port 0 picks a free port (see {@link #port()})
   * @param metrics the Prometheus text to serve at /metrics
   */
  public MonitorHttpServer(String bind, int port, Supplier<KafkaStreams.State> state, Supplier<String> metrics,
      CameraDirectory cameras) throws IOException {
    this(bind, port, state, metrics, cameras, null, null);
  }

  /**
   * As above, plus the operator dashboard at {@code /} (see {@link DashboardRoutes}).
   *
   * @param alerts the latest alerts, fed by the topology; null = no dashboard
   * @param counts the counters the dashboard shows
   */
  public MonitorHttpServer(String bind, int port, Supplier<KafkaStreams.State> state, Supplier<String> metrics,
      CameraDirectory cameras, RecentAlerts alerts, Supplier<MonitorMetrics.Counts> counts) throws IOException {
    this(bind, port, state, metrics, cameras, alerts, counts, Peers.NONE);
  }

  /**
   * As above, answering for the cameras and alerts of every instance of the application: {@code peers} are the
   * other instances, asked over their HTTP port.
   */
  public MonitorHttpServer(String bind, int port, Supplier<KafkaStreams.State> state, Supplier<String> metrics,
      CameraDirectory cameras, RecentAlerts alerts, Supplier<MonitorMetrics.Counts> counts, Peers peers)
      throws IOException {
    this.state = state;
    this.metrics = metrics;
    this.cameras = peers == Peers.NONE ? cameras : new ClusterCameras(cameras, peers);
    InetSocketAddress address = new InetSocketAddress(bind, port);
    this.dashboard = alerts == null ? null : new DashboardRoutes(alerts, counts, state, address.getAddress(), peers);
    server = HttpServer.create(address, 0);
    server.createContext("/", this::route);
    // More than one worker: two instances asking each other at the same moment must not wait on each other.
    AtomicInteger workers = new AtomicInteger();
    executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "advmon-http-" + workers.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void route(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        json(ex, 405, Map.of("error", "only GET is served here"));
        return;
      }
      String path = ex.getRequestURI().getPath();
      switch (path) {
        case "/health/live" -> health(ex, s -> s != KafkaStreams.State.NOT_RUNNING && s != KafkaStreams.State.ERROR);
        case "/health/ready" -> health(ex, s -> s == KafkaStreams.State.RUNNING);
        case "/metrics" -> reply(ex, 200, PROMETHEUS_TEXT, metrics.get());
        case "/cameras", "/cameras/" -> cameras(ex, null);
        default -> {
          if (dashboard != null && DashboardRoutes.handles(path)) {
            dashboard.serve(ex, path);
          } else if (path.startsWith("/cameras/")) {
            cameras(ex, URLDecoder.decode(path.substring("/cameras/".length()), StandardCharsets.UTF_8));
          } else {
            json(ex, 404, Map.of("error", "no such endpoint: " + path
                + "; try /health/live, /health/ready, /metrics, /cameras or /cameras/{id}"
                + (dashboard != null ? ", or / for the dashboard" : "")));
          }
        }
      }
    } catch (RuntimeException e) {
      json(ex, 500, Map.of("error", String.valueOf(e.getMessage())));
    }
  }

  private void health(HttpExchange ex, java.util.function.Predicate<KafkaStreams.State> up) throws IOException {
    KafkaStreams.State s = state.get();
    boolean ok = up.test(s);
    json(ex, ok ? 200 : 503, Map.of("status", ok ? "UP" : "DOWN", "streams", String.valueOf(s)));
  }

  private void cameras(HttpExchange ex, String id) throws IOException {
    boolean localOnly = localScope(ex);
    CameraDirectory directory = localOnly ? cameras.local() : cameras;
    try {
      if (id == null) {
        CameraDirectory.Listing listing = localOnly ? new CameraDirectory.Listing(directory.all(), List.of())
            : directory.listing();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("cameras", listing.cameras());
        if (!listing.instances().isEmpty()) {
          body.put("complete", listing.complete());
          body.put("instances", listing.instances());
        }
        json(ex, 200, body);
      } else {
        var one = directory.one(id);
        if (one.isPresent()) {
          json(ex, 200, one.get());
        } else {
          json(ex, 404, Map.of("error", "no camera '" + id + "' on " + (localOnly ? "this instance" : "any instance")
              + " (see /cameras for the known ones)"));
        }
      }
    } catch (InvalidStateStoreException e) {
      // not RUNNING yet, or rebalancing: the store is not queryable for a moment
      json(ex, 503, Map.of("error", "camera state is not available while Kafka Streams is " + state.get()
          + "; retry in a few seconds"));
    }
  }

  /** {@code ?scope=local}: answer from this instance only (how instances ask each other). */
  static boolean localScope(HttpExchange ex) {
    String query = ex.getRequestURI().getRawQuery();
    return query != null && java.util.Arrays.asList(query.split("&")).contains("scope=local");
  }

  static void json(HttpExchange ex, int status, Object body) throws IOException {
    reply(ex, status, "application/json", CameraStatusSerde.toJson(body));
  }

  private static void reply(HttpExchange ex, int status, String contentType, String body) throws IOException {
    reply(ex, status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  static void reply(HttpExchange ex, int status, String contentType, byte[] bytes) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    boolean head = "HEAD".equals(ex.getRequestMethod());
    ex.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
