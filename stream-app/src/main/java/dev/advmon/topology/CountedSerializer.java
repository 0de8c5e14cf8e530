package dev.advmon.topology;

import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A sink's serializer that counts each value once it is serialized, so that a counter says what was written. Counted
 * before the sink (a peek), a dead letter its sink could not serialize was counted, and then counted again as the
 * production handler's OUTPUT_FAILED copy (see {@link StreamErrorHandlers}); an alert left out was counted as written.
 * What fails after serialization (the broker refusing the send) fails the task, whose frames are processed again.
 */
final class CountedSerializer<V> implements Serializer<V> {

  private final Serializer<V> delegate;
  private final Consumer<V> count;

  CountedSerializer(Serializer<V> delegate, Consumer<V> count) {
    this.delegate = delegate;
    this.count = count;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    delegate.configure(configs, isKey);
  }

  @Override
  public byte[] serialize(String topic, V data) {
    return counted(data, delegate.serialize(topic, data));
  }

  @Override
  public byte[] serialize(String topic, Headers headers, V data) {
    return counted(data, delegate.serialize(topic, headers, data));
  }

  private byte[] counted(V data, byte[] bytes) {
    if (data != null) {
      count.accept(data);
    }
    return bytes;
  }

  @Override
  public void close() {
    delegate.close();
  }
}
