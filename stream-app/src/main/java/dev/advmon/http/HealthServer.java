package dev.advmon.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Liveness and readiness for orchestrators: {@code /health/live} is 200 unless Kafka Streams is NOT_RUNNING
 * (or in ERROR); {@code /health/ready} is 200 only while it is RUNNING (so no traffic during rebalances).
 */
public final class HealthServer implements AutoCloseable {

  private final HttpServer server;

  public HealthServer(String bind, int port, Supplier<KafkaStreams.State> state) throws IOException {
    server = HttpServer.create(new InetSocketAddress(bind, port), 0);
    server.createContext("/health/live", ex -> {
      KafkaStreams.State s = state.get();
      boolean live = s != KafkaStreams.State.NOT_RUNNING && s != KafkaStreams.State.ERROR;
      reply(ex, live ? 200 : 503, "{\"status\":\"" + (live ? "UP" : "DOWN") + "\",\"streams\":\"" + s + "\"}");
    });
    server.createContext("/health/ready", ex -> {
      KafkaStreams.State s = state.get();
      boolean ready = s == KafkaStreams.State.RUNNING;
      reply(ex, ready ? 200 : 503, "{\"status\":\"" + (ready ? "UP" : "DOWN") + "\",\"streams\":\"" + s + "\"}");
    });
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "advmon-http");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
