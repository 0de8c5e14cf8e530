package dev.advmon.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * An HTTP reverse proxy in front of a server (a schema registry), switchable between passing requests through and
 * answering as a sick registry or load balancer does: any status with any body and headers (500, 502, 503 with
 * Retry-After, a 404 page, a 200 HTML page), and slowly. The failure applies to the requests whose path (with its
 * query) matches, so that, say, health probes of {@code /config} can pass while {@code /schemas/ids/} fails.
 *
 * <p>Its {@link #url()} has the upstream URL's path ({@code /apis/ccompat/v7} for Apicurio), so it replaces the
 * upstream URL one for one. Every request seen is recorded with the {@code Authorization} header it carried.
 */
public final class FaultyHttpProxy implements AutoCloseable {

  /** A canned answer: status, content type (null for none), body (empty for none), extra headers (name, value...). */
  public record Answer(int status, String contentType, String body, List<String> headers) {

    public Answer {
      Objects.requireNonNull(body, "body");
      headers = List.copyOf(headers);
      if (headers.size() % 2 != 0) {
        throw new IllegalArgumentException("headers come as name, value pairs: " + headers);
      }
    }

    public static Answer of(int status, String contentType, String body, String... headers) {
      return new Answer(status, contentType, body, List.of(headers));
    }

    /** What Confluent-API registries answer on errors: {@code {"error_code":..,"message":..}}. */
    public static Answer registryError(int status, int errorCode, String message) {
      return of(status, "application/vnd.schemaregistry.v1+json",
          "{\"error_code\":" + errorCode + ",\"message\":\"" + message + "\"}");
    }

    /** What a load balancer or reverse proxy answers: an HTML page. */
    public static Answer htmlPage(int status, String title) {
      return of(status, "text/html", "<html><head><title>" + status + " " + title + "</title></head><body><center><h1>"
          + status + " " + title + "</h1></center><hr><center>nginx</center></body></html>");
    }
  }

  /** One request that reached the proxy. */
  public record Seen(String method, String pathAndQuery, String authorization) {}

  private record Failure(Predicate<String> where, Answer answer) {}

  private final URI upstream;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "faulty-proxy");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private volatile Failure failure;
  private volatile Duration delay = Duration.ZERO;

  private FaultyHttpProxy(URI upstream) throws IOException {
    this.upstream = upstream;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  /** A proxy passing everything through to {@code upstreamUrl} (scheme, host, port and path), until told otherwise. */
  public static FaultyHttpProxy inFrontOf(String upstreamUrl) {
    try {
      return new FaultyHttpProxy(URI.create(upstreamUrl.replaceAll("/+$", "")));
    } catch (IOException e) {
      throw new UncheckedIOException("could not open the proxy's port", e);
    }
  }

  /** The upstream URL with the proxy's host and port. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + (upstream.getRawPath() == null ? "" : upstream.getRawPath());
  }

  /** Every request from now on is answered with {@code answer}. */
  public FaultyHttpProxy answer(Answer answer) {
    return answerWhere(path -> true, answer);
  }

  /** Requests whose path (below the upstream's path, with its query) matches are answered with {@code answer}. */
  public FaultyHttpProxy answerWhere(Predicate<String> path, Answer answer) {
    failure = new Failure(Objects.requireNonNull(path), Objects.requireNonNull(answer));
    return this;
  }

  /** Every request waits this long before it is passed through or answered: a slow registry. */
  public FaultyHttpProxy delay(Duration delay) {
    this.delay = Objects.requireNonNull(delay);
    return this;
  }

  /** Back to a healthy registry: no failure, no delay. */
  public FaultyHttpProxy passThrough() {
    failure = null;
    delay = Duration.ZERO;
    return this;
  }

  public List<Seen> seen() {
    return List.copyOf(seen);
  }

  /** How many requests had a path (below the upstream's path) starting with {@code prefix}. */
  public long count(String prefix) {
    return seen.stream().filter(s -> s.pathAndQuery().startsWith(prefix)).count();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex; InputStream in = ex.getRequestBody()) {
      byte[] body = in.readAllBytes();
      String full = ex.getRequestURI().getRawPath()
          + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
      String root = upstream.getRawPath() == null ? "" : upstream.getRawPath();
      String below = full.startsWith(root) ? full.substring(root.length()) : full;
      seen.add(new Seen(ex.getRequestMethod(), below, ex.getRequestHeaders().getFirst("Authorization")));
      Duration wait = delay;
      if (!wait.isZero()) {
        Thread.sleep(wait.toMillis());
      }
      Failure f = failure;
      if (f != null && f.where().test(below)) {
        send(ex, f.answer());
        return;
      }
      forward(ex, full, body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void forward(HttpExchange ex, String pathAndQuery, byte[] body) throws IOException, InterruptedException {
    URI target = URI.create(upstream.getScheme() + "://" + upstream.getRawAuthority() + pathAndQuery);
    HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30))
        .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    for (String name : List.of("Content-Type", "Accept", "Authorization")) {
      String value = ex.getRequestHeaders().getFirst(name);
      if (value != null) {
        request.header(name, value);
      }
    }
    HttpResponse<byte[]> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      send(ex, Answer.htmlPage(502, "Bad Gateway"));
      return;
    }
    response.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().set("Content-Type", v));
    byte[] answer = response.body();
    ex.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
    if (answer.length > 0) {
      ex.getResponseBody().write(answer);
    }
  }

  private static void send(HttpExchange ex, Answer answer) throws IOException {
    if (answer.contentType() != null) {
      ex.getResponseHeaders().set("Content-Type", answer.contentType());
    }
    for (int i = 0; i < answer.headers().size(); i += 2) {
      ex.getResponseHeaders().add(answer.headers().get(i), answer.headers().get(i + 1));
    }
    byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      ex.getResponseBody().write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  @Override
  public String toString() {
    return "FaultyHttpProxy[" + url() + " -> " + upstream + "]";
  }
}
