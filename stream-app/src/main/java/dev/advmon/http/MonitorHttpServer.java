package dev.advmon.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraStatusSerde;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.health.HealthCheck;
import dev.advmon.health.HealthReport;
import dev.advmon.metrics.MonitorMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's one HTTP server (JDK built-in, no framework), read-only GET routes:
 * <ul>
 *   <li>{@code /health/live}: 200 unless the process is wedged ({@link HealthCheck#liveness()});
 *   <li>{@code /health/ready}: 200 only while the monitor can do its work ({@link HealthCheck#readiness()}); the
 *       body says why not: {@code {"status":"UP|DOWN","state":...,"reasons":[...]}};
 *   <li>{@code /metrics}: Prometheus text format;
 *   <li>{@code /cameras}, {@code /cameras/{id}}: per-camera campaign state, from the state stores of every
 *       instance ({@link ClusterCameras}); {@code ?scope=local}: this instance's store only (what peers ask);
 *   <li>{@code /}, {@code /api/*}: the operator dashboard, when given its data ({@link DashboardRoutes}).
 * </ul>
 * Every request, on every route, is checked first: its Host header ({@link HostCheck}, against DNS
 * rebinding), then, when {@code http.bearer-token} is set, its {@code Authorization: Bearer} header (except the
 * two health probes, which kubelets send without one), and on the JSON routes its query parameters
 * ({@link QueryParameters}). At most {@code http.threads} requests are answered at a time; each connection's request
 * is read on a thread of its own, up to {@link #MAX_CONNECTIONS} connections, so that a client sending slowly holds
 * none of the {@code http.threads} (the JDK server reads a request's headers on its executor's threads, before any
 * handler runs). A client gets {@code http.timeout-ms} to send its request and to read the response (the JDK server's
 * {@code sun.net.httpserver.maxReqTime} / {@code maxRspTime}), and connections beyond the cap are closed as they
 * come ({@code jdk.httpserver.maxConnections}), of which idle keep-alive ones take at most a quarter
 * ({@link #MAX_IDLE_CONNECTIONS}); all are set for the process unless given on the command line. With
 * {@code http.health-port}, the two health probes are also served on a port of their own with two workers of their
 * own, which clients of the main port cannot hold, not even at the cap. More routes: {@link #route} and
 * {@link #routePrefix}.
 */
public final class MonitorHttpServer implements AutoCloseable {

  /** Serves one request on a route; {@code path} is the decoded request path. */
  @FunctionalInterface
  public interface Route {
    void serve(HttpExchange exchange, String path) throws IOException;
  }

  private static final Logger log = LoggerFactory.getLogger(MonitorHttpServer.class);
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String LIVE = "/health/live";
  private static final String READY = "/health/ready";
  /**
   * A browser asks every server it shows a page of for this: with the dashboard off, or on http.health-port, it was a
   * 404 (an error in the console of each tab on /metrics or a probe). The dashboard's icon answers everywhere.
   */
  private static final String FAVICON = "/favicon.ico";
  /**
   * Connections open at once on each port, unless {@code jdk.httpserver.maxConnections} is given: each may hold a thread
   * while its request is read (an idle stack, not CPU), and a client that opens this many slow ones still fills it
   * (a limit per client needs a proxy in front).
   */
  static final int MAX_CONNECTIONS = 256;
  /**
   * Connections kept open between requests (HTTP/1.1 keep-alive) on each port, unless
   * {@code sun.net.httpserver.maxIdleConnections} is given: a quarter of the connection cap. They hold no thread, but
   * they count against the cap; the JDK server's own default, 200 of 256, let a client that keeps every connection it
   * opened (a large pool, a proxy) leave 56 for everyone else. One answered while this many are idle is closed after
   * its answer (its client opens a new one next time), so at least three quarters of the cap stay for connections with
   * a request under way, each of which gets at most {@code http.timeout-ms}.
   */
  static final int MAX_IDLE_CONNECTIONS = MAX_CONNECTIONS / 4;
  /**
   * Bytes of the answers being sent without a permit, at most: each stays in memory until its client has read it (up to
   * http.timeout-ms), and a full camera listing takes megabytes, so MAX_CONNECTIONS clients that read none held that
   * many. An answer beyond what is left keeps its permit while it is sent.
   */
  static final int SENDING_BYTES = 64 << 20;
  /** What is left of {@link #SENDING_BYTES}, in KiB, for the whole process (as the JDK server's own limits). */
  private static final java.util.concurrent.Semaphore SENDING = new java.util.concurrent.Semaphore(SENDING_BYTES >> 10);
  /** This thread's permit ({@link #answering} or {@link #gathering}), given back once its answer's bytes are made. */
  private static final ThreadLocal<java.util.concurrent.Semaphore> HELD = new ThreadLocal<>();

  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  /** {@code http.threads} permits: the answers made at a time on the main port (reading requests needs none). */
  private final java.util.concurrent.Semaphore answering;
  /** The health probes' own port and workers ({@code http.health-port}); null = none. */
  private final HttpServer healthServer;
  private final ThreadPoolExecutor healthExecutor;
  /**
   * With peers, {@code http.threads} permits of their own for the answers that may wait for the other instances
   * (/cameras and /api/ without scope=local): the main permits answer the other instances' own questions, and two
   * instances whose permits all waited for each other would each wait until the peer timeout and report the other as
   * not answering. Null without peers.
   */
  private final java.util.concurrent.Semaphore gathering;
  private final HealthCheck health;
  private final HostCheck hosts;
  private final byte[] token;
  private final Map<String, Route> exact = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Map.Entry<String, Route>> prefixes = new CopyOnWriteArrayList<>();

  /**
   * @param port 0 picks a free port (see {@link #port()})
   * @param metrics the Prometheus text to serve at /metrics
   */
  public MonitorHttpServer(String bind, int port, Supplier<KafkaStreams.State> state, Supplier<String> metrics,
      CameraDirectory cameras) throws IOException {
    this(HttpSettings.loopback(bind, port), HealthCheck.ofState(state), metrics, cameras, null, null);
  }

  /** As above, plus the operator dashboard at {@code /} (see {@link DashboardRoutes}). */
  public MonitorHttpServer(String bind, int port, Supplier<KafkaStreams.State> state, Supplier<String> metrics,
      CameraDirectory cameras, RecentAlerts alerts, Supplier<MonitorMetrics.Counts> counts) throws IOException {
    this(HttpSettings.loopback(bind, port), HealthCheck.ofState(state), metrics, cameras, alerts, counts);
  }

  /**
   * The server as the monitor runs it.
   *
   * @param alerts the latest alerts, fed by the topology; null = no dashboard
   * @param counts the counters the dashboard shows
   */
  public MonitorHttpServer(HttpSettings settings, HealthCheck health, Supplier<String> metrics, CameraDirectory cameras,
      RecentAlerts alerts, Supplier<MonitorMetrics.Counts> counts) throws IOException {
    this(settings, health, metrics, cameras, alerts, counts, Peers.NONE);
  }

  /**
   * As above, answering for the cameras and alerts of every instance of the application: {@code peers} are the
   * other instances, asked over their HTTP port (with this server's bearer token, if any). The host this instance
   * advertises to them ({@code streams.application-server}) is accepted as a Host besides {@code http.allowed-hosts}:
   * it is the name the peers reach it by.
   */
  public MonitorHttpServer(HttpSettings settings, HealthCheck health, Supplier<String> metrics, CameraDirectory cameras,
      RecentAlerts alerts, Supplier<MonitorMetrics.Counts> counts, Peers peers) throws IOException {
    this.health = health;
    InetSocketAddress address = new InetSocketAddress(settings.bind(), settings.port());
    if (address.isUnresolved()) {
      throw new java.net.UnknownHostException("http.bind = '" + settings.bind() + "' does not resolve to an address; "
          + "use an IP address of this host, such as 127.0.0.1 (this host only) or 0.0.0.0 (every interface)");
    }
    boolean loopback = address.getAddress().isLoopbackAddress();
    this.hosts = new HostCheck(settings.allowedHosts(), loopback, !settings.bearerToken().isEmpty(), peers.selfHost());
    this.token = settings.bearerToken().isEmpty() ? null : settings.bearerToken().getBytes(StandardCharsets.UTF_8);
    if (!loopback && token == null && settings.allowedHosts().isEmpty()) {
      log.warn("HTTP listens on {} without http.bearer-token or http.allowed-hosts: it answers only clients on this "
          + "host; set http.allowed-hosts (e.g. the Service's name, or * behind a trusted network) or a token",
          settings.bind());
    } else if (!loopback && token == null) {
      log.warn("HTTP listens on {} without http.bearer-token: anyone who reaches the port and names a host of "
          + "http.allowed-hosts reads /metrics, /cameras and the dashboard; set a token unless the network is "
          + "trusted", settings.bind());
    }
    applyTimeouts(settings);

    route(LIVE, (ex, path) -> health(ex, health.liveness()));
    route(READY, (ex, path) -> health(ex, health.readiness()));
    route("/metrics", (ex, path) -> reply(ex, 200, PROMETHEUS_TEXT, metrics.get()));
    byte[] icon = DashboardRoutes.icon();
    route(FAVICON, (ex, path) -> reply(ex, 200, "image/svg+xml", icon)); // the dashboard's, when on, is the same
    CameraDirectory everywhere = peers == Peers.NONE ? cameras : new ClusterCameras(cameras, peers, health::readiness);
    Route camerasRoute = (ex, path) -> cameras(ex, everywhere, path);
    route("/cameras", camerasRoute);
    routePrefix("/cameras/", camerasRoute);
    if (alerts != null) {
      DashboardRoutes dashboard = new DashboardRoutes(alerts, counts, () -> health.readiness(), peers);
      DashboardRoutes.ASSET_PATHS.forEach(p -> route(p, dashboard::serve));
      routePrefix("/api/", dashboard::serve);
    }

    try {
      server = HttpServer.create(address, 0);
    } catch (java.net.BindException e) {
      // keeps the JDK's words ("Address already in use") and adds which settings chose the address
      throw new java.net.BindException("cannot listen on " + settings.bind() + ":" + settings.port()
          + " (http.bind, http.port): " + e.getMessage() + "; stop what uses it, choose another http.port, "
          + "or 0 to turn HTTP off");
    }
    // A request line whose URI does not parse ("/cameras/%ZZ") never reaches this handler: the JDK server answers it
    // itself (ServerImpl: new URI(...) fails, reject(400, "URISyntaxException thrown"), an HTML body) before it looks
    // up a context, so no handler or Filter sees it; a JSON 400 there needs another server. README, Faults, restarts
    // and health, says so.
    server.createContext("/", ex -> handle(ex, false));
    executor = readers(settings.threads(), "advmon-http-");
    answering = new java.util.concurrent.Semaphore(settings.threads());
    server.setExecutor(executor);
    gathering = peers == Peers.NONE ? null : new java.util.concurrent.Semaphore(settings.threads());
    if (settings.healthPort() == 0) {
      healthServer = null;
      healthExecutor = null;
    } else {
      // The JDK server reads a request's headers on its workers: http.threads clients that send them slowly hold
      // every worker of http.port for http.timeout-ms at a time, and probes that time out there restart the pod.
      // Here the probes have workers that nothing else reaches (a NetworkPolicy can leave this port to the node's
      // kubelet, whose traffic it cannot block).
      InetSocketAddress healthAddress = new InetSocketAddress(address.getAddress(), settings.healthPort());
      try {
        healthServer = HttpServer.create(healthAddress, 0);
      } catch (java.net.BindException e) {
        server.stop(0);
        executor.shutdownNow();
        throw new java.net.BindException("cannot listen on " + settings.bind() + ":" + settings.healthPort()
            + " (http.bind, http.health-port): " + e.getMessage() + "; stop what uses it, choose another "
            + "http.health-port, or 0 for none");
      }
      healthServer.createContext("/", ex -> handle(ex, true));
      healthExecutor = workers(2, "advmon-http-health-");
      healthServer.setExecutor(healthExecutor);
      healthServer.start();
    }
    server.start();
  }

  /**
   * The main port's executor: the JDK server runs each connection's whole exchange on it, reading the request line and
   * headers first, so a fixed pool of http.threads was held by as many clients sending a byte at a time (until
   * http.timeout-ms, and again as they reconnect). A thread per connection, up to the connection cap; beyond it the
   * JDK server closes the connection it could not hand over.
   */
  private static ThreadPoolExecutor readers(int threads, String name) {
    int cap = Integer.getInteger("jdk.httpserver.maxConnections", MAX_CONNECTIONS); // 0 or less: no cap given there
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(threads, Math.max(threads, cap > 0 ? cap : MAX_CONNECTIONS), 30, TimeUnit.SECONDS,
        new java.util.concurrent.SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, name + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  private static ThreadPoolExecutor workers(int threads, String name) {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), r -> {
      Thread t = new Thread(r, name + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Serves {@code path} exactly (replacing what served it before). */
  public MonitorHttpServer route(String path, Route route) {
    exact.put(path, route);
    return this;
  }

  /** Serves every path under {@code prefix} that no exact route serves; the latest prefix added wins. */
  public MonitorHttpServer routePrefix(String prefix, Route route) {
    prefixes.add(0, Map.entry(prefix, route));
    return this;
  }

  /**
   * The JDK server reads its timeouts and connection limits once per process (Java 17 and 25 alike), the timeouts in
   * seconds, from system properties: set them here unless the command line did. The first server of the process
   * decides (the monitor has one).
   */
  private static void applyTimeouts(HttpSettings settings) {
    String seconds = Long.toString(Math.max(1, (settings.timeout().toMillis() + 999) / 1000));
    for (String p : new String[] {"sun.net.httpserver.maxReqTime", "sun.net.httpserver.maxRspTime"}) {
      if (System.getProperty(p) == null) {
        System.setProperty(p, seconds);
      }
    }
    if (System.getProperty("jdk.httpserver.maxConnections") == null) {
      System.setProperty("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
    }
    if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
      // a quarter of the cap in force, a smaller one given on the command line included
      int cap = Integer.getInteger("jdk.httpserver.maxConnections", MAX_CONNECTIONS);
      int idle = cap > 0 ? Math.max(1, Math.min(MAX_IDLE_CONNECTIONS, cap / 4)) : MAX_IDLE_CONNECTIONS;
      System.setProperty("sun.net.httpserver.maxIdleConnections", Integer.toString(idle));
    }
  }

  /** The main port's permits not held now (tests). */
  int freePermits() {
    return answering.availablePermits();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The health probes' own port, or 0 when there is none. */
  public int healthPort() {
    return healthServer == null ? 0 : healthServer.getAddress().getPort();
  }

  private void handle(HttpExchange ex, boolean healthOnly) throws IOException {
    if (healthOnly) {
      answer(ex, true); // two workers of its own, nothing else reaches them
      return;
    }
    // The answers that may wait for the other instances take permits of their own: two instances asked at once whose
    // permits all waited on each other's scope=local answers would each wait until the peer timeout. They are made
    // on the connection's own thread, like the others, so that sending one to a client that reads slowly holds no
    // permit either (a pool of threads that made and sent them was held by such clients until http.timeout-ms).
    java.util.concurrent.Semaphore permits = gathering != null && asksPeers(ex) ? gathering : answering;
    permits.acquireUninterruptibly();
    HELD.set(permits);
    try {
      answer(ex, false);
    } finally {
      releaseHeld();
    }
  }

  /**
   * Gives back this thread's permit, if it holds one: once an answer's bytes are made, sending them to a client that
   * reads slowly must not hold it (that takes up to http.timeout-ms), within {@link #SENDING_BYTES}.
   */
  private static void releaseHeld() {
    java.util.concurrent.Semaphore held = HELD.get();
    if (held != null) {
      HELD.remove();
      held.release();
    }
  }

  /** Whether the answer may wait for the other instances. */
  private static boolean asksPeers(HttpExchange ex) {
    String path = ex.getRequestURI().getPath();
    return (path.equals("/cameras") || path.startsWith("/cameras/") || path.startsWith("/api/")) && !localScope(ex);
  }

  private void answer(HttpExchange ex, boolean healthOnly) throws IOException {
    try {
      serve(ex, healthOnly);
    } catch (RuntimeException e) {
      // The exception's text may name what a client has no business reading (a state-store file's path, a peer's or
      // a dependency's address), and the health routes answer without the token: the cause goes to the log, under
      // an id the answer gives. Answered before the exchange is closed: a 500 written after close would reach the
      // client as an empty reply.
      String id = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
      log.warn("{} {} failed (error id {}): {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), id,
          e.toString(), e);
      json(ex, 500, Map.of("error", "the monitor failed to answer " + ex.getRequestURI().getPath()
          + "; its log has the cause under error id " + id));
    } finally {
      ex.close();
    }
  }

  /** Answers one request: method, Host and token checks, then the route for its path (on the health port, only those two). */
  private void serve(HttpExchange ex, boolean healthOnly) throws IOException {
    // Every answer may quote a producer's text (a camera id in /cameras or in a 404): never sniffed as markup, never
    // kept by a browser or proxy cache. A route that may be cached (a kept alert picture) says so itself.
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
      ex.getResponseHeaders().set("Allow", "GET, HEAD");
      json(ex, 405, Map.of("error", quoted(ex.getRequestMethod()) + " is not served here: every route answers GET "
          + "and HEAD only (the monitor's HTTP is read-only)"));
      return;
    }
    String host = ex.getRequestHeaders().getFirst("Host");
    if (!hosts.accepts(host, ex.getRemoteAddress().getAddress())) {
      json(ex, 403, Map.of("error", (host == null ? "a request without a Host header" : "Host '" + quoted(host) + "'")
          + " is not answered here: this server answers only requests for localhost, 127.0.0.1 or [::1] from this "
          + "host, and the hosts in http.allowed-hosts; it listens on the http.bind address. "
          + (host == null ? "Send the Host header (HTTP/1.1 requires one) with one of those names"
              : "Add this Host to http.allowed-hosts to be answered under it")));
      return;
    }
    String twoSlashes = twoSlashes(ex.getRequestURI());
    if (twoSlashes == null) {
      twoSlashes = emptySegment(ex.getRequestURI());
    }
    if (twoSlashes != null) {
      json(ex, 400, Map.of("error", twoSlashes));
      return;
    }
    String path = ex.getRequestURI().getPath();
    String refused = token == null || path.equals(LIVE) || path.equals(READY) ? null : unauthorized(ex);
    if (refused != null) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"advmon\"");
      json(ex, 401, Map.of("error", "this route needs the header 'Authorization: Bearer <token>' with the token "
          + "of http.bearer-token (only /health/live and /health/ready are open), and " + refused));
      return;
    }
    if (healthOnly && !path.equals(LIVE) && !path.equals(READY) && !path.equals(FAVICON)) {
      json(ex, 404, Map.of("error", "no such endpoint on this port (http.health-port): " + path
          + "; it serves only /health/live and /health/ready (and /favicon.ico), the rest is on http.port"));
      return;
    }
    Route route = exact.get(path);
    if (route == null) {
      for (Map.Entry<String, Route> e : prefixes) {
        if (path.startsWith(e.getKey())) {
          route = e.getValue();
          break;
        }
      }
    }
    if (route == null) {
      json(ex, 404, Map.of("error", "no such endpoint: " + path
          + "; try /health/live, /health/ready, /metrics, /cameras or /cameras/{id}"
          + (exact.containsKey("/") ? ", or / for the dashboard" : "")));
      return;
    }
    String badQuery = QueryParameters.problem(path, ex.getRequestURI().getRawQuery());
    if (badQuery != null) {
      json(ex, 400, Map.of("error", badQuery));
      return;
    }
    route.serve(ex, path);
  }

  /**
   * Why a request path that starts with "//" is refused, or null for any other. The JDK's server parses the request
   * target as a URI, so "//cameras/abc" (a base URL ending in '/' joined to a path starting with one) reads as the
   * host "cameras" and the path /abc, and /abc's route answered: a 404 naming /abc, or /metrics for "//x/metrics".
   * A bare "//cameras" (no path left) or an unparsable target ("/cameras/%ZZ") never gets here: the JDK's server
   * answers those itself, in HTML, before any context, filter or handler runs. "///cameras" (an empty host) is
   * {@link #emptySegment}'s.
   */
  private static String twoSlashes(URI target) {
    if (target.getScheme() != null || target.getRawAuthority() == null) {
      return null; // absolute-form (http://host/path, as proxies send it) names its host on purpose
    }
    // the query stays: told to ask /cameras/abc for //cameras/abc?scope=local, one would be answered for every instance
    String query = target.getRawQuery() == null ? "" : "?" + target.getRawQuery();
    String asked = "//" + target.getRawAuthority() + target.getRawPath() + query;
    return "the request path " + quoted(asked) + " starts with '//', which HTTP reads as a host name ('"
        + quoted(target.getRawAuthority()) + "') before the path: ask "
        + quoted(oneSlash("/" + target.getRawAuthority() + target.getRawPath()) + query)
        + " (one '/' at the start; a base URL that ends in '/' joined to a path that starts with one doubles it)";
  }

  /**
   * {@code rawPath} with each run of '/' made one: the path to ask for one with an empty segment. Both answers that
   * name a path to ask use it, so that one with both mistakes ("//cameras//abc") is not sent to a path refused next.
   */
  private static String oneSlash(String rawPath) {
    return rawPath.replaceAll("/{2,}", "/");
  }

  /**
   * Why a request path with an empty segment ("/cameras//abc") is refused, or null for any other. Joined from a base URL
   * ending in '/' and a path starting with one, or from an empty part, it asked for the camera "/abc" (or the 404 of
   * "/health//live"). Read from the raw path: a camera id that holds a '/' is asked for with it encoded as %2F, which
   * decodes to the same path, and is answered.
   */
  private static String emptySegment(URI target) {
    String raw = target.getRawPath();
    // "///cameras/abc" parses as an empty authority, which URI drops (no authority, path /cameras/abc): without its
    // leading "//" put back, /cameras/abc answered for it
    if (raw != null && target.getScheme() == null && target.getRawAuthority() == null
        && target.toString().startsWith("//")) {
      raw = "//" + raw;
    }
    if (raw == null || !raw.contains("//")) {
      return null;
    }
    String asked = raw + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
    return "the request path " + quoted(asked) + " has an empty segment ('//'): ask "
        + quoted(oneSlash(raw) + asked.substring(raw.length())) + " (one '/' between the parts; a "
        + "base URL that ends in '/' joined to a path that starts with one doubles it). A camera id that holds a '/' "
        + "is asked for with each '/' in it written %2F (/cameras/%2Fabc for the camera /abc)";
  }

  /** What is wrong with the request's token, to say in the 401 (never the token it sent); null when it is right. */
  private String unauthorized(HttpExchange ex) {
    String header = ex.getRequestHeaders().getFirst("Authorization");
    if (header == null) {
      return "the request has no Authorization header";
    }
    // the JDK server drops the value's trailing spaces: "Bearer " (an unset $TOKEN, an empty token file) is "Bearer"
    if (header.trim().equalsIgnoreCase("Bearer")) {
      return "its Authorization header is of the Bearer scheme but holds no token";
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return "its Authorization header is not of the Bearer scheme";
    }
    // constant time: the comparison must not tell how much of a guess was right
    return MessageDigest.isEqual(header.substring(7).trim().getBytes(StandardCharsets.UTF_8), token) ? null
        : "the bearer token given is not the one of http.bearer-token";
  }

  /** A client's own text in an answer: cut, so that a long header is named, not echoed whole. */
  private static String quoted(String text) {
    return text.length() <= 128 ? text : text.substring(0, 128) + "...";
  }

  private static void health(HttpExchange ex, HealthReport report) throws IOException {
    json(ex, report.up() ? 200 : 503, report.json());
  }

  private void cameras(HttpExchange ex, CameraDirectory cameras, String path) throws IOException {
    // the path is decoded once already (getPath): decoding again would read /cameras/a%2541 as camera "aA" and
    // a '+' in an id as a space
    String id = path.equals("/cameras") || path.equals("/cameras/") ? null : path.substring("/cameras/".length());
    boolean localOnly = localScope(ex);
    CameraDirectory directory = localOnly ? cameras.local() : cameras;
    try {
      if (id == null) {
        Integer limit = limitParameter(ex);
        if (limit != null && limit < 0) {
          json(ex, 400, Map.of("error", "?limit= must be a whole number from 1 to " + CameraDirectory.MAX_LISTED
              + " (the most interesting cameras first: those in a campaign, then the highest flag rate)"));
          return;
        }
        // one instance's first `limit` are ranked among all its cameras, not among the MAX_LISTED that all() lists
        if (localOnly && parameter(ex, StandbyCameras.PARAMETER) != null) {
          // a peer fills in an instance that does not answer: the cameras of this one's standby replicas too
          json(ex, 200, Map.of("cameras", StandbyCameras.of(directory, limit), "stale", StandbyCameras.note()));
          return;
        }
        boolean alone = localOnly || directory.local() == directory;
        CameraDirectory from = directory;
        String stale = null;
        CameraDirectory.Top top;
        CameraDirectory.Listing listing;
        try {
          top = limit != null && alone ? from.top(limit) : null;
          listing = top != null ? new CameraDirectory.Listing(top.cameras(), List.of())
              : localOnly ? new CameraDirectory.Listing(from.all(), List.of()) : from.listing(limit);
        } catch (InvalidStateStoreException e) {
          // this instance alone (asked by a peer, or no peer in the group's metadata, as during a rebalance) and its
          // store refused: what its stores hold, said to be so
          from = directory.local().stale();
          // asked for its part by an instance of an earlier version, which would take these for current cameras
          if (from == null || (localOnly && ex.getRequestHeaders().getFirst(Peers.READS_STALE) == null)) {
            throw e;
          }
          stale = CameraDirectory.staleNote(health.readiness().state());
          top = limit != null ? from.top(limit) : null;
          listing = new CameraDirectory.Listing(top != null ? top.cameras() : from.all(), List.of());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (limit == null) {
          body.put("cameras", listing.cameras());
        } else {
          // the dashboard's poll: a page shows a few hundred rows, and 10,000 cameras per instance every 1.5 s were
          // megabytes a second to each open page (and from each peer); the cameras an operator must see come first
          body.put("cameras", listing.cameras().stream().sorted(CameraDirectory.MOST_INTERESTING).limit(limit).toList());
          // with peers, each says how many it holds (it sent only its first `limit`); during a rebalance a camera
          // two instances both report is counted twice; cameras filled in from standby replicas are of no instance's
          // count, and were listed beyond "known"
          body.put("known", top != null ? top.known() : Math.max(listing.cameras().size(),
              listing.instances().stream().mapToLong(i -> i.cameras() == null ? 0 : i.cameras()).sum()));
          body.put("limit", limit);
        }
        // merged from several instances, the list may be longer than one instance's limit with nothing cut: then
        // only an instance at its limit says so
        if ((listing.instances().isEmpty()
                && (top != null ? top.known() : listing.cameras().size()) >= CameraDirectory.MAX_LISTED)
            || listing.instances().stream()
                .anyMatch(i -> i.cameras() != null && i.cameras() >= CameraDirectory.MAX_LISTED)) {
          body.put("truncated", true); // some instance holds more than it lists; /cameras/{id} still answers for any
          body.put("limit_per_instance", CameraDirectory.MAX_LISTED);
        }
        if (stale != null) {
          body.put("stale", stale);
        }
        if (!listing.instances().isEmpty()) {
          body.put("complete", listing.complete());
          body.put("instances", listing.instances());
        }
        json(ex, 200, body);
      } else {
        boolean standby = localOnly && parameter(ex, StandbyCameras.PARAMETER) != null;
        // asked by a peer for its standby replica's copy: this instance's stale reading, said to be so
        var one = standby ? StandbyCameras.one(directory, id).map(c -> new CameraDirectory.Reading(c,
            StandbyCameras.note())) : directory.reading(id);
        if (one.isPresent() && one.get().stale() == null) {
          json(ex, 200, one.get().camera());
        } else if (one.isPresent()) {
          // the camera's own fields, as always, and why this copy may be behind
          com.fasterxml.jackson.databind.node.ObjectNode body = new com.fasterxml.jackson.databind.ObjectMapper()
              .valueToTree(one.get().camera());
          body.put("stale", one.get().stale());
          json(ex, 200, body);
        } else {
          json(ex, 404, Map.of("error", "no camera '" + id + "' on " + (localOnly ? "this instance" : "any instance")
              + " (see /cameras for the known ones)"));
        }
      }
    } catch (InvalidStateStoreException e) {
      // not RUNNING yet, or rebalancing: the store is not queryable for a moment; or this instance is stopping (a
      // scale-down, a rollout), when only the others can answer
      json(ex, 503, ClusterCameras.unavailableAnswer(health.readiness()));
    } catch (ClusterCameras.InstancesDidNotAnswer e) {
      json(ex, 503, Map.of("error", e.getMessage()));
    }
  }

  /** {@code ?limit=N} of /cameras: null when absent, -1 when not a whole number from 1 to MAX_LISTED. */
  static Integer limitParameter(HttpExchange ex) {
    String value = parameter(ex, "limit");
    if (value == null) {
      return null;
    }
    try {
      int n = Integer.parseInt(value.trim());
      return n >= 1 && n <= CameraDirectory.MAX_LISTED ? n : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * A query parameter, its name and value decoded as {@link QueryParameters} reads them (which let ?li%6Dit=5 pass as
   * limit); null when absent (the first one where it is given twice).
   */
  static String parameter(HttpExchange ex, String name) {
    String query = ex.getRequestURI().getRawQuery();
    if (query == null) {
      return null;
    }
    for (String p : query.split("&")) {
      int eq = p.indexOf('=');
      if (QueryParameters.decode(eq < 0 ? p : p.substring(0, eq)).equals(name)) {
        return eq < 0 ? "" : QueryParameters.decode(p.substring(eq + 1)); // ?limit alone: a bad value, not no parameter
      }
    }
    return null;
  }

  /** {@code ?scope=local}: answer from this instance only (how instances ask each other). */
  static boolean localScope(HttpExchange ex) {
    return "local".equals(parameter(ex, "scope"));
  }

  public static void json(HttpExchange ex, int status, Object body) throws IOException {
    reply(ex, status, "application/json", CameraStatusSerde.toJson(body));
  }

  private static void reply(HttpExchange ex, int status, String contentType, String body) throws IOException {
    reply(ex, status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  public static void reply(HttpExchange ex, int status, String contentType, byte[] bytes) throws IOException {
    int kib = (int) ((bytes.length + 1023L) >> 10);
    boolean budgeted = HELD.get() != null && SENDING.tryAcquire(kib);
    if (budgeted) {
      releaseHeld();
    }
    try {
      ex.getResponseHeaders().set("Content-Type", contentType);
      boolean head = "HEAD".equals(ex.getRequestMethod());
      ex.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      }
    } finally {
      if (budgeted) {
        SENDING.release(kib);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    if (healthServer != null) {
      healthServer.stop(0);
      healthExecutor.shutdownNow();
    }
  }
}
