package dev.advmon.health;

import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistryRequestException;
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

  /**
   * The heading where at least one URL answered (an HTTP error, a refused login, a certificate, a TLS handshake): "no
   * registry.url answered" there sent the operator to the network for a registry that had answered 503.
   */
  private static final String HEAD_ANSWERED = "each registry.url failed: ";
  /**
   * The heading where a URL answered but not every URL failed: one not asked or tried (a refusal or the call's deadline
   * ended the call first), or one that accepted the login beside one that refused it. "each registry.url failed" said
   * those failed too.
   */
  private static final String HEAD_EACH = "at each registry.url: ";
  private static final String CUT = "; requests cut to the call's deadline (two thirds of"
      + " streams.transaction-timeout-ms, half of it per URL)";
  private static final String CHECK = "; check that the registry runs behind each";

  private EachRegistryUrl() {}

  /**
   * What to check after the URLs, where each failed alike: for HTTP errors the registry's log and its proxy, for a
   * refused login the credentials, for URLs that are not the API root their paths, for failed TLS handshakes the
   * scheme; where each refused its certificate (each answered: no outage), the trust store, or, where each trusted
   * certificate names another host (RegistryProbe's rule for one URL), the host names in registry.url, which the trust
   * store does not mend; for outages whether a registry runs behind each, and where each answered at an earlier try
   * of the wait, whether it restarted. Nothing where they failed differently: each URL then has its own advice.
   */
  private static String note(Map<String, String> failures) {
    if (mixed(failures)) {
      return ""; // each URL has its own advice ({@link #advice})
    }
    Kind kind = kind(failures.values().iterator().next());
    if (kind == Kind.ERROR) {
      return "; check the registry's log, and the load balancer or proxy in front of it";
    }
    if (kind == Kind.LOGIN) {
      return "; check registry.basic-auth.user-info and that user's rights on the registry";
    }
    if (kind == Kind.NOT_ROOT) {
      return "; check the path of each registry.url (the registry's API root)";
    }
    if (kind == Kind.TLS) {
      return "; check that registry.url says https only where the registry speaks TLS";
    }
    if (kind == Kind.SILENT_AFTER_ANSWER) {
      return "; each answered earlier: check whether the registry restarted, and the network to it";
    }
    if (kind == Kind.CLIENT_CERTIFICATE) {
      return "; " + CLIENT_KEY_STORE + ", and that the registry trusts its CA"
          + (failures.values().stream().allMatch(EachRegistryUrl::noCipherPerhaps) ? ", or its TLS ciphers" : "");
    }
    if (failures.values().stream().allMatch(HttpSchemaRegistryClient.CERTIFICATE_FOR_ANOTHER_HOST::equals)) {
      return "; use host names in registry.url that the certificates name, or have them reissued";
    }
    if (failures.values().stream().allMatch(f -> f.startsWith("host name does not resolve"))) {
      // no registry to look for behind a name that does not resolve: "check that the registry runs" sent the operator
      // to the pods of a mistyped Service name
      return "; check the host names in registry.url and this host's DNS"; // short: the names fill the line
    }
    if (failures.values().stream().allMatch(EachRegistryUrl::outOfValidity)) {
      return "; renew them, or set this host's clock right"; // short: the dates fill the line
    }
    return failures.values().stream().allMatch(HttpSchemaRegistryClient.CERTIFICATE_NOT_TRUSTED::equals)
        ? "; check registry.ssl.truststore.location" : CHECK;
  }

  /**
   * What a URL did, by its failure's words (HttpSchemaRegistryClient's, in its failures map): each kind has its own
   * advice. OUTAGE is any failure without an answer (refused, silent, a host name that does not resolve, not tried);
   * SILENT_AFTER_ANSWER one that answered at an earlier try of the start-up's wait ({@link RegistryWaitHistory}).
   */
  private enum Kind {
    OUTAGE, SILENT_AFTER_ANSWER, ERROR, LOGIN, NOT_ROOT, CERTIFICATE, CLIENT_CERTIFICATE, TLS, ANSWERED
  }

  /**
   * What to check at a URL that answered at an earlier try and not at the last: "check that a registry runs there" (an
   * outage's) sent the operator to look for a registry that had answered during the same wait.
   */
  private static final String SILENT_AFTER_ANSWER_ADVICE = "it answered earlier: check whether it restarted, and the"
      + " network to it";

  /** What to check where the registry refused this host's client certificate, or wanted one. */
  private static final String CLIENT_KEY_STORE = "check registry.ssl.keystore.location";

  private static Kind kind(String failure) {
    if (failure.contains(EARLIER)) {
      return Kind.SILENT_AFTER_ANSWER; // no answer at the last try that reached it: its own words say which answer
    }
    if (failure.equals(HttpSchemaRegistryClient.LOGIN_ACCEPTED)) {
      return Kind.ANSWERED; // beside a URL that refused the login: nothing to do here
    }
    if (failure.startsWith("HTTP 401") || failure.startsWith("HTTP 403")) {
      return Kind.LOGIN;
    }
    if (failure.startsWith("HTTP ")) {
      return Kind.ERROR;
    }
    if (failure.startsWith("not the API root")) {
      return Kind.NOT_ROOT;
    }
    if (failure.startsWith(HttpSchemaRegistryClient.CLIENT_CERTIFICATE)) {
      return Kind.CLIENT_CERTIFICATE; // the registry refused ours: not this host's trust store
    }
    if (failure.equals(HttpSchemaRegistryClient.CERTIFICATE_NOT_TRUSTED)
        || failure.equals(HttpSchemaRegistryClient.CERTIFICATE_FOR_ANOTHER_HOST) || outOfValidity(failure)) {
      return Kind.CERTIFICATE;
    }
    return failure.equals("TLS handshake failed") ? Kind.TLS : Kind.OUTAGE;
  }

  /**
   * Whether the URLs failed in ways that want different fixes (a 503 beside a refused connection, a refused login
   * beside a silent URL): one note at the end ("check that the registry runs behind each") then told the wrong thing
   * of some, so each URL gets its own advice instead; so do certificates refused for different reasons (one not
   * trusted, one expired). The outages (refused, silent, not resolved) share one note.
   */
  private static boolean mixed(Map<String, String> failures) {
    return failures.values().stream().map(f -> kind(f) == Kind.CERTIFICATE ? advice(f) : kind(f).name()).distinct()
        .count() > 1;
  }

  /** What to do about one URL's {@code failure}, in a few words, for a line where the URLs failed differently. */
  private static String advice(String failure) {
    switch (kind(failure)) {
      case LOGIN:
        return "check registry.basic-auth.user-info";
      case ERROR:
        return "check its log and any proxy in front";
      case NOT_ROOT:
        return "check its path in registry.url";
      case TLS:
        return "check http or https in registry.url";
      case CLIENT_CERTIFICATE:
        return CLIENT_KEY_STORE + (noCipherPerhaps(failure) ? ", or its TLS ciphers" : "");
      case ANSWERED:
        return null;
      case SILENT_AFTER_ANSWER:
        return SILENT_AFTER_ANSWER_ADVICE;
      case CERTIFICATE:
        return failure.equals(HttpSchemaRegistryClient.CERTIFICATE_NOT_TRUSTED)
            ? "check registry.ssl.truststore.location"
            : failure.equals(HttpSchemaRegistryClient.CERTIFICATE_FOR_ANOTHER_HOST) ? "use a host name it names"
            : "renew it, or set this host's clock right";
      default:
        if (unasked(failure)) {
          return null; // nothing to do about it: another URL's failure ended the call first
        }
        if (failure.startsWith("host name does not resolve")) {
          return "check the host name and DNS";
        }
        return failure.startsWith("no answer") ? "check that it runs and is reachable"
            : "check that a registry runs there";
    }
  }

  /** Each failure, with its own advice in parentheses where {@code withAdvice}. */
  private static List<String> words(Map<String, String> failures, boolean withAdvice) {
    List<String> out = new ArrayList<>();
    for (String failure : failures.values()) {
      String advice = withAdvice ? advice(failure) : null;
      out.add(advice == null ? failure : failure + " (" + advice + ")");
    }
    return out;
  }

  /** Whether any URL answered (an HTTP error, a refused login, a certificate, a TLS handshake): not an outage there. */
  private static boolean anyAnswered(Map<String, String> failures) {
    return failures.values().stream().anyMatch(EachRegistryUrl::answered);
  }

  private static String head(Map<String, String> failures) {
    if (!anyAnswered(failures)) {
      return HEAD;
    }
    return failures.values().stream().allMatch(f -> kind(f) != Kind.ANSWERED && !unasked(f)) ? HEAD_ANSWERED
        : HEAD_EACH;
  }

  /**
   * Whether {@code failure} is a handshake_failure alert, which a server sends where it shares no cipher suite with
   * Java's as well as where it wanted a client certificate: the key store alone would be the wrong advice.
   */
  private static boolean noCipherPerhaps(String failure) {
    return failure.contains(HttpSchemaRegistryClient.HANDSHAKE_FAILURE);
  }

  /** Whether {@code failure} tells of a URL not asked at all: another URL's failure, or a deadline, came first. */
  static boolean unasked(String failure) {
    return failure.startsWith("not tried") || failure.startsWith("not asked");
  }

  /**
   * How the registry stands after a start-up try that failed with {@code e} at several URLs, for the give-up's
   * heading: "still unreachable" where none answered, "answered, but start-up's requests still failed" where each
   * did, and which of the two at how many URLs where they differ (two 503s, or a 503 beside a refused connection, read
   * "still unreachable" before). Null where {@code e} tells of one URL only.
   */
  public static String state(Exception e) {
    Map<String, String> failures = failures(e);
    return failures == null ? null : state(failures);
  }

  /**
   * As {@link #state(Exception)}, of each URL's words ({@link RegistryWaitHistory}'s over a whole wait, where a URL
   * that answered at an earlier try counts as answered); a URL that no try reached is "not tried", not "still
   * unreachable": nothing was asked there, the call's deadline was spent on the other URLs.
   */
  static String state(Map<String, String> failures) {
    long answered = failures.values().stream().filter(EachRegistryUrl::answered).count();
    long untried = failures.values().stream().filter(EachRegistryUrl::unasked).count();
    long silent = failures.size() - answered - untried;
    if (answered == failures.size()) {
      return "answered, but start-up's requests still failed";
    }
    if (answered == 0 && untried == 0) {
      return "still unreachable";
    }
    if (untried == failures.size()) {
      return "not tried at any of its URLs" + UNTRIED;
    }
    String[] parts = {"answered at %s, but start-up's requests still failed there", "still unreachable at %s",
        "not tried at %s" + UNTRIED};
    long[] counts = {answered, silent, untried};
    List<String> out = new ArrayList<>();
    int last = counts[2] > 0 ? 2 : counts[1] > 0 ? 1 : 0;
    for (int i = 0; i < parts.length; i++) {
      if (counts[i] == 0) {
        continue;
      }
      String where = out.isEmpty() ? counts[i] + " of its " + failures.size() + " URLs"
          : i == last ? (counts[i] == 1 ? "the other" : "the other " + counts[i]) : String.valueOf(counts[i]);
      out.add(String.format(parts[i], where));
    }
    return String.join("; ", out);
  }

  /** Why a URL was not tried, in the give-up's heading. */
  private static final String UNTRIED = " (the call's deadline was spent before its turn)";

  /**
   * How a URL's words end where it answered at an earlier try of the wait but not at its last
   * ({@link RegistryWaitHistory}): "no answer within 10000 ms, earlier HTTP 503".
   */
  static final String EARLIER = ", earlier ";

  /** Whether the URL of {@code failure} answered (at its last try, or an earlier one of the wait): no outage there. */
  static boolean answered(String failure) {
    return kind(failure) != Kind.OUTAGE;
  }

  /** Whether each URL answered with an HTTP error (503, a proxy's 502): the registry answers, but fails. */
  static boolean allHttpErrors(Map<String, String> failures) {
    return failures.values().stream().allMatch(f -> kind(f) == Kind.ERROR);
  }

  /** Whether each URL's failure is a certificate this host refused (not trusted, another host's, out of validity). */
  static boolean allCertificatesRefused(Map<String, String> failures) {
    return failures.values().stream().allMatch(f -> f.equals(HttpSchemaRegistryClient.CERTIFICATE_NOT_TRUSTED)
        || f.equals(HttpSchemaRegistryClient.CERTIFICATE_FOR_ANOTHER_HOST) || outOfValidity(f));
  }

  /** Whether each URL's TLS alert refused this host's client certificate, or wanted one. */
  static boolean allClientCertificatesRefused(Map<String, String> failures) {
    return failures.values().stream().allMatch(f -> kind(f) == Kind.CLIENT_CERTIFICATE);
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
    Map<String, String> failures = failures(e);
    if (failures == null) {
      return null;
    }
    List<URI> urls = failures.keySet().stream().map(URI::create).toList();
    List<String> words = List.copyOf(failures.values());
    String note = cutByDeadline(e) ? CUT : note(failures);
    String head = head(failures);
    String entries;
    // what to do (the note, or each URL's own advice where they failed differently) goes before the whole host names,
    // which are shortened first; the advice is dropped last (after the note), before the entries are cut
    boolean[] advice = mixed(failures) ? new boolean[] {true, false} : new boolean[] {false};
    for (String end : new String[] {note, ""}) {
      for (boolean withAdvice : advice) {
        for (boolean shortHosts : new boolean[] {false, true}) {
          List<String> labels = labels(urls, shortHosts);
          if (labels == null) {
            break;
          }
          entries = head + join(labels, words(failures, withAdvice));
          if (entries.length() + end.length() <= room) {
            return entries + end;
          }
        }
      }
    }
    // still too long (many URLs): the URLs that failed alike share their words, and where the names share a
    // beginning and an end (schema-registry-0:8081 ... schema-registry-9:8081), those are written once and each URL
    // by what tells it apart. The equal share below cut ten in-cluster names to "schema-regist..." each: no URL told
    // apart, no failure left
    List<String> labels = labels(urls, true);
    labels = labels != null ? labels : labels(urls, false);
    labels = labels != null ? labels : urls.stream().map(URI::toString).toList();
    for (String end : new String[] {note, ""}) {
      for (boolean withAdvice : advice) {
        for (boolean shared : new boolean[] {false, true}) {
          String grouped = grouped(head, labels, words(failures, withAdvice), shared);
          if (grouped != null && grouped.length() + end.length() <= room) {
            return grouped + end;
          }
        }
      }
    }
    // each entry gets an equal share, each URL by what tells it apart where the names share a beginning or an end
    Shared common = Shared.of(labels);
    if (common != null) {
      head = common.head(head);
      labels = common.names();
    }
    int share = Math.max(12, (room - head.length()) / urls.size() - 2);
    List<String> cut = new ArrayList<>();
    for (int i = 0; i < urls.size(); i++) {
      String entry = labels.get(i) + ": " + words.get(i);
      cut.add(entry.length() <= share ? entry : entry.substring(0, share - 3) + "...");
    }
    entries = head + String.join("; ", cut);
    return entries.length() <= room ? entries : entries.substring(0, room - 3) + "...";
  }

  /**
   * {@code head} and the URLs by what they did, those that did alike together ("a:8081, c:8081: connection refused;
   * b:8081: HTTP 503"); with {@code shared}, the beginning and end that every label shares written once in the heading,
   * each URL by the rest ("no registry.url answered (schema-registry-<n>:8081): 0, 2: connection refused; 1: HTTP
   * 503"), or null where they share none.
   */
  private static String grouped(String head, List<String> labels, List<String> words, boolean shared) {
    List<String> names = labels;
    if (shared) {
      Shared common = Shared.of(labels);
      if (common == null) {
        return null;
      }
      names = common.names();
      head = common.head(head);
    }
    java.util.LinkedHashMap<String, List<String>> byWords = new java.util.LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      byWords.computeIfAbsent(words.get(i), w -> new ArrayList<>()).add(names.get(i));
    }
    List<String> out = new ArrayList<>();
    byWords.forEach((w, ns) -> out.add(String.join(", ", ns) + ": " + w));
    return head + String.join("; ", out);
  }

  /**
   * The beginning and end that every label shares, cut to whole words ("schema-registry-" and ":8081", never "8081"
   * cut to "081"), as {@code pattern} ("schema-registry-<n>:8081"), and each label by the rest ({@code names}).
   */
  private record Shared(String pattern, List<String> names) {

    /**
     * Null where the labels share no beginning or end, or nothing would be left of one, or one is an IPv6 address
     * (whose shared part would end inside its brackets).
     */
    static Shared of(List<String> labels) {
      if (labels.stream().anyMatch(l -> l.contains("["))) {
        return null;
      }
      String first = labels.get(0);
      int prefix = first.length();
      int suffix = first.length();
      for (String label : labels) {
        prefix = Math.min(prefix, commonPrefix(first, label));
        suffix = Math.min(suffix, commonSuffix(first, label));
      }
      while (prefix > 0 && Character.isLetterOrDigit(first.charAt(prefix - 1))) {
        prefix--;
      }
      while (suffix > 0 && Character.isLetterOrDigit(first.charAt(first.length() - suffix))) {
        suffix--;
      }
      int shortest = labels.stream().mapToInt(String::length).min().orElse(0);
      if (prefix + suffix == 0 || prefix + suffix >= shortest) {
        return null;
      }
      int p = prefix;
      int q = suffix;
      return new Shared(first.substring(0, p) + "<n>" + first.substring(first.length() - q),
          labels.stream().map(l -> l.substring(p, l.length() - q)).toList());
    }

    /** {@code head} ("no registry.url answered: ") with the pattern: "no registry.url answered (x-<n>:8081): ". */
    String head(String head) {
      return head.substring(0, head.length() - 2) + " (" + pattern + "): ";
    }
  }

  private static int commonPrefix(String a, String b) {
    int n = 0;
    while (n < a.length() && n < b.length() && a.charAt(n) == b.charAt(n)) {
      n++;
    }
    return n;
  }

  private static int commonSuffix(String a, String b) {
    int n = 0;
    while (n < a.length() && n < b.length() && a.charAt(a.length() - 1 - n) == b.charAt(b.length() - 1 - n)) {
      n++;
    }
    return n;
  }

  /**
   * Each URL, whole, and how its last request failed, then what the call's deadline did: for a log line, which has the
   * room that a readiness reason has not (nothing is shortened or cut). Null where {@code e} tells of one URL only.
   */
  public static String whole(Exception e) {
    Map<String, String> failures = failures(e);
    return failures == null ? null : whole(failures, cutByDeadline(e));
  }

  /** As {@link #whole(Exception)}, of each URL's words, {@code cut} where the call's deadline cut a request short. */
  static String whole(Map<String, String> failures, boolean cut) {
    return head(failures) + join(List.copyOf(failures.keySet()), words(failures, mixed(failures)))
        + (cut ? CUT : note(failures));
  }

  /**
   * What stops the monitor where the registry refused its login (401/403, {@code e}) at one of several URLs: each URL,
   * what it did and what to check there, then the refusal's words; the refusal's message named the refusing URL alone,
   * a silent one beside it dropped. The start-up's stop and a running monitor's alike. Null where {@code e} is no
   * refused login, or tells of one URL only (its message names it, and what to fix).
   */
  public static String refusedLogin(Exception e) {
    Map<String, String> failures = refusedLoginFailures(e);
    if (failures == null) {
      return null;
    }
    return "schema registry at " + String.join(",", failures.keySet()) + " (registry.url) refused the monitor's login: "
        + whole(e) + RegistryProbe.clientWords(e);
  }

  /** Each URL to what it did where {@code e} is a refused login that asked several URLs; null otherwise. */
  private static Map<String, String> refusedLoginFailures(Exception e) {
    return e instanceof RegistryRequestException refused && refused.authenticationFailed() ? failures(e) : null;
  }

  /**
   * As {@link #refusedLogin(Exception)}, in at most {@code room} characters, for readiness and liveness: the whole ran
   * to about 1000 with three in-cluster URLs (each URL twice, in full, then the refusal's words). Each URL is named
   * once, as short as {@link #reason} makes it, with what it did; the refusal's words are left to the log line, which
   * has the whole. Null as {@link #refusedLogin(Exception)}.
   */
  public static String refusedLogin(Exception e, int room) {
    if (refusedLoginFailures(e) == null) {
      return null;
    }
    String head = "schema registry (registry.url) refused the monitor's login: ";
    return head + reason(e, room - head.length());
  }

  /**
   * Each URL of {@code e} to how it failed, where {@code e} tells of several: an outage's, or a refused login's that
   * asked the other URLs too; null where it tells of one URL only.
   */
  static Map<String, String> failures(Exception e) {
    Map<String, String> failures = e instanceof RegistryUnavailableException unavailable ? unavailable.failures()
        : e instanceof RegistryRequestException refused ? refused.failures() : Map.of();
    return failures.size() >= 2 ? failures : null;
  }

  static boolean cutByDeadline(Exception e) {
    return e instanceof RegistryUnavailableException unavailable && unavailable.cutByDeadline();
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
