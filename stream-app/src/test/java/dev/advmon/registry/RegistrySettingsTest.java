package dev.advmon.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

class RegistrySettingsTest {

  @Test
  void readsKafkaStyleConfigs() {
    RegistrySettings s = RegistrySettings.fromConfig(Map.of(
        "schema.registry.url", "http://a:8081, https://b:8081/apis/ccompat/v7",
        "basic.auth.user.info", "alice:pa:ss",
        "auto.register.schemas", "false",
        "schema.registry.ssl.truststore.location", "/etc/trust.p12",
        "schema.registry.ssl.truststore.password", new Password("changeit"),
        "schema.registry.max.retries", 5,
        "schema.registry.retry.backoff.ms", "50",
        "schema.registry.request.timeout.ms", "2000",
        "bootstrap.servers", "ignored:9092"));

    assertThat(s.urls()).containsExactly(URI.create("http://a:8081"), URI.create("https://b:8081/apis/ccompat/v7"));
    assertThat(s.basicAuthUser()).isEqualTo("alice");
    assertThat(s.basicAuthPassword()).isEqualTo("pa:ss");
    assertThat(s.autoRegister()).isFalse();
    assertThat(s.truststore()).isEqualTo(new RegistrySettings.Store(Path.of("/etc/trust.p12"), "PKCS12", "changeit"));
    assertThat(s.keystore()).isNull();
    assertThat(s.maxRetries()).isEqualTo(5);
    assertThat(s.initialBackoff()).isEqualTo(Duration.ofMillis(50));
    assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void defaultsAreSafeForProduction() {
    RegistrySettings s = RegistrySettings.builder("http://reg:8081").build();

    assertThat(s.autoRegister()).isTrue();
    assertThat(s.maxRetries()).isEqualTo(3);
    assertThat(s.mockScope()).isEmpty();
    assertThat(RegistrySettings.builder("mock://demo").build().mockScope()).hasValue("demo");
  }

  @Test
  void toStringHidesPasswords() {
    RegistrySettings s = RegistrySettings.builder("http://reg:8081")
        .basicAuth("alice", "s3cret")
        .truststore(new RegistrySettings.Store(Path.of("t.p12"), null, "trustpw"))
        .build();

    assertThat(s.toString()).contains("alice").doesNotContain("s3cret").doesNotContain("trustpw");
  }

  @Test
  void aPasswordInTheUrlIsRefusedWithoutBeingRepeated() {
    // java.net.http never sends a URL's user info, and the URLs appear in every registry error, log line and dead
    // letter: accepted, the password went to the dead-letter topic while the registry answered 401.
    assertThatThrownBy(() -> RegistrySettings.builder("http://reg:8081,https://alice:s3cret@reg2:8081/apis").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schema.registry.url")
        .hasMessageContaining("https://****@reg2:8081/apis")
        .hasMessageContaining(RegistrySettings.BASIC_AUTH_USER_INFO)
        .message().doesNotContain("s3cret").doesNotContain("alice");
    assertThatThrownBy(() -> RegistrySettings.builder("alice:s3cret@reg:8081").build())
        .isInstanceOf(IllegalArgumentException.class)
        .message().doesNotContain("s3cret");
  }

  @Test
  void badValuesSayWhatIsWrong() {
    assertThatThrownBy(() -> RegistrySettings.fromConfig(Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing schema.registry.url");
    assertThatThrownBy(() -> RegistrySettings.builder("reg:8081").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://");
    assertThatThrownBy(() -> RegistrySettings.fromConfig(Map.of("schema.registry.url", "http://r", "basic.auth.user.info", "alice")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user:password");
    assertThatThrownBy(() -> RegistrySettings.fromConfig(Map.of("schema.registry.url", "http://r", "auto.register.schemas", "yes")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("true or false");
    assertThatThrownBy(() -> RegistrySettings.fromConfig(Map.of("schema.registry.url", "http://r", "schema.registry.max.retries", "many")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole number");
    assertThatThrownBy(() -> RegistrySettings.builder("http://r").maxRetries(-1).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRequestInsideACallGetsHalfTheDeadlineOnlyWhereAnotherUrlCouldAnswer() {
    Duration deadline = Duration.ofMillis(3333); // two thirds of a 5 s transaction timeout
    assertThat(RegistrySettings.builder("http://a:8081,http://b:8081").requestTimeout(Duration.ofSeconds(10))
        .callDeadline(deadline).build().requestTimeoutInCall()).isEqualTo(deadline.dividedBy(2));
    // one URL: a slow registry that answers in 2 s must not time out on every try (the deadline still bounds it)
    assertThat(RegistrySettings.builder("http://a:8081").requestTimeout(Duration.ofSeconds(10))
        .callDeadline(deadline).build().requestTimeoutInCall()).isEqualTo(Duration.ofSeconds(10));
    assertThat(RegistrySettings.builder("http://a:8081,http://b:8081").requestTimeout(Duration.ofSeconds(1))
        .callDeadline(deadline).build().requestTimeoutInCall()).as("shorter already").isEqualTo(Duration.ofSeconds(1));
  }
}
