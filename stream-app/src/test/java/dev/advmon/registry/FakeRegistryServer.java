package dev.advmon.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;

/**
 * A tiny stand-in for a Confluent-API registry, enough to unit-test the HTTP client: register, lookup,
 * fetch by id, latest; scripted failures; recorded requests. Real-server tests live elsewhere.
 */
final class FakeRegistryServer implements AutoCloseable {

  record Request(String method, String path, String authorization, String contentType, String body) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VERSIONS = Pattern.compile("/subjects/([^/]+)/versions");
  private static final Pattern LATEST = Pattern.compile("/subjects/([^/]+)/versions/latest");
  private static final Pattern VERSION = Pattern.compile("/subjects/([^/]+)/versions/(\\d+)");
  private static final Pattern SUBJECT = Pattern.compile("/subjects/([^/]+)");
  private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");
  private static final Pattern SUBJECT_CONFIG = Pattern.compile("/config/([^/]+)");

  final List<Request> requests = new CopyOnWriteArrayList<>();
  /** Statuses answered (with a JSON error body) before normal handling, one per request. */
  final ConcurrentLinkedDeque<Integer> failures = new ConcurrentLinkedDeque<>();
  /** When set, POST .../versions answers this status and body instead of registering. */
  volatile int registerStatus;
  /** Answers (status and body) POST .../versions gives once each, before registering normally. */
  final ConcurrentLinkedDeque<Map.Entry<Integer, String>> registerAnswersOnce = new ConcurrentLinkedDeque<>();
  /** The registry's default compatibility ({@code GET /config}); null = /config is not served (404). */
  volatile String globalCompatibility;
  /** Compatibility set on a subject ({@code GET /config/{subject}}). */
  final Map<String, String> subjectCompatibility = new java.util.concurrent.ConcurrentHashMap<>();
  volatile String registerBody;
  /** Bodies answered (200) for GET of a path, before normal handling: schemas with references, non-Avro schemas. */
  final Map<String, String> getAnswers = new java.util.concurrent.ConcurrentHashMap<>();
  /** Statuses answered for GET of a path, every time, before normal handling: a registry failing for one path. */
  final Map<String, Integer> getFailures = new java.util.concurrent.ConcurrentHashMap<>();
  /**
   * Subject versions soft-deleted (Confluent's {@code DELETE /subjects/{s}/versions/{v}}): a GET of the path answers 404
   * unless asked with {@code ?deleted=true}, as Confluent's registry does; ids of their schemas are still served.
   */
  final java.util.Set<String> softDeleted = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** How long GET /schemas/ids/{id} takes to answer: a slow registry (0: at once). */
  volatile long idAnswerDelayMs;
  /** When set, requests without exactly this Authorization header get 401. */
  volatile String requiredAuthorization;
  /** The body of those 401s: a proxy's page (nginx's auth_basic answers HTML); null: the registry's JSON. */
  volatile String unauthorizedBody;

  private final HttpServer server;
  private final String prefix;
  private final Map<Integer, String> schemasById = new HashMap<>();
  private final Map<String, Integer> idsByCanonical = new HashMap<>();
  private final Map<String, List<Integer>> subjects = new HashMap<>();
  private int nextId = 1;

  FakeRegistryServer(String prefix) throws IOException {
    this(prefix, null, false);
  }

  /** An https server when {@code tls} is set; {@code needClientAuth} asks for a client certificate (mTLS). */
  FakeRegistryServer(String prefix, SSLContext tls, boolean needClientAuth) throws IOException {
    this.prefix = prefix;
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    if (tls == null) {
      server = HttpServer.create(address, 0);
    } else {
      HttpsServer https = HttpsServer.create(address, 0);
      https.setHttpsConfigurator(new HttpsConfigurator(tls) {
        @Override
        public void configure(HttpsParameters params) {
          // Through SSLParameters: the JDK ignores HttpsParameters.setNeedClientAuth on its own.
          javax.net.ssl.SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
          ssl.setNeedClientAuth(needClientAuth);
          params.setSSLParameters(ssl);
        }
      });
      server = https;
    }
    server.createContext(prefix.isEmpty() ? "/" : prefix, this::handle);
    server.start();
  }

  FakeRegistryServer() throws IOException {
    this("");
  }

  /** Loses every schema and starts its ids at 1 again, as an in-memory registry that restarted does. */
  synchronized void forgetEverything() {
    schemasById.clear();
    idsByCanonical.clear();
    subjects.clear();
    nextId = 1;
  }

  String url() {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return scheme + "://127.0.0.1:" + server.getAddress().getPort() + prefix;
  }

