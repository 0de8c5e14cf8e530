// A producer and a consumer in another language, with Confluent's own JavaScript Schema Registry client
// (@confluentinc/schemaregistry) and KafkaJS: frames registered from Frame.avsc and serialized by its AvroSerializer,
// verdicts read back (read_committed) with its AvroDeserializer. Run by ConfluentJavaScriptClientIT:
//   node interop.js BROKERS REGISTRY_URL FRAMES_TOPIC VERDICTS_TOPIC FRAME_AVSC PNG_DIR COUNT
// Prints one JSON line per verdict read; exits 1 with the error otherwise.
const fs = require('fs');
const path = require('path');
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistryClient, SerdeType, AvroSerializer, AvroDeserializer } = require('@confluentinc/schemaregistry');

const [brokers, registryUrl, framesTopic, verdictsTopic, avscPath, pngDir, countArg] = process.argv.slice(2);
const count = Number(countArg);

async function main() {
  const registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  await registry.register(framesTopic + '-value', { schemaType: 'AVRO', schema: fs.readFileSync(avscPath, 'utf8') });
  const serializer = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true });
  const deserializer = new AvroDeserializer(registry, SerdeType.VALUE, {});
  const kafka = new Kafka({ clientId: 'advmon-interop-js', brokers: brokers.split(','), logLevel: logLevel.WARN });

  const files = fs.readdirSync(pngDir).filter((f) => f.endsWith('.png')).sort().slice(0, count);
  const messages = [];
  for (let i = 0; i < files.length; i++) {
    const frame = {
      frameId: 'js-' + i, cameraId: 'js-cam-' + (i % 2), sourceId: 'node', captureTime: Date.now(),
      encoding: 'PNG', width: null, height: null, image: fs.readFileSync(path.join(pngDir, files[i])),
      attributes: { client: 'confluent-js', file: files[i] },
    };
    messages.push({ key: frame.cameraId, value: await serializer.serialize(framesTopic, frame) });
  }
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: framesTopic, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'advmon-interop-js-' + Date.now(), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: verdictsTopic, fromBeginning: true });
  const verdicts = new Map();
  const allRead = new Promise((resolve) => consumer.run({
    eachMessage: async ({ message }) => {
      const v = await deserializer.deserialize(verdictsTopic, message.value);
      verdicts.set(v.frameId, v);
      if (verdicts.size >= files.length) resolve();
    },
  }));
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

main().then(() => process.exit(0), (e) => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
