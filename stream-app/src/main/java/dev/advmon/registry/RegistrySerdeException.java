package dev.advmon.registry;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Base of every error raised by the registry client and the Avro serdes.
 *
 * <p>It extends Kafka's {@link SerializationException} so that Kafka clients and Kafka Streams treat it as
 * a (de)serialization failure, and it carries a stable {@link #reason()} so that the topology can route a
 * record to the dead-letter topic with a machine-readable reason without parsing messages. Sealed: a
 * handler that switches on the type sees every case.
 */
public abstract sealed class RegistrySerdeException extends SerializationException
    permits WireFormatException, SchemaNotFoundException, AvroDecodeException, AvroEncodeException,
        RegistryUnavailableException, SchemaRegistrationException, RegistryRequestException {

  RegistrySerdeException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Stable, machine-readable reason (e.g. {@code BAD_AVRO}); never changes between releases. */
  public abstract String reason();
}
