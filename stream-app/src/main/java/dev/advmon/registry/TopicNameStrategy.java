package dev.advmon.registry;

import java.util.Objects;

/**
 * Confluent's default subject naming: {@code <topic>-value} for values, {@code <topic>-key} for keys.
 * The only strategy supported, because every registry and tool assumes it unless told otherwise.
 */
public final class TopicNameStrategy {

  private TopicNameStrategy() {}

  public static String subject(String topic, boolean isKey) {
    Objects.requireNonNull(topic, "topic: the serde needs the topic name to pick the subject");
    return topic + (isKey ? "-key" : "-value");
  }
}
