package dev.advmon.topology;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the native memory of the monitor's RocksDB stores (the camera store, one per task) to one shared
 * {@value #CACHE_BYTES}-byte block cache per process, memtables included: Kafka Streams' defaults give every store
 * its own 50 MB block cache and up to three 16 MB memtables, all outside the Java heap, so six tasks could take
 * about 600 MB of a pod sized for the heap. The camera store holds a few hundred bytes per camera, so the small
 * bound costs nothing measurable (see BENCHMARKS.md, Memory: soak). Kafka Streams' documented pattern ("Memory
 * management", bounded memory usage of RocksDB): the cache and a {@link WriteBufferManager} that counts the
 * memtables against it.
 *
 * <p>Set as {@code rocksdb.config.setter} by {@link StreamingMonitor#streamsProperties}, unless a
 * {@code kafka.rocksdb.config.setter} names another class.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {

  /** Everything the stores of this process may keep in memory: blocks read, index and filter blocks, memtables. */
  static final long CACHE_BYTES = 16L * 1024 * 1024;
  /** The memtables' share of the cache: beyond it, RocksDB flushes the largest memtable. */
  static final long MEMTABLE_BYTES = 8L * 1024 * 1024;
  /** One memtable of one store (Kafka Streams' default: 16 MB). */
  static final long WRITE_BUFFER_BYTES = 4L * 1024 * 1024;
  /** Memtables per store, the one written plus one being flushed (Kafka Streams' default: 3). */
  static final int WRITE_BUFFERS = 2;

  // Static on purpose: Kafka Streams makes one instance of this class per store, and the bound only holds if all
  // stores share ONE cache and ONE write buffer manager. They are native resources of the process, not model state;
  // they are never closed, because stores open and close with every rebalance and in-place restart while the
  // process lives, and a closed cache handed to the next store would crash RocksDB. The process's exit frees them.
  private static final Cache CACHE;
  private static final WriteBufferManager WRITE_BUFFER_MANAGER;

  static {
    RocksDbNatives.load(); // the natives before the first native object; idempotent (the monitor loaded them)
    CACHE = new LRUCache(CACHE_BYTES, -1, false, 0.1);
    WRITE_BUFFER_MANAGER = new WriteBufferManager(MEMTABLE_BYTES, CACHE);
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    // Kafka Streams' own table config (its Bloom filter and block size kept), changed rather than replaced
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(CACHE);
    // index and filter blocks in the cache too, else they grow outside it with the data
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setTableFormatConfig(table);
    options.setWriteBufferManager(WRITE_BUFFER_MANAGER);
    options.setWriteBufferSize(WRITE_BUFFER_BYTES);
    options.setMaxWriteBufferNumber(WRITE_BUFFERS);
  }

  @Override
  public void close(String storeName, Options options) {
    // Nothing of one store's own: the cache and the write buffer manager are shared (see above); Kafka Streams
    // closes the options, its Bloom filter and the cache it made before this setter replaced it.
  }

  /** What the shared cache holds now, memtables included (for tests). */
  static long cacheUsage() {
    return CACHE.getUsage();
  }
}
