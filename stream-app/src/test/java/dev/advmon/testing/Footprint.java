package dev.advmon.testing;

import dev.advmon.metrics.MonitorMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.management.ObjectName;

/**
 * What an in-process monitor holds at one moment, each as counts by name (digits of thread numbers kept): its
 * threads, its Kafka client MBeans, its meters, the files it keeps open in the state folder, and the TCP connections
 * of this JVM's net namespace to the schema registry. Two of them, taken after restart or outage 2 and after the
 * last, tell whether anything piles up per restart ({@link #noMoreThan}, {@link #diff}).
 */
public record Footprint(Map<String, Integer> threads, Map<String, Integer> mbeans, Map<String, Integer> meters,
    Map<String, Integer> stateFiles, Map<String, Integer> registryConnections) {

  /** Tags (and MBean keys) of Kafka metrics that exist per topic, partition or broker node, i.e. per traffic. */
  static final List<String> PER_TRAFFIC = List.of("topic", "partition", "node-id");

  /** {@code registryPort} 0: registry connections are not counted. */
  public static Footprint take(String appId, Path stateDir, MonitorMetrics metrics, int registryPort) {
    Map<String, Integer> threads = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String name = t.getName();
      if (t.isAlive() && (name.contains(appId) || name.startsWith("advmon-") || name.startsWith("micrometer-")
          || name.matches("HttpClient-\\d+-SelectorManager"))) {
        // one selector thread per java.net.http client (its pooled workers come and go): a client per restart shows
        threads.merge(name.replace(appId, "<app>").replaceAll("HttpClient-\\d+", "HttpClient-#"), 1, Integer::sum);
      }
    }
    Map<String, Integer> mbeans = new TreeMap<>();
    for (ObjectName n : ManagementFactory.getPlatformMBeanServer().queryNames(null, null)) {
      // per topic, partition and broker node they come and go with the traffic; the broker's own are not ours
      if (n.toString().contains(appId) && !PER_TRAFFIC.stream().anyMatch(k -> n.getKeyProperty(k) != null)
          && n.getDomain().matches("kafka\\.(streams|producer|consumer|admin\\.client)")) {
        mbeans.merge(n.getDomain() + ":type=" + n.getKeyProperty("type"), 1, Integer::sum);
      }
    }
    Map<String, Integer> meters = new TreeMap<>();
    // by tag and by name: the Kafka binder's per-node meters (kafka.producer.node.*) come with each broker
    // connection the new client opens, whatever their tags are called
    metrics.registry().getMeters().stream().filter(m -> PER_TRAFFIC.stream().noneMatch(k -> m.getId().getTag(k) != null
            || m.getId().getTag(k.replace('-', '.')) != null || m.getId().getName().contains("." + k.replace("-id", "") + ".")))
        .forEach(m -> meters.merge(m.getId().getName(), 1, Integer::sum));
    Map<String, Integer> files = new TreeMap<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      fds.forEach(fd -> {
        try {
          Path target = Files.readSymbolicLink(fd);
          if (target.startsWith(stateDir)) {
            String file = target.getFileName().toString();
            files.merge(file.equals(".lock") || file.equals("LOCK") ? file : file.replaceAll("\\d+", "#"), 1,
                Integer::sum);
          }
        } catch (IOException gone) {
          // closed meanwhile
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Integer> connections = new TreeMap<>();
    if (registryPort > 0) {
      connections.put("to the registry's port", registryConnections(registryPort));
    }
    return new Footprint(threads, mbeans, meters, files, connections);
  }

  /**
   * Client-side TCP connections to 127.0.0.1:{@code port} in any state but TIME_WAIT and CLOSE (from /proc/net/tcp:
   * local ports of this namespace whose remote port is the registry's).
   */
  static int registryConnections(int port) {
    String hexPort = String.format(":%04X", port);
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/net/tcp"))) {
      return (int) lines.skip(1).map(String::trim).map(l -> l.split("\\s+"))
          .filter(f -> f.length > 3 && f[2].endsWith(hexPort) && !f[3].equals("06") && !f[3].equals("07")).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Nothing more of anything than in {@code o} (less is fine: {@code o} may have caught something closing). */
  public boolean noMoreThan(Footprint o) {
    return noMoreThan(threads, o.threads) && noMoreThan(mbeans, o.mbeans) && noMoreThan(meters, o.meters)
        && noMoreThan(stateFiles, o.stateFiles) && noMoreThan(registryConnections, o.registryConnections);
  }

  private static boolean noMoreThan(Map<String, Integer> now, Map<String, Integer> then) {
    return now.entrySet().stream().allMatch(e -> e.getValue() <= then.getOrDefault(e.getKey(), 0));
  }

  public String diff(Footprint o) {
    return "threads " + diff(threads, o.threads) + "\nMBeans " + diff(mbeans, o.mbeans) + "\nmeters "
        + diff(meters, o.meters) + "\nopen files in the state folder " + diff(stateFiles, o.stateFiles)
        + "\nconnections to the registry " + diff(registryConnections, o.registryConnections);
  }

  private static String diff(Map<String, Integer> now, Map<String, Integer> then) {
    Map<String, String> d = new TreeMap<>();
    Set<String> keys = new TreeSet<>(now.keySet());
    keys.addAll(then.keySet());
    for (String k : keys) {
      int a = now.getOrDefault(k, 0);
      int b = then.getOrDefault(k, 0);
      if (a != b) {
        d.put(k, b + " -> " + a);
      }
    }
    return d.isEmpty() ? "unchanged" : d.toString();
  }
}
