package dev.advmon.campaign;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * The JSON of the campaign state and of the campaign repartition topic: internal to the monitor, readable when
 * someone inspects those topics, and tolerant of fields added later (unknown ones are ignored).
 */
final class CampaignJson {

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private CampaignJson() {}

  static byte[] write(Object value) {
    try {
      return value == null ? null : JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String writeString(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code bytes} as a {@code type}; an unreadable record fails saying {@code what} (built only then). */
  static <T> T read(byte[] bytes, Class<T> type, Supplier<String> what) {
    try {
      return bytes == null ? null : JSON.readValue(bytes, type);
    } catch (IOException e) {
      throw new UncheckedIOException(what.get(), e);
    }
  }
}
