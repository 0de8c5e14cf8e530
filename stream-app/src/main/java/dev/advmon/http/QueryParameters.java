package dev.advmon.http;

import dev.advmon.campaign.CameraDirectory;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The query parameters each JSON route takes ({@code /cameras}, {@code /cameras/{id}}, {@code /api/*}). A parameter it
 * does not take is refused rather than ignored: {@code ?limt=5} answered the whole list and {@code ?scope=Local}
 * every instance's, as if the question had been asked right. The health probes, {@code /metrics} and the page's assets
 * are not checked: a scraper's or a probe's parameters change nothing there, and refusing them would fail it.
 */
final class QueryParameters {

  private static final String SCOPE = "?scope=local (this instance's part only)";
  private static final Pattern PICTURE = Pattern.compile("/api/alerts/[^/]+/image\\.png");
  private static final int QUOTED = 64;

  private QueryParameters() {
  }

  /** Why {@code rawQuery} does not fit the route at {@code path}; null when it does or the route is not checked. */
  static String problem(String path, String rawQuery) {
    Route route = route(path);
    if (route == null || rawQuery == null) {
      return null;
    }
    boolean local = false;
    boolean standby = false;
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (!route.takes().containsKey(name)) {
        return "unknown query parameter '" + quote(name) + "' on " + route.name() + ": it takes "
            + (route.takes().size() == 1 ? "only " : "") + String.join(" and ", route.takes().values());
      }
      if (name.equals("scope") && !value.equals("local")) {
        return "?scope= takes only 'local' (this instance's part only), not '" + quote(value) + "'; leave it out "
            + "for the answer of every instance";
      }
      if (name.equals(StandbyCameras.PARAMETER) && !value.equals("true")) {
        return "?standby= takes only 'true', not '" + quote(value) + "'";
      }
      local |= name.equals("scope");
      standby |= name.equals(StandbyCameras.PARAMETER);
    }
    // the merged answer reads the standby replicas by itself, whenever an instance does not answer
    return standby && !local ? "?standby=true goes only with ?scope=local (this instance's part only)" : null;
  }

  private record Route(String name, Map<String, String> takes) {
  }

  private static Route route(String path) {
    if (path.equals("/cameras") || path.equals("/cameras/")) {
      return new Route("/cameras", ordered("limit", "?limit=N (1 to " + CameraDirectory.MAX_LISTED + ")",
          "scope", SCOPE,
          StandbyCameras.PARAMETER, "?standby=true (with ?scope=local: its standby replicas' cameras too, which may be "
              + "stale)"));
    }
    if (path.startsWith("/cameras/")) {
      return new Route("/cameras/{id}", ordered("scope", SCOPE, StandbyCameras.PARAMETER, "?standby=true (with "
          + "?scope=local: its standby replica's copy, which may be stale)"));
    }
    if (path.equals("/api/summary") || path.equals("/api/alerts")) {
      return new Route(path, Map.of("scope", SCOPE));
    }
    if (PICTURE.matcher(path).matches()) {
      return new Route("/api/alerts/{seq}/image.png", ordered("instance",
          "?instance=host:port (the instance that holds the alert)", "scope", SCOPE));
    }
    return null; // not a JSON route, or no such route: the 404 says so
  }

  /** Names and what each takes, in the order the message lists them. */
  private static Map<String, String> ordered(String... namesAndWhat) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < namesAndWhat.length; i += 2) {
      m.put(namesAndWhat[i], namesAndWhat[i + 1]);
    }
    return m;
  }

  /** A query parameter's name or value decoded, as every route reads it; "%zz" taken as written, to be named. */
  static String decode(String raw) {
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) { // "%zz": named as written
      return raw;
    }
  }

  /** The client's own text, cut: the answer names it, it need not echo a megabyte of it. */
  private static String quote(String s) {
    return s.length() <= QUOTED ? s : s.substring(0, QUOTED) + "...";
  }
}
