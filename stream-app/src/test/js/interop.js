// A producer and a consumer in another language, with Confluent's own JavaScript Schema Registry client
// (@confluentinc/schemaregistry) and KafkaJS: frames registered from Frame.avsc and serialized by its AvroSerializer,
// verdicts read back (read_committed) with its AvroDeserializer. Then, as a gateway that shares types across
// subjects does, ImageEncoding registered as a subject of its own and Frame registered (under a subject of its own)
// with a reference to it (the client's register with `references`; its serializer resolves them), and REF_COUNT
// more frames written with that schema. A dead letter for any of them fails the run with its reason. Run by ConfluentJavaScriptClientIT:
//   node interop.js BROKERS REGISTRY_URL FRAMES_TOPIC VERDICTS_TOPIC DEAD_LETTER_TOPIC FRAME_AVSC PNG_DIR COUNT \
//     REF_COUNT
// Prints one JSON line per verdict read; exits 1 with the error otherwise.
const fs = require('fs');
const path = require('path');
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistryClient, SerdeType, AvroSerializer, AvroDeserializer } = require('@confluentinc/schemaregistry');

const [brokers, registryUrl, framesTopic, verdictsTopic, deadLetterTopic, avscPath, pngDir, countArg, refCountArg] =
  process.argv.slice(2);
const count = Number(countArg);
const refCount = Number(refCountArg);
const ENCODING = 'dev.advmon.schema.ImageEncoding';

async function main() {
  const registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  await registry.register(framesTopic + '-value', { schemaType: 'AVRO', schema: fs.readFileSync(avscPath, 'utf8') });
  const serializer = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true });
  const deserializer = new AvroDeserializer(registry, SerdeType.VALUE, {});
  const kafka = new Kafka({ clientId: 'advmon-interop-js', brokers: brokers.split(','), logLevel: logLevel.WARN });

  const files = fs.readdirSync(pngDir).filter((f) => f.endsWith('.png')).sort().slice(0, count + refCount);
  const frame = (id, i) => ({
    frameId: id, cameraId: 'js-cam-' + (i % 2), sourceId: 'node', captureTime: Date.now(),
    encoding: 'PNG', width: null, height: null, image: fs.readFileSync(path.join(pngDir, files[i])),
    attributes: { client: 'confluent-js', file: files[i] },
  });
  const messages = [];
  for (let i = 0; i < count; i++) {
    const value = frame('js-' + i, i);
    messages.push({ key: value.cameraId, value: await serializer.serialize(framesTopic, value) });
  }
  if (refCount > 0) {
    // Its own subject, named as TopicRecordNameStrategy names it (that strategy itself needs the schema, which
    // useLatestVersion does not give it): Apicurio 2.4.2's compatibility rule (global BACKWARD in the tests) refuses a
    // Frame with a reference next to one without in the same subject ("Could not execute compatibility rule on
    // invalid Avro schema"), whichever comes first, and a subject's NONE does not override it there.
    const refSubject = framesTopic + '-dev.advmon.schema.Frame';
    const refId = await registerWithReference(registry, refSubject, framesTopic + '-' + ENCODING, avscPath);
    const refSerializer = new AvroSerializer(registry, SerdeType.VALUE,
      { useLatestVersion: true, subjectNameStrategy: async () => refSubject });
    for (let i = count; i < count + refCount; i++) {
      const value = frame('js-ref-' + (i - count), i);
      const bytes = await refSerializer.serialize(framesTopic, value);
      if (bytes.readInt32BE(1) !== refId) {
        throw new Error('frame written with schema id ' + bytes.readInt32BE(1) + ', not ' + refId
          + ' (the Frame with the reference)');
      }
      messages.push({ key: value.cameraId, value: bytes });
    }
  }
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: framesTopic, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'advmon-interop-js-' + Date.now(), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topics: [verdictsTopic, deadLetterTopic], fromBeginning: true });
  const verdicts = new Map();
  const allRead = new Promise((resolve, reject) => consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (topic === deadLetterTopic) {
        // Fail at once, with the monitor's reason, rather than wait out the timeout for verdicts that will not come.
        const d = await deserializer.deserialize(deadLetterTopic, message.value);
        reject(new Error('dead letter for frame ' + d.frameId + ': ' + d.reason + ': ' + d.errorMessage));
        return;
      }
      const v = await deserializer.deserialize(verdictsTopic, message.value);
      verdicts.set(v.frameId, v);
      if (verdicts.size >= files.length) resolve();
    },
  }).catch(reject));
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out with ' + verdicts.size + ' verdicts of ' + files.length)), 150000);
  });
  try {
    await Promise.race([allRead, timeout]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  for (const v of verdicts.values()) {
    console.log(JSON.stringify({ frameId: v.frameId, cameraId: v.cameraId, predictedLabel: v.predictedLabel,
      alert: v.alert, attributes: v.attributes }));
  }
}

// ImageEncoding, the enum Frame.avsc defines inline, registered as a subject of its own, `encodingSubject`; then
// Frame, naming the enum instead of defining it, registered under `subject` with a reference to it. Returns the
// Frame's id, after checking that the registry answers that id with the reference (what the monitor reads), so that
// this case cannot pass without one.
async function registerWithReference(registry, subject, encodingSubject, avscPath) {
  const schema = JSON.parse(fs.readFileSync(avscPath, 'utf8'));
  const encoding = schema.fields.find((f) => f.name === 'encoding');
  await registry.register(encodingSubject,
    { schemaType: 'AVRO', schema: JSON.stringify({ namespace: schema.namespace, ...encoding.type }) });
  const { version } = await registry.getLatestSchemaMetadata(encodingSubject);
  encoding.type = ENCODING;
  const id = await registry.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(schema),
    references: [{ name: ENCODING, subject: encodingSubject, version }] });
  const answer = await registry.getBySubjectAndId(subject, id);
  if (!answer.references || answer.references.length !== 1 || answer.schema.includes('"symbols"')) {
    throw new Error('the registry answers id ' + id + ' without the reference: ' + JSON.stringify(answer));
  }
  return id;
}

main().then(() => process.exit(0), (e) => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
