package dev.advmon.http;

import com.sun.net.httpserver.HttpExchange;
import dev.advmon.image.EvidenceOverlay;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DetectorScore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.advmon.health.HealthReport;

/**
 * The operator dashboard: the page and its assets (classpath resources, no CDN) at {@code /}, and the JSON
 * it polls: {@code /api/summary}, {@code /api/alerts}, {@code /api/alerts/{seq}/image.png}.
 *
 * <p>With several instances, the summary and the alerts are those of every instance: each peer's own
 * ({@code ?scope=local}) merged with this one's, and a peer's alert picture is fetched from that peer
 * ({@code ?instance=host:port}, only for instances in the group's metadata). {@code instances} in the JSON
 * says which instances answered.
 *
 * <p>The page runs under a Content-Security-Policy that allows only this server's own scripts and styles, so
 * that even a mistake in escaping the camera's text (attacker-controlled) could not run a script. The server
 * checks every request's Host header (and token) before it gets here ({@link MonitorHttpServer}): a web page
 * elsewhere cannot read the dashboard by DNS rebinding.
 */
final class DashboardRoutes {

  private static final String RESOURCES = "/dev/advmon/dashboard/";
  private static final Map<String, String> ASSETS = Map.of(
      "/", "index.html",
      "/index.html", "index.html",
      "/dashboard.js", "dashboard.js",
      "/dashboard.css", "dashboard.css",
      // declared by the page: without one the browser asked for /favicon.ico, got a 404 and logged an error on each
      // load, and a data: icon is blocked by img-src 'self'
      "/favicon.svg", "favicon.svg",
      // a tab opened on another route (/cameras, /metrics) has no such declaration and asks for /favicon.ico: the same
      // icon, typed image/svg+xml (from its name), which browsers show whatever the path says
      "/favicon.ico", "favicon.svg");
  private static final Pattern IMAGE = Pattern.compile("/api/alerts/(\\d{1,18})/image\\.png");
  private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
      + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  /** The page and its assets, served at these exact paths; the JSON is under {@code /api/}. */
  static final java.util.Set<String> ASSET_PATHS = ASSETS.keySet();

  private final RecentAlerts alerts;
  private final Supplier<MonitorMetrics.Counts> counts;
  private final Supplier<HealthReport> readiness;
  private final Peers peers;
  private final Map<String, byte[]> assets = new LinkedHashMap<>();

  DashboardRoutes(RecentAlerts alerts, Supplier<MonitorMetrics.Counts> counts, Supplier<HealthReport> readiness) {
    this(alerts, counts, readiness, Peers.NONE);
  }

  DashboardRoutes(RecentAlerts alerts, Supplier<MonitorMetrics.Counts> counts, Supplier<HealthReport> readiness,
      Peers peers) {
    this.alerts = alerts;
    this.counts = counts;
    this.readiness = readiness;
    this.peers = peers;
    // Read once at start: a missing asset is a packaging error and should stop the monitor, not a page view.
    for (String name : ASSETS.values()) {
      assets.computeIfAbsent(name, DashboardRoutes::resource);
    }
  }

  void serve(HttpExchange ex, String path) throws IOException {
    ex.getResponseHeaders().set("Referrer-Policy", "no-referrer"); // nosniff and no-store: MonitorHttpServer, for all
    String asset = ASSETS.get(path);
    if (asset != null) {
      ex.getResponseHeaders().set("Content-Security-Policy", CSP);
      MonitorHttpServer.reply(ex, 200, contentType(asset), assets.get(asset));
      return;
    }
    Matcher image = IMAGE.matcher(path);
    boolean local = MonitorHttpServer.localScope(ex) || peers.alone();
    switch (path) {
      case "/api/summary" -> MonitorHttpServer.json(ex, 200, local ? summary() : ClusterDashboard.summary(summary(), peers));
      case "/api/alerts" -> {
        Map<String, Object> mine = Map.of("capacity", alerts.capacity(),
            "alerts", alerts.latest().stream().map(DashboardRoutes::alertJson).toList());
        MonitorHttpServer.json(ex, 200, local ? mine : ClusterDashboard.alerts(mine, alerts.capacity(), peers));
      }
      default -> {
        String instance = image.matches() ? ClusterDashboard.instanceParameter(ex) : null;
        if (instance != null && !instance.equals(peers.selfName())) {
          ClusterDashboard.proxyPicture(ex, peers, instance, image.group(1));
          return;
        }
        var entry = image.matches() ? alerts.bySeq(Long.parseLong(image.group(1))) : java.util.Optional.<RecentAlerts.Entry>empty();
        if (entry.isPresent() && entry.get().picture() != null) {
          ex.getResponseHeaders().set("Cache-Control", "private, max-age=3600"); // a kept alert's picture never changes
          MonitorHttpServer.reply(ex, 200, "image/png", entry.get().picture().png());
        } else if (image.matches()) {
          MonitorHttpServer.json(ex, 404, Map.of("error", "no picture for alert " + image.group(1)
              + ": it has none (a camera-level alert) or it is no longer among the latest " + alerts.capacity()));
        } else {
          MonitorHttpServer.json(ex, 404, Map.of("error", "no such endpoint: " + path
              + "; the dashboard's are /api/summary, /api/alerts and /api/alerts/{seq}/image.png"));
        }
      }
    }
  }

