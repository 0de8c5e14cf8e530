package dev.advmon.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class (name it {@code *IT} so that failsafe runs it in {@code verify}) that needs a real Kafka
 * broker ({@link KafkaBroker}) and a real schema registry ({@link SchemaRegistryServer}). Both are started
 * once per test JVM and shared. Get them as parameters ({@link KafkaBroker.Info},
 * {@link SchemaRegistryServer.Info}) or statically ({@link KafkaBroker#bootstrapServers()},
 * {@link SchemaRegistryServer#url()}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
// Registry first: its beforeAll only launches the child JVM, which then boots while the broker starts.
@ExtendWith({SchemaRegistryServer.class, KafkaBroker.class})
public @interface RealKafkaAndRegistry {
}
