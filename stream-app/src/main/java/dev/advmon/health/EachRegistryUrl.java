package dev.advmon.health;

import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistryUnavailableException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * The reason for several registry.url entries that all failed: each URL and how it failed, within the cap of a
 * readiness line (the start-up's wait and the running probe's), or whole for the start-up's log line of each try. The
 * single-URL reason (what to check first, the client's words last) told of the last URL alone, and where the call's
 * deadline cut a request short its advice alone filled the cap, so the line named no URL.
 */
public final class EachRegistryUrl {

  private static final String HEAD = "no registry.url answered: ";
  private static final String CUT = "; requests cut to the call's deadline (two thirds of"
      + " streams.transaction-timeout-ms, half of it per URL)";
  private static final String CHECK = "; check that the registry runs behind each";

  private EachRegistryUrl() {}

  /**
   * What to check after the URLs: where each refused its certificate (each answered: no outage), the trust store, or,
   * where each trusted certificate names another host (RegistryProbe's rule for one URL), the host names in
   * registry.url, which the trust store does not mend; else whether a registry runs behind each.
   */
  private static String note(Map<String, String> failures) {
    if (failures.values().stream().allMatch(HttpSchemaRegistryClient.CERTIFICATE_FOR_ANOTHER_HOST::equals)) {
      return "; use host names in registry.url that the certificates name, or have them reissued";
    }
    if (failures.values().stream().allMatch(EachRegistryUrl::outOfValidity)) {
      return "; renew them, or set this host's clock right"; // short: the dates fill the line
    }
    return failures.values().stream().allMatch(HttpSchemaRegistryClient.CERTIFICATE_NOT_TRUSTED::equals)
        ? "; check registry.ssl.truststore.location" : CHECK;
  }

  /** Whether each URL's failure is a certificate this host refused (not trusted, another host's, out of validity). */
  static boolean allCertificatesRefused(Map<String, String> failures) {
    return failures.values().stream().allMatch(f -> f.equals(HttpSchemaRegistryClient.CERTIFICATE_NOT_TRUSTED)
        || f.equals(HttpSchemaRegistryClient.CERTIFICATE_FOR_ANOTHER_HOST) || outOfValidity(f));
  }

  private static boolean outOfValidity(String failure) {
    return failure.startsWith(HttpSchemaRegistryClient.CERTIFICATE_OUT_OF_VALIDITY + "expired")
        || failure.startsWith(HttpSchemaRegistryClient.CERTIFICATE_OUT_OF_VALIDITY + "not valid before")
        || failure.startsWith(HttpSchemaRegistryClient.CERTIFICATE_OUT_OF_VALIDITY + "not yet valid");
  }

  /**
   * "no registry.url answered: a:8081: connection refused; b:8081: no answer within 500 ms" and what the call's
   * deadline did, in at most {@code room} characters; null where {@code e} tells of one URL only (the single-URL
   * reason says it better). Each URL is written as short as still tells it from the others: without the scheme and
   * path that all share, then, where that is too long, only its host's first name and the port; each failure is cut
   * last, and the deadline's note goes before any of them.
   */
  public static String reason(Exception e, int room) {
    RegistryUnavailableException unavailable = several(e);
    if (unavailable == null) {
      return null;
    }
    Map<String, String> failures = unavailable.failures();
    List<URI> urls = failures.keySet().stream().map(URI::create).toList();
    List<String> words = List.copyOf(failures.values());
    String note = unavailable.cutByDeadline() ? CUT : note(failures);
    String entries = null;
    for (boolean shortHosts : new boolean[] {false, true}) {
      List<String> labels = labels(urls, shortHosts);
      if (labels == null) {
        break;
      }
      entries = HEAD + join(labels, words);
      if (entries.length() + note.length() <= room) {
        return entries + note;
      }
      if (entries.length() <= room) {
        return entries;
      }
    }
    // still too long (many URLs, long failures): each entry gets an equal share
    List<String> labels = labels(urls, true);
    labels = labels != null ? labels : labels(urls, false);
    labels = labels != null ? labels : urls.stream().map(URI::toString).toList();
    int share = Math.max(12, (room - HEAD.length()) / urls.size() - 2);
    List<String> cut = new ArrayList<>();
    for (int i = 0; i < urls.size(); i++) {
      String entry = labels.get(i) + ": " + words.get(i);
      cut.add(entry.length() <= share ? entry : entry.substring(0, share - 3) + "...");
    }
    entries = HEAD + String.join("; ", cut);
    return entries.length() <= room ? entries : entries.substring(0, room - 3) + "...";
  }

  /**
   * Each URL, whole, and how its last request failed, then what the call's deadline did: for a log line, which has the
   * room that a readiness reason has not (nothing is shortened or cut). Null where {@code e} tells of one URL only.
   */
  public static String whole(Exception e) {
    RegistryUnavailableException unavailable = several(e);
    if (unavailable == null) {
      return null;
    }
    return HEAD + join(List.copyOf(unavailable.failures().keySet()), List.copyOf(unavailable.failures().values()))
        + (unavailable.cutByDeadline() ? CUT : note(unavailable.failures()));
  }

  /** {@code e} as the failure of several URLs, each with how it failed; null where it tells of one URL only. */
  private static RegistryUnavailableException several(Exception e) {
    return e instanceof RegistryUnavailableException unavailable && unavailable.failures().size() >= 2
        ? unavailable : null;
  }

  private static String join(List<String> labels, List<String> words) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < labels.size(); i++) {
      out.add(labels.get(i) + ": " + words.get(i));
    }
    return String.join("; ", out);
  }

  /**
   * Each URL without the scheme or the path where all share it; with {@code shortHosts}, a host name cut to its first
   * label (schema-registry-0 of schema-registry-0.registry.kafka.svc.cluster.local). Null where labels would not tell
   * two URLs apart.
   */
  private static List<String> labels(List<URI> urls, boolean shortHosts) {
    boolean oneScheme = urls.stream().map(URI::getScheme).distinct().count() == 1;
    boolean onePath = urls.stream().map(u -> u.getRawPath() == null ? "" : u.getRawPath()).distinct().count() == 1;
    List<String> labels = new ArrayList<>();
    for (URI u : urls) {
      String host = u.getHost() == null ? String.valueOf(u.getRawAuthority()) : u.getHost();
      if (shortHosts && host.indexOf('.') > 0 && !host.startsWith("[") // an IPv6 address ([::ffff:10.0.0.1])
          && !Character.isDigit(host.charAt(host.length() - 1))) {
        host = host.substring(0, host.indexOf('.'));
      }
      labels.add((oneScheme ? "" : u.getScheme() + "://") + host + (u.getPort() == -1 ? "" : ":" + u.getPort())
          + (onePath || u.getRawPath() == null ? "" : u.getRawPath()));
    }
    return new HashSet<>(labels).size() == labels.size() ? labels : null;
  }
}
