// A producer and a consumer in another language, with Confluent's own JavaScript Schema Registry client
// (@confluentinc/schemaregistry) and KafkaJS: frames registered from Frame.avsc and serialized by its AvroSerializer,
// verdicts read back (read_committed) with its AvroDeserializer. Then, as a gateway that shares types across
// subjects does, ImageEncoding registered as a subject of its own and Frame registered (under a subject of its own)
// with a reference to it (the client's register with `references`; its serializer resolves them), and REF_COUNT
// more frames written with that schema. A dead letter for any of them fails the run with its reason. Last, two records
// a gateway gets wrong, keyed EXPECTED_DEAD's keys, whose dead letters are read back for their advice. Run by
// ConfluentJavaScriptClientIT:
//   node interop.js BROKERS REGISTRY_URL FRAMES_TOPIC VERDICTS_TOPIC DEAD_LETTER_TOPIC FRAME_AVSC PNG_DIR COUNT \
//     REF_COUNT
// Prints one JSON line per verdict read and one per expected dead letter; exits 1 with the error otherwise.
const fs = require('fs');
const path = require('path');
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistryClient, SerdeType, AvroSerializer, AvroDeserializer } = require('@confluentinc/schemaregistry');

const [brokers, registryUrl, framesTopic, verdictsTopic, deadLetterTopic, avscPath, pngDir, countArg, refCountArg] =
  process.argv.slice(2);
const count = Number(countArg);
const refCount = Number(refCountArg);
const ENCODING = 'dev.advmon.schema.ImageEncoding';
const HEADER_ID = 'js-dead-header-id';
const GIF_AS_PNG = 'js-dead-gif-as-png';
const EXPECTED_DEAD = [HEADER_ID, GIF_AS_PNG];

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
  // The Avro body alone with its id in the header __value_schema_id, as HeaderSchemaIdSerializer writes it (which
  // itself needs a schema GUID, which Apicurio does not give), and a frame id of 5 characters starting with '{': its
  // length byte 0x0a is a blank, so the body starts like JSON. Then a GIF sent as PNG.
  const guid = Buffer.alloc(17);
  guid[0] = 1;
  const inHeader = await serializer.serialize(framesTopic, { ...frame('{js-1', 0), cameraId: HEADER_ID });
  messages.push({ key: HEADER_ID, value: inHeader.subarray(5), headers: { __value_schema_id: guid } });
  const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
  messages.push({ key: GIF_AS_PNG, value: await serializer.serialize(framesTopic,
    { ...frame('js-gif', 0), cameraId: GIF_AS_PNG, image: gif }) });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: framesTopic, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'advmon-interop-js-' + Date.now(), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topics: [verdictsTopic, deadLetterTopic], fromBeginning: true });
  const verdicts = new Map();
  const dead = new Map();
  const allRead = new Promise((resolve, reject) => consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (topic === deadLetterTopic) {
        const d = await deserializer.deserialize(deadLetterTopic, message.value);
        const key = d.key === null ? null : d.key.toString('utf8');
        if (EXPECTED_DEAD.includes(key)) {
          dead.set(key, d);
        } else {
          // Fail at once, with the monitor's reason, rather than wait out the timeout for verdicts that will not come.
          reject(new Error('dead letter for frame ' + d.frameId + ': ' + d.reason + ': ' + d.errorMessage));
          return;
        }
      } else {
        const v = await deserializer.deserialize(verdictsTopic, message.value);
        verdicts.set(v.frameId, v);
      }
      if (verdicts.size >= files.length && dead.size >= EXPECTED_DEAD.length) resolve();
    },
  }).catch(reject));
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out with ' + verdicts.size + ' verdicts of ' + files.length + ' and '
      + dead.size + ' dead letters of ' + EXPECTED_DEAD.length)), 150000);
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
  for (const [key, d] of dead) {
    console.log(JSON.stringify({ deadLetterKey: key, reason: d.reason, errorMessage: d.errorMessage }));
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
