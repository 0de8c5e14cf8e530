package dev.advmon.registry;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable settings of a registry client and of the serdes built on it.
 *
 * <p>Build with {@link #builder(String)} in code, or {@link #fromConfig(Map)} from Kafka client configs
 * (the Confluent key names where Confluent has one, so that existing configs keep working).
 * {@link #toString()} masks passwords, so settings can be logged.
 *
 * @param urls registry base URLs, tried in order (e.g. {@code http://reg:8081}, or Apicurio's
 *     {@code http://reg:8080/apis/ccompat/v7})
 * @param basicAuthUser user for HTTP basic auth, or null for none
 * @param basicAuthPassword password for HTTP basic auth
 * @param truststore trust store for TLS, or null for the JVM's default trust
 * @param keystore client key store for mutual TLS, or null
 * @param connectTimeout TCP/TLS connect timeout
 * @param requestTimeout time allowed for one request's response
 * @param maxRetries retries (rounds over all URLs) after the first, for connection failures, 5xx, 429 and 408
 * @param initialBackoff wait before the first retry; doubled per retry, with jitter
 * @param maxBackoff upper bound of one wait
 * @param autoRegister whether serializers register their schema (false: the schema must already be there)
 * @param unknownIdCacheTtl how long a "schema id not found" answer is remembered (zero: not at all)
 * @param callDeadline total time one call may take over all its retries; null = no limit but the retries
 */
public record RegistrySettings(
    List<URI> urls,
    String basicAuthUser,
    String basicAuthPassword,
    Store truststore,
    Store keystore,
    Duration connectTimeout,
    Duration requestTimeout,
    int maxRetries,
    Duration initialBackoff,
    Duration maxBackoff,
    boolean autoRegister,
    Duration unknownIdCacheTtl,
    Duration callDeadline) {

  public static final String URL = "schema.registry.url";
  public static final String AUTO_REGISTER = "auto.register.schemas";
  public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
  public static final String TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
  public static final String TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
  public static final String TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
  public static final String KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
  public static final String KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
  public static final String KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
  public static final String CONNECT_TIMEOUT_MS = "schema.registry.connect.timeout.ms";
  public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";
  public static final String MAX_RETRIES = "schema.registry.max.retries";
  public static final String RETRY_BACKOFF_MS = "schema.registry.retry.backoff.ms";
  public static final String RETRY_BACKOFF_MAX_MS = "schema.registry.retry.backoff.max.ms";

  /** A key or trust store file; type is a KeyStore type such as PKCS12 or JKS. */
  public record Store(Path path, String type, String password) {
    public Store {
      Objects.requireNonNull(path, "store path");
      type = type == null || type.isBlank() ? "PKCS12" : type;
    }

    /** The store's contents, as the registry client and the certificate expiry watch both read them. */
    public java.security.KeyStore read() throws java.security.GeneralSecurityException, java.io.IOException {
      java.security.KeyStore ks = java.security.KeyStore.getInstance(type);
      try (java.io.InputStream in = java.nio.file.Files.newInputStream(path)) {
        ks.load(in, password == null ? null : password.toCharArray());
      }
      return ks;
    }

    @Override
    public String toString() {
      return "Store[" + path + ", " + type + ", password=" + (password == null ? "none" : "****") + "]";
    }
  }

  public RegistrySettings {
    urls = List.copyOf(urls);
    if (urls.isEmpty()) {
      throw new IllegalArgumentException(URL + " must name at least one registry URL");
    }
    for (URI url : urls) {
      String scheme = url.getScheme();
      if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) && !"mock".equals(scheme)) {
        throw new IllegalArgumentException(URL + " entries must be http:// or https:// URLs (or mock://name "
            + "for an in-memory registry), got '" + masked(url) + "'");
      }
      if (url.getRawUserInfo() != null) {
        // java.net.http does not send a URL's user info, and the URLs appear in every registry error, log line and
        // dead letter: the password would leak there while the registry answered 401.
        throw new IllegalArgumentException(URL + " entry '" + masked(url) + "' carries user info: take it out of "
            + "the URL and give it as " + BASIC_AUTH_USER_INFO + " (the monitor: registry.basic-auth.user-info)");
      }
    }
    if (basicAuthUser != null && basicAuthPassword == null) {
      throw new IllegalArgumentException("basic auth user '" + basicAuthUser + "' has no password");
    }
    requirePositive(connectTimeout, "connect timeout");
    requirePositive(requestTimeout, "request timeout");
    requirePositive(initialBackoff, "initial backoff");
    requirePositive(maxBackoff, "max backoff");
    if (maxRetries < 0) {
      throw new IllegalArgumentException("max retries must be >= 0, got " + maxRetries);
    }
    if (unknownIdCacheTtl == null || unknownIdCacheTtl.isNegative()) {
      throw new IllegalArgumentException("unknown-id cache time must be zero or positive, got " + unknownIdCacheTtl);
    }
    if (callDeadline != null) {
      requirePositive(callDeadline, "call deadline");
    }
  }

  /**
   * Time one request may take inside a call with a deadline: with several URLs, at most half the deadline, so that
   * one URL that hangs (a replica stopped with SIGSTOP, a black-holed address) leaves the next the other half. Before,
   * the default 10 s request timeout against a 3.3 s deadline (a 5 s transaction timeout) let the first URL spend all
   * of it: the others were never asked. With one URL the request keeps the whole deadline: a slow registry (a distant
   * region, a cold TLS connection) that answers in 2 s would otherwise time out on every try.
   */
  public Duration requestTimeoutInCall() {
    if (callDeadline == null || urls.size() < 2) {
      return requestTimeout;
    }
    Duration half = callDeadline.dividedBy(2);
    return half.compareTo(requestTimeout) < 0 ? half : requestTimeout;
  }

  /** {@code url} for messages, anything before an '@' in its authority (user:password) replaced by ****. */
  private static String masked(URI url) {
    String text = url.toString();
    if (url.getRawUserInfo() != null) {
      return text.replace(url.getRawUserInfo() + "@", "****@");
    }
    int at = text.indexOf('@');
    return at < 0 ? text : "****" + text.substring(at);
  }

  private static void requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
  }

  public static Builder builder(String urls) {
    return new Builder(urls);
  }

  /** The URLs as one comma-separated string, for messages. */
  public String urlList() {
    return String.join(",", urls.stream().map(URI::toString).toList());
  }

  /** The in-memory scope when the (single) URL is {@code mock://scope}. */
  public Optional<String> mockScope() {
    URI first = urls.get(0);
    return "mock".equals(first.getScheme()) ? Optional.of(first.getAuthority()) : Optional.empty();
  }

  /**
   * Reads Kafka-client style configs. Only {@value #URL} is required; unknown keys are ignored because a
   * serde sees the whole client config.
   */
  public static RegistrySettings fromConfig(Map<String, ?> configs) {
    Object url = configs.get(URL);
    if (url == null || url.toString().isBlank()) {
      throw new IllegalArgumentException("missing " + URL + " (e.g. http://localhost:8081)");
    }
    Builder b = builder(url.toString());
    String userInfo = string(configs, BASIC_AUTH_USER_INFO);
    if (userInfo != null && !userInfo.isEmpty()) {
      int colon = userInfo.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(BASIC_AUTH_USER_INFO + " must be user:password");
      }
      b.basicAuth(userInfo.substring(0, colon), userInfo.substring(colon + 1));
    }
    String trust = string(configs, TRUSTSTORE_LOCATION);
    if (trust != null && !trust.isEmpty()) {
      b.truststore(new Store(Path.of(trust), string(configs, TRUSTSTORE_TYPE), string(configs, TRUSTSTORE_PASSWORD)));
    }
    String key = string(configs, KEYSTORE_LOCATION);
    if (key != null && !key.isEmpty()) {
      b.keystore(new Store(Path.of(key), string(configs, KEYSTORE_TYPE), string(configs, KEYSTORE_PASSWORD)));
    }
    Long v;
    if ((v = number(configs, CONNECT_TIMEOUT_MS)) != null) b.connectTimeout(Duration.ofMillis(v));
    if ((v = number(configs, REQUEST_TIMEOUT_MS)) != null) b.requestTimeout(Duration.ofMillis(v));
    if ((v = number(configs, MAX_RETRIES)) != null) b.maxRetries(Math.toIntExact(v));
    if ((v = number(configs, RETRY_BACKOFF_MS)) != null) b.initialBackoff(Duration.ofMillis(v));
    if ((v = number(configs, RETRY_BACKOFF_MAX_MS)) != null) b.maxBackoff(Duration.ofMillis(v));
    String auto = string(configs, AUTO_REGISTER);
    if (auto != null) {
      if (!auto.equalsIgnoreCase("true") && !auto.equalsIgnoreCase("false")) {
        throw new IllegalArgumentException(AUTO_REGISTER + " must be true or false, got '" + auto + "'");
      }
      b.autoRegister(Boolean.parseBoolean(auto));
    }
    return b.build();
  }

  private static String string(Map<String, ?> configs, String key) {
    Object v = configs.get(key);
    if (v == null) {
      return null;
    }
    // Kafka passes passwords as org.apache.kafka.common.config.types.Password, whose toString hides them.
    if (v instanceof org.apache.kafka.common.config.types.Password p) {
      return p.value();
    }
    return v.toString().trim();
  }

  private static Long number(Map<String, ?> configs, String key) {
    String s = string(configs, key);
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + s + "'", e);
    }
  }

  @Override
  public String toString() {
    return "RegistrySettings[urls=" + urls + ", basicAuthUser=" + basicAuthUser
        + ", basicAuthPassword=" + (basicAuthPassword == null ? "none" : "****")
        + ", truststore=" + truststore + ", keystore=" + keystore
        + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
        + ", maxRetries=" + maxRetries + ", initialBackoff=" + initialBackoff + ", maxBackoff=" + maxBackoff
        + ", autoRegister=" + autoRegister + ", unknownIdCacheTtl=" + unknownIdCacheTtl
        + ", callDeadline=" + callDeadline + "]";
  }

  /** Builder with the defaults: 5 s connect, 10 s request, 3 retries, 100 ms to 5 s backoff, auto-register. */
  public static final class Builder {
    private final List<URI> urls = new ArrayList<>();
    private String user;
    private String password;
    private Store truststore;
    private Store keystore;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private int maxRetries = 3;
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private boolean autoRegister = true;
    private Duration unknownIdCacheTtl = Duration.ofSeconds(60);
    private Duration callDeadline;

    private Builder(String commaSeparatedUrls) {
      Objects.requireNonNull(commaSeparatedUrls, URL);
      Arrays.stream(commaSeparatedUrls.split(","))
          .map(String::trim)
          .filter(s -> !s.isEmpty())
          .forEach(s -> {
            try {
              urls.add(URI.create(s));
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException(URL + ": '" + s + "' is not a URL", e);
            }
          });
    }

    public Builder basicAuth(String user, String password) {
      this.user = user;
      this.password = password;
      return this;
    }

    public Builder truststore(Store truststore) {
      this.truststore = truststore;
      return this;
    }

    public Builder keystore(Store keystore) {
      this.keystore = keystore;
      return this;
    }

    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    public Builder maxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
      return this;
    }

    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
      return this;
    }

    public Builder autoRegister(boolean autoRegister) {
      this.autoRegister = autoRegister;
      return this;
    }

    /** How long "schema id not found" is remembered, so that a burst of such records costs one call. */
    public Builder unknownIdCacheTtl(Duration ttl) {
      this.unknownIdCacheTtl = ttl;
      return this;
    }

    /** Total time one call may take over all its retries (each attempt's timeout is cut to what is left). */
    public Builder callDeadline(Duration deadline) {
      this.callDeadline = deadline;
      return this;
    }

    public RegistrySettings build() {
      return new RegistrySettings(urls, user, password, truststore, keystore, connectTimeout, requestTimeout,
          maxRetries, initialBackoff, maxBackoff, autoRegister, unknownIdCacheTtl, callDeadline);
    }
  }
}
