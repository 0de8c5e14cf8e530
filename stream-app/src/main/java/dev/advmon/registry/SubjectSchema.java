package dev.advmon.registry;

import org.apache.avro.Schema;

/** Cache key (subject, schema). Avro caches a schema's hash code, so lookups on the hot path are cheap. */
record SubjectSchema(String subject, Schema schema) {}
