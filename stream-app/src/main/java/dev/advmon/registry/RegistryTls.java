package dev.advmon.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Builds the SSLContext for an https registry from the settings' trust store and optional key store. */
final class RegistryTls {

  private RegistryTls() {}

  /** Empty when neither store is set: the JVM's default trust then applies. */
  static Optional<SSLContext> context(RegistrySettings settings) {
    if (settings.truststore() == null && settings.keystore() == null) {
      return Optional.empty();
    }
    try {
      TrustManagerFactory tmf = null;
      if (settings.truststore() != null) {
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        KeyStore trust = load(settings.truststore(), "trust store", TRUST_SETTING);
        if (!holdsACertificate(trust)) {
          // Every handshake would fail, and the monitor wait for a registry it can never trust.
          throw new IllegalArgumentException("the registry trust store " + settings.truststore().path() + " ("
              + TRUST_SETTING + ") holds no certificate: Java reads none from a PKCS12 file made by openssl "
              + "with -nokeys; import the registry's CA certificate with keytool -importcert instead");
        }
        tmf.init(trust);
      }
      KeyManagerFactory kmf = null;
      if (settings.keystore() != null) {
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(settings.keystore(), "key store", RegistrySettings.KEYSTORE_LOCATION), chars(settings.keystore().password()));
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
      return Optional.of(context);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot set up TLS for the schema registry: " + e.getMessage(), e);
    }
  }

  /** Both names of the trust store's setting: a Kafka client's and the monitor's own. */
  private static final String TRUST_SETTING = RegistrySettings.TRUSTSTORE_LOCATION
      + ", the monitor's registry.ssl.truststore.location";

  private static boolean holdsACertificate(KeyStore ks) throws GeneralSecurityException {
    for (String alias : java.util.Collections.list(ks.aliases())) {
      if (ks.getCertificate(alias) != null) {
        return true;
      }
    }
    return false;
  }

  private static KeyStore load(RegistrySettings.Store store, String what, String setting)
      throws GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance(store.type());
    try (InputStream in = Files.newInputStream(store.path())) {
      ks.load(in, chars(store.password()));
      return ks;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the registry " + what + " " + store.path() + " (" + setting
          + ") as " + store.type() + " (wrong path, type or password?): " + e.getMessage(), e);
    }
  }

  private static char[] chars(String password) {
    return password == null ? null : password.toCharArray();
  }
}