  private Map<String, Object> summary() {
    MonitorMetrics.Counts c = counts.get();
    RecentAlerts.Timeline t = alerts.timeline();
    Map<String, Object> out = new LinkedHashMap<>();
    HealthReport ready = readiness.get();
    out.put("streams", ready.state());
    out.put("ready", ready.up());
    out.put("readyReasons", ready.reasons());
    // the old client is ERROR during a restart in place: the dashboard's badge turned red for what mends itself
    out.put("restarting", ready.restarting());
    out.put("now", System.currentTimeMillis());
    out.put("frames", c.frames());
    out.put("verdicts", c.verdicts());
    out.put("deadLetters", c.deadLetters());
    out.put("alerts", c.alerts());
    out.put("alertsByKind", c.alertsByKind());
    out.put("deadLettersByReason", c.deadLettersByReason());
    out.put("timeline", Map.of("bucketMs", t.bucketMs(), "firstBucketStart", t.firstBucketStart(), "counts", t.counts()));
    return out;
  }

  private static Map<String, Object> alertJson(RecentAlerts.Entry e) {
    Alert a = e.alert();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("seq", e.seq());
    out.put("key", Long.toString(e.seq())); // unique on the page; a peer's alerts get the peer's name added
    out.put("alertId", a.getAlertId());
    out.put("kind", a.getKind());
    out.put("severity", String.valueOf(a.getSeverity()));
    out.put("cameraId", a.getCameraId());
    out.put("frameId", a.getFrameId());
    out.put("sourceId", a.getSourceId());
    out.put("time", a.getTime() == null ? null : a.getTime().toEpochMilli());
    out.put("receivedAt", e.receivedAt());
    out.put("predictedLabel", a.getPredictedLabel());
    out.put("confidence", a.getConfidence());
    out.put("explanation", a.getExplanation());
    out.put("reasons", a.getReasons());
    List<Map<String, Object>> scores = new ArrayList<>();
    for (DetectorScore s : a.getScores()) {
      scores.add(Map.of("detector", s.getDetector(), "score", s.getScore(), "threshold", s.getThreshold(),
          "flagged", s.getFlagged()));
    }
    out.put("scores", scores);
    out.put("evidence", a.getEvidence());
    out.put("image", e.picture() == null ? null : Map.of("url", "/api/alerts/" + e.seq() + "/image.png",
        "width", e.picture().width(), "height", e.picture().height()));
    EvidenceOverlay o = e.overlay();
    if (o != null) {
      StringBuilder cells = new StringBuilder(o.cells().length);
      for (boolean c : o.cells()) {
        cells.append(c ? '1' : '0');
      }
      out.put("overlay", Map.of("rows", o.rows(), "cols", o.cols(), "cells", cells.toString(), "selected", o.selected()));
    } else {
      out.put("overlay", null);
    }
    out.put("overlayProblem", e.overlayProblem());
    return out;
  }

  /** The page's icon, which the server also answers {@code /favicon.ico} with when the dashboard is off. */
  static byte[] icon() {
    return resource("favicon.svg");
  }

  private static String contentType(String asset) {
    if (asset.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (asset.endsWith(".svg")) {
      return "image/svg+xml";
    }
    return asset.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
  }

  private static byte[] resource(String name) {
    try (InputStream in = DashboardRoutes.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("dashboard asset " + RESOURCES + name + " is missing from the classpath; "
            + "rebuild stream-app (mvn -pl stream-app package)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
