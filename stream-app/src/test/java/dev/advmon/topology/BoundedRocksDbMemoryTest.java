package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/** The camera stores' RocksDB memory: one small shared cache for all of them, not Kafka Streams' per-store defaults. */
class BoundedRocksDbMemoryTest {

  @TempDir
  Path dir;

  @Test
  void theMonitorsStreamsPropertiesBoundTheStoresMemory() {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of(), dir);
    assertThat(StreamingMonitor.streamsProperties(c).get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG))
        .isEqualTo(BoundedRocksDbMemory.class.getName());
  }

  @Test
  void aConfigSetterOfTheUsersOwnWins() throws Exception {
    Path f = dir.resolve("monitor.properties");
    Files.writeString(f, "kafka.rocksdb.config.setter=com.example.TunedRocksDb\n");
    MonitorConfig c = MonitorConfig.load(f, Map.of(), Map.of(), dir);
    assertThat(StreamingMonitor.streamsProperties(c).get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG))
        .isEqualTo("com.example.TunedRocksDb");
  }

  @Test
  void kafkaStreamsOpensAPersistentStoreWithTheSetterAndKeepsItsEntries() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("cameras"), Serdes.String(),
        Serdes.String()));
    builder.stream("frames", Consumed.with(Serdes.String(), Serdes.String()))
        .process(() -> new Processor<String, String, Void, Void>() {
          private KeyValueStore<String, String> store;

          @Override
          public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore("cameras");
          }

          @Override
          public void process(Record<String, String> record) {
            store.put(record.key(), record.value());
          }
        }, "cameras");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bounded-rocksdb");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
    props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class.getName());
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
      TestInputTopic<String, String> frames = driver.createInputTopic("frames", new StringSerializer(),
          new StringSerializer());
      frames.pipeInput("cam-01", "status-1");
      frames.pipeInput("cam-02", "status-2");
      KeyValueStore<String, String> store = driver.getKeyValueStore("cameras");
      assertThat(store.get("cam-01")).isEqualTo("status-1");
      assertThat(store.get("cam-02")).isEqualTo("status-2");
      assertThat(BoundedRocksDbMemory.cacheUsage()).as("the shared cache is the one in use")
          .isPositive().isLessThanOrEqualTo(BoundedRocksDbMemory.CACHE_BYTES);
    }
  }

  @Test
  void everyStoreGetsSmallMemtablesCountedAgainstOneSharedCache() {
    try (Options a = kafkaStreamsLikeOptions(); Options b = kafkaStreamsLikeOptions()) {
      new BoundedRocksDbMemory().setConfig("camera-status", a, Map.of());
      new BoundedRocksDbMemory().setConfig("camera-status", b, Map.of());

      assertThat(a.writeBufferSize()).isEqualTo(BoundedRocksDbMemory.WRITE_BUFFER_BYTES).isLessThan(16L << 20);
      assertThat(a.maxWriteBufferNumber()).isEqualTo(BoundedRocksDbMemory.WRITE_BUFFERS);
      assertThat(a.writeBufferManager()).isNotNull().isSameAs(b.writeBufferManager());
      BlockBasedTableConfig table = (BlockBasedTableConfig) a.tableFormatConfig();
      assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
      assertThat(BoundedRocksDbMemory.MEMTABLE_BYTES).isLessThanOrEqualTo(BoundedRocksDbMemory.CACHE_BYTES);
    }
  }

  /**
   * Four stores written in turn, each to less than one memtable: alone none would flush, so without the shared
   * write buffer manager their memtables together stay above its bound; with it, RocksDB flushes until they fit.
   */
  @Test
  void fourStoresTogetherKeepTheirMemtablesWithinTheSharedBound() throws Exception {
    RocksDB.loadLibrary();
    long perStore = BoundedRocksDbMemory.MEMTABLE_BYTES * 3 / 8; // 4 x 3/8 = 1.5 x the bound, each < a memtable
    assertThat(perStore).isLessThan(BoundedRocksDbMemory.WRITE_BUFFER_BYTES);
    List<Options> options = new ArrayList<>();
    List<RocksDB> dbs = new ArrayList<>();
    byte[] value = new byte[1024];
    Arrays.fill(value, (byte) 7);
    try (WriteOptions noWal = new WriteOptions().setDisableWAL(true)) { // as Kafka Streams writes its stores
      for (int i = 0; i < 4; i++) {
        Options o = kafkaStreamsLikeOptions().setCreateIfMissing(true);
        new BoundedRocksDbMemory().setConfig("camera-status", o, Map.of());
        options.add(o);
        dbs.add(RocksDB.open(o, Files.createDirectories(dir.resolve("store-" + i)).toString()));
      }
      for (int n = 0; n < perStore / value.length; n++) {
        for (RocksDB db : dbs) {
          db.put(noWal, ("camera-" + n).getBytes(StandardCharsets.UTF_8), value);
        }
      }
      // the flushes run in the background: wait for them
      Await.until(() -> memtables(dbs) <= BoundedRocksDbMemory.MEMTABLE_BYTES, Duration.ofSeconds(20));
      assertThat(memtables(dbs)).as("memtables of the four stores together")
          .isLessThanOrEqualTo(BoundedRocksDbMemory.MEMTABLE_BYTES);
    } finally {
      dbs.forEach(RocksDB::close);
      options.forEach(Options::close);
    }
  }

  /** What Kafka Streams hands the setter: its own block-based table config already set (16 MB memtables, 3 of them). */
  private static Options kafkaStreamsLikeOptions() {
    Options o = new Options();
    o.setTableFormatConfig(new BlockBasedTableConfig());
    o.setWriteBufferSize(16L << 20);
    o.setMaxWriteBufferNumber(3);
    return o;
  }

  private static long memtables(List<RocksDB> dbs) {
    long sum = 0;
    for (RocksDB db : dbs) {
      try {
        sum += db.getLongProperty("rocksdb.cur-size-all-mem-tables");
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
    }
    return sum;
  }
}
