package dev.advmon.deploy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Just enough of a Kubernetes API server for {@code kubectl wait} on one Job: legacy discovery of batch/v1 jobs, the
 * Job (get, list by name) and a watch that sends the events a test queues. So README's {@code kubectl wait} lines run
 * as written, against a Job status the test chooses, without a cluster. Plain HTTP on the loopback address.
 */
final class ApiServerStandIn implements AutoCloseable {

  private static final String END = "{\"end\":true}";
  private final HttpServer server;
  private final String namespace;
  private final String name;
  private volatile String job;
  private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  private final CountDownLatch watching = new CountDownLatch(1);
  /** What kubectl asked for, for a failure's message. */
  final List<String> requests = new CopyOnWriteArrayList<>();

  /** Serves the Job {@code namespace/name} whose JSON {@code status} object is given ({@code {}}: none yet). */
  ApiServerStandIn(String namespace, String name, String status) throws IOException {
    this.namespace = namespace;
    this.name = name;
    this.job = job(status, 1);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "api-server-stand-in");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::handle);
    server.start();
  }

  private String job(String status, int resourceVersion) {
    return "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\""
        + namespace + "\",\"uid\":\"00000000-0000-0000-0000-000000000001\",\"resourceVersion\":\"" + resourceVersion
        + "\",\"generation\":1},\"spec\":{\"backoffLimit\":1,\"template\":{\"spec\":{\"restartPolicy\":\"Never\","
        + "\"containers\":[{\"name\":\"redrive\",\"image\":\"advmon\"}]}}},\"status\":" + status + "}";
  }

  /** Changes the Job's status, and sends it as a MODIFIED event to the watch that kubectl holds. */
  void modify(String status, int resourceVersion) {
    job = job(status, resourceVersion);
    events.add("{\"type\":\"MODIFIED\",\"object\":" + job + "}\n");
  }

  /** Waits until kubectl watches the Job, which it does only once what it listed did not meet its condition. */
  boolean awaitWatch(long seconds) throws InterruptedException {
    return watching.await(seconds, TimeUnit.SECONDS);
  }

  /** A kubeconfig whose current context is this server, with {@link #namespace} as its namespace. */
  Path kubeconfig(Path dir) throws IOException {
    return Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\nkind: Config\nclusters:\n- name: stand-in\n"
        + "  cluster: {server: \"http://127.0.0.1:" + server.getAddress().getPort() + "\"}\nusers:\n- name: nobody\n"
        + "  user: {}\ncontexts:\n- name: stand-in\n  context: {cluster: stand-in, user: nobody, namespace: " + namespace
        + "}\ncurrent-context: stand-in\n");
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String query = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
    requests.add(ex.getRequestMethod() + " " + path + (query.isEmpty() ? "" : "?" + query));
    String jobs = "/apis/batch/v1/namespaces/" + namespace + "/jobs";
    switch (path) {
      case "/api" -> json(ex, 200, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
          + "[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1\"}]}");
      case "/apis" -> json(ex, 200, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[{\"name\":\"batch\","
          + "\"versions\":[{\"groupVersion\":\"batch/v1\",\"version\":\"v1\"}],"
          + "\"preferredVersion\":{\"groupVersion\":\"batch/v1\",\"version\":\"v1\"}}]}");
      case "/api/v1" -> json(ex, 200, "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":[]}");
      case "/apis/batch/v1" -> json(ex, 200, "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":"
          + "\"batch/v1\",\"resources\":[{\"name\":\"jobs\",\"singularName\":\"job\",\"namespaced\":true,\"kind\":\"Job\","
          + "\"verbs\":[\"get\",\"list\",\"watch\"]}]}");
      default -> {
        if (path.equals(jobs + "/" + name)) {
          json(ex, 200, job);
        } else if (path.equals(jobs) && (query.contains("watch=true") || query.contains("watch=1"))) {
          watch(ex);
        } else if (path.equals(jobs)) {
          json(ex, 200, "{\"apiVersion\":\"batch/v1\",\"kind\":\"JobList\",\"metadata\":{\"resourceVersion\":\""
              + job.replaceAll(".*\"resourceVersion\":\"(\\d+)\".*", "$1") + "\"},\"items\":[" + job + "]}");
        } else {
          json(ex, 404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\","
              + "\"code\":404,\"message\":\"not served by the stand-in: " + path + "\"}");
        }
      }
    }
  }

  private void watch(HttpExchange ex) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, 0);
    watching.countDown();
    try (OutputStream out = ex.getResponseBody()) {
      out.flush();
      while (true) {
        String event = events.poll(100, TimeUnit.MILLISECONDS);
        if (event == null) {
          continue;
        }
        if (event.equals(END)) {
          return;
        }
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // kubectl went away: nothing more to send
    }
  }

  private static void json(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    events.add(END);
    server.stop(0);
  }
}
