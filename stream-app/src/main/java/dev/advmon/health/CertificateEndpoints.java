package dev.advmon.health;

import dev.advmon.config.MonitorConfig;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.registry.RegistrySettings;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.apache.kafka.common.utils.Utils;

/** The TLS endpoints whose certificates {@link CertificateExpiryWatch} looks at, with the monitor's trust for each. */
public final class CertificateEndpoints {

  static final String BROKER_RENEWAL = "renew it on the broker (the keystore of its listener, ssl.keystore.location;"
      + " under Strimzi the cluster CA renews broker certificates, see its renewalDays)";
  static final String REGISTRY_RENEWAL = "renew the registry's certificate (or that of the proxy in front of it that"
      + " terminates TLS)";

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CertificateEndpoints.class);

  private CertificateEndpoints() {}

  /**
   * The running monitor's watch, started, its gauge registered per endpoint. Endpoints that cannot be listed (a trust
   * store that cannot be read, which start-up names itself) leave the watch empty: an INFO line, never a stop.
   */
  public static CertificateExpiryWatch watch(MonitorConfig c, RegistrySettings registry, MonitorMetrics metrics) {
    List<CertificateExpiryWatch.Endpoint> endpoints;
    try {
      endpoints = of(c, registry);
    } catch (Exception | LinkageError e) {
      log.info("the TLS certificates of the broker and registry are not watched for expiry: {}", e.toString());
      endpoints = List.of();
    }
    CertificateExpiryWatch watch = new CertificateExpiryWatch(endpoints,
        java.time.Duration.ofMillis(c.longValue("health.probe-timeout-ms")), java.time.Clock.systemUTC());
    for (CertificateExpiryWatch.Endpoint e : endpoints) {
      metrics.certificateExpiry(e.address(), () -> watch.expirySeconds(e.address()));
    }
    return watch.start();
  }

  /**
   * Each kafka.bootstrap.servers address when the clients speak TLS, each https registry.url. Only the bootstrap
   * addresses: the other brokers of a cluster usually share their certificate's issuer and renewal.
   */
  public static List<CertificateExpiryWatch.Endpoint> of(MonitorConfig c, RegistrySettings registry) throws Exception {
    List<CertificateExpiryWatch.Endpoint> out = new ArrayList<>();
    out.addAll(brokers(c.kafkaClientProperties()));
    out.addAll(registries(registry));
    return out;
  }

  /** Each https registry.url, with the registry's trust store. */
  static List<CertificateExpiryWatch.Endpoint> registries(RegistrySettings registry) throws Exception {
    KeyStore registryTrust = registry.truststore() == null ? null : registry.truststore().read();
    KeyManager[] registryKeys = registry.keystore() == null ? null : keyManagers(registry.keystore().read(),
        registry.keystore().password());
    List<CertificateExpiryWatch.Endpoint> out = new ArrayList<>();
    for (URI url : registry.urls()) {
      if ("https".equalsIgnoreCase(url.getScheme())) {
        // an IPv6 literal's host keeps its brackets ("[::1]"); the Endpoint, as a broker's, has the bare address
        String host = url.getHost().replaceAll("^\\[(.*)]$", "$1");
        out.add(new CertificateExpiryWatch.Endpoint(host, url.getPort() == -1 ? 443 : url.getPort(),
            "schema registry (registry.url)", registryTrust, registryKeys, REGISTRY_RENEWAL));
      }
    }
    return out;
  }

  static List<CertificateExpiryWatch.Endpoint> brokers(Map<String, Object> props)
      throws java.io.IOException, GeneralSecurityException {
    if (!dev.advmon.config.KafkaTlsStores.speaksTls(props)) {
      return List.of();
    }
    Map<String, ?> parsed = new AdminClientConfig(props).values();
    KeyStore trust;
    KeyManager[] keys;
    // the trust and key stores as the Kafka clients read them (PEM included); KafkaTlsStores has checked they read
    try (DefaultSslEngineFactory factory = new DefaultSslEngineFactory()) {
      factory.configure(parsed);
      trust = factory.truststore();
      keys = factory.keystore() == null ? null : keyManagers(factory.keystore(),
          secret(parsed.get(SslConfigs.SSL_KEY_PASSWORD_CONFIG)),
          secret(parsed.get(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG)));
    }
    List<CertificateExpiryWatch.Endpoint> out = new ArrayList<>();
    @SuppressWarnings("unchecked")
    List<String> servers = (List<String>) parsed.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    for (String server : servers) {
      String host = Utils.getHost(server.trim());
      Integer port = Utils.getPort(server.trim());
      if (host != null && port != null) {
        out.add(new CertificateExpiryWatch.Endpoint(host, port, "Kafka broker (kafka.bootstrap.servers)", trust, keys,
            BROKER_RENEWAL));
      }
    }
    return out;
  }

  private static String secret(Object password) {
    return password instanceof Password p ? p.value() : null;
  }

  /**
   * The monitor's client certificate, shown to an endpoint that asks for one (mutual TLS) as its clients show it:
   * without it each hourly look is a failed authentication there. The key's password is the first of
   * {@code passwords} that opens it (Kafka's ssl.key.password, else the store's; none for an unencrypted PEM key).
   */
  static KeyManager[] keyManagers(KeyStore keys, String... passwords) throws GeneralSecurityException {
    List<char[]> tries = new ArrayList<>();
    for (String p : passwords) {
      if (p != null) {
        tries.add(p.toCharArray());
      }
    }
    tries.add(new char[0]);
    GeneralSecurityException last = null;
    for (char[] password : tries) {
      try {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        return kmf.getKeyManagers();
      } catch (UnrecoverableKeyException wrongPassword) {
        last = wrongPassword;
      }
    }
    throw last;
  }
}