  long count(String method, String pathPrefix) {
    return requests.stream().filter(r -> r.method.equals(method) && r.path.startsWith(pathPrefix)).count();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = ex.getRequestURI().getPath().substring(prefix.length());
      String method = ex.getRequestMethod();
      requests.add(new Request(method, path, ex.getRequestHeaders().getFirst("Authorization"),
          ex.getRequestHeaders().getFirst("Content-Type"), body));
      if (idAnswerDelayMs > 0 && method.equals("GET") && path.startsWith("/schemas/ids/")) {
        try {
          Thread.sleep(idAnswerDelayMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Integer failure = failures.poll();
      if (failure != null) {
        answer(ex, failure, error(failure * 100 + 1, "scripted failure"));
        return;
      }
      if (requiredAuthorization != null && !requiredAuthorization.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        answer(ex, 401, unauthorizedBody != null ? unauthorizedBody : error(40101, "Unauthorized"));
        return;
      }
      Integer failing = method.equals("GET") ? getFailures.get(path) : null;
      if (failing != null) {
        answer(ex, failing, error(failing * 100 + 1, "scripted failure"));
        return;
      }
      if (method.equals("GET") && softDeleted.contains(path) && !"deleted=true".equals(ex.getRequestURI().getQuery())) {
        answer(ex, 404, error(40402, "Version not found."));
        return;
      }
      String scripted = method.equals("GET") ? getAnswers.get(path) : null;
      if (scripted != null) {
        answer(ex, 200, scripted);
        return;
      }
      synchronized (this) {
        route(ex, method, path, body);
      }
    }
  }

  private void route(HttpExchange ex, String method, String path, String body) throws IOException {
    Matcher m;
    if (method.equals("POST") && (m = VERSIONS.matcher(path)).matches()) {
      if (registerStatus != 0) {
        answer(ex, registerStatus, registerBody);
        return;
      }
      Map.Entry<Integer, String> once = registerAnswersOnce.poll();
      if (once != null) {
        answer(ex, once.getKey(), once.getValue());
        return;
      }
      String canonical = canonical(body);
      int id = idsByCanonical.computeIfAbsent(canonical, c -> nextId++);
      schemasById.put(id, canonical);
      List<Integer> versions = subjects.computeIfAbsent(m.group(1), s -> new ArrayList<>());
      if (!versions.contains(id)) {
        versions.add(id);
      }
      answer(ex, 200, JSON.createObjectNode().put("id", id).toString());
    } else if (method.equals("GET") && (m = LATEST.matcher(path)).matches()) {
      List<Integer> versions = subjects.get(m.group(1));
      if (versions == null) {
        answer(ex, 404, error(40401, "Subject '" + m.group(1) + "' not found."));
        return;
      }
      int id = versions.get(versions.size() - 1);
      answer(ex, 200, subjectVersion(m.group(1), versions.size(), id));
    } else if (method.equals("GET") && (m = VERSION.matcher(path)).matches()) {
      List<Integer> versions = subjects.get(m.group(1));
      int version = Integer.parseInt(m.group(2));
      if (versions == null) {
        answer(ex, 404, error(40401, "Subject '" + m.group(1) + "' not found."));
      } else if (version < 1 || version > versions.size()) {
        answer(ex, 404, error(40402, "Version " + version + " not found."));
      } else {
        answer(ex, 200, subjectVersion(m.group(1), version, versions.get(version - 1)));
      }
    } else if (method.equals("POST") && (m = SUBJECT.matcher(path)).matches()) {
      List<Integer> versions = subjects.get(m.group(1));
      Integer id = idsByCanonical.get(canonical(body));
      if (versions == null) {
        answer(ex, 404, error(40401, "Subject '" + m.group(1) + "' not found."));
      } else if (id == null || !versions.contains(id)) {
        answer(ex, 404, error(40403, "Schema not found"));
      } else {
        answer(ex, 200, subjectVersion(m.group(1), versions.indexOf(id) + 1, id));
      }
    } else if (method.equals("GET") && (m = SUBJECT_CONFIG.matcher(path)).matches()) {
      String level = subjectCompatibility.get(m.group(1));
      boolean toGlobal = String.valueOf(ex.getRequestURI().getQuery()).contains("defaultToGlobal=true");
      if (level == null && toGlobal) {
        level = globalCompatibility;
      }
      if (level == null) {
        answer(ex, 404, error(40408, "Subject '" + m.group(1) + "' does not have subject-level compatibility configured"));
      } else {
        answer(ex, 200, JSON.createObjectNode().put("compatibilityLevel", level).toString());
      }
    } else if (method.equals("GET") && path.equals("/subjects")) {
      com.fasterxml.jackson.databind.node.ArrayNode names = JSON.createArrayNode();
      subjects.keySet().stream().sorted().forEach(names::add);
      answer(ex, 200, names.toString());
    } else if (method.equals("GET") && path.equals("/config") && globalCompatibility != null) {
      answer(ex, 200, JSON.createObjectNode().put("compatibilityLevel", globalCompatibility).toString());
    } else if (method.equals("GET") && (m = BY_ID.matcher(path)).matches()) {
      String schema = schemasById.get(Integer.parseInt(m.group(1)));
      if (schema == null) {
        answer(ex, 404, error(40403, "Schema " + m.group(1) + " not found"));
      } else {
        answer(ex, 200, JSON.createObjectNode().put("schema", schema).toString());
      }
    } else {
      answer(ex, 404, error(404, "HTTP 404 Not Found"));
    }
  }

  private String subjectVersion(String subject, int version, int id) {
    ObjectNode node = JSON.createObjectNode();
    node.put("subject", subject).put("version", version).put("id", id).put("schema", schemasById.get(id));
    return node.toString();
  }

  private static String canonical(String body) throws IOException {
    return new Schema.Parser().parse(JSON.readTree(body).get("schema").asText()).toString();
  }

  static String error(int code, String message) {
    return JSON.createObjectNode().put("error_code", code).put("message", message).toString();
  }

  private static void answer(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      ex.getResponseBody().write(bytes);
    }
  }
}
