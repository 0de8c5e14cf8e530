/**
 * A schema-registry client for the Confluent REST API and the Confluent wire format, and the Avro serdes built on it (works with Confluent Schema Registry, Apicurio ccompat, Karapace, Redpanda).
 */
package dev.advmon.registry;
