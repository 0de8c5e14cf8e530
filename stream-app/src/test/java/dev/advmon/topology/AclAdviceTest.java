package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The kafka-acls.sh commands the monitor and redrive print are meant to be pasted into a shell. They held
 * {@code --command-config <admin client properties>}, which a shell reads as redirects: from a file "admin", and into
 * a file named "--add", created in the working folder; and, without the settings, {@code <kafka.bootstrap.servers>}
 * and {@code User:<the monitor's user>}, whose apostrophe opens a quote. Placeholders are plain words now, and the
 * file the command reads its own login from is named, with what it must hold said beside the command.
 */
class AclAdviceTest {

  /** Characters a shell takes literally: no redirect, quote, pipe, separator, glob or expansion. */
  private static final String PASTES_AS_IS = "[A-Za-z0-9 ._:,/=+@-]+";

  private static List<String> commands(AclAdvice advice) {
    return List.of(advice.command(AclAdvice.Resource.topics(List.of("frames")), List.of("Read", "Describe")),
        advice.command(AclAdvice.Resource.group("cams"), List.of("Read")),
        advice.command(AclAdvice.Resource.prefixed("cams-", true), List.of("Write")),
        advice.command(AclAdvice.Resource.cluster(), List.of("IdempotentWrite")));
  }

  @Test
  void aPrintedCommandPastesIntoAShellAsItIs() {
    Map<String, Object> settings = Map.of("bootstrap.servers", "kafka-0:9093,kafka-1:9093", "sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"advmon\" password=\"x\";");
    for (AclAdvice advice : List.of(AclAdvice.forClient(settings), AclAdvice.forClient(Map.of()))) {
      assertThat(commands(advice)).allSatisfy(c -> assertThat(c).matches(PASTES_AS_IS)
          .contains(" --command-config admin.properties "));
    }
  }

  @Test
  void whatTheCommandsFileMustHoldIsSaidWithTheCommand() {
    Map<String, Object> settings = Map.of("bootstrap.servers", "kafka-0:9093", "application.id", "cams");
    String refused = AclAdvice.forClient(settings).refusedOnTopics("DescribeConfigs", List.of("frames"),
        "describe the configs of [frames]", new org.apache.kafka.common.errors.TopicAuthorizationException("no"))
        .getMessage();
    String running = Failures.hint(new org.apache.kafka.common.errors.GroupAuthorizationException("no", "cams"),
        settings);
    assertThat(List.of(refused, running)).allSatisfy(m -> assertThat(m).contains("--command-config admin.properties")
        .contains(AclAdvice.ADMIN_PROPERTIES));
  }
}
