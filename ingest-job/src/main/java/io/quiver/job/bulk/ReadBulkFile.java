package io.quiver.job.bulk;

import io.quiver.operator.ShardOp;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.record.InvalidRecordException;
import io.quiver.schemas.record.RecordValidator;
import io.quiver.schemas.routing.ShardKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the bulk file whose number it is given and emits one upsert {@link ShardOp} per valid
 * record, keyed to its shard. A record that is invalid for the collection (wrong dimension, a
 * non-finite component, a bad id or payload, malformed JSON) is skipped and counted, the first few
 * logged with file and position; a file that cannot be read fails the load.
 *
 * <p>Metrics (group {@code bulk-read}): {@code recordsRead}, {@code readRate}, {@code
 * recordsRejected}. Progress goes to the log every {@link #PROGRESS_SECONDS} seconds.
 */
final class ReadBulkFile extends RichFlatMapFunction<Long, ShardOp> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ReadBulkFile.class);

    static final long PROGRESS_SECONDS = 10;
    private static final int LOGGED_REJECTS = 10;

    private final List<String> files;
    private final BulkFormat format;
    private final String collection;
    private final byte[] spec;
    private final int shards;
    private final int maxParallelism;

    private transient CollectionSpec parsed;
    private transient ShardKeys keys;
    private transient Counter read;
    private transient Counter rejected;
    private transient long nextLogNanos;
    private transient long startNanos;

    /**
     * @param format the files' format, or null to tell it from each file's extension
     */
    ReadBulkFile(
            List<String> files,
            BulkFormat format,
            String collection,
            byte[] spec,
            int shards,
            int maxParallelism) {
        this.files = List.copyOf(files);
        this.format = format;
        this.collection = collection;
        this.spec = spec;
        this.shards = shards;
        this.maxParallelism = maxParallelism;
    }

    @Override
    public void open(OpenContext context) {
        parsed = CollectionSpecs.decode(collection, spec);
        keys = new ShardKeys(shards, maxParallelism);
        var group = getRuntimeContext().getMetricGroup().addGroup("bulk-read");
        read = group.counter("recordsRead");
        group.meter("readRate", new MeterView(read));
        rejected = group.counter("recordsRejected");
        startNanos = System.nanoTime();
        nextLogNanos = startNanos + TimeUnit.SECONDS.toNanos(PROGRESS_SECONDS);
    }

    @Override
    public void flatMap(Long fileNumber, Collector<ShardOp> out) throws IOException {
        Path path = new Path(files.get(fileNumber.intValue()));
        BulkFormat f = format != null ? format : BulkFormat.ofFile(path.getName());
        FileSystem fs = path.getFileSystem();
        long position = 0;
        long fileRejected = 0;
        try (VectorFileReader reader =
                VectorFileReader.open(f, fs.open(path), path.toString(), collection)) {
            while (true) {
                BulkRecord r;
                try {
                    r = reader.next();
                    if (r == null) {
                        break;
                    }
                    out.collect(toOp(r, position));
                } catch (InvalidRecordException e) {
                    fileRejected++;
                    rejected.inc();
                    if (rejected.getCount() <= LOGGED_REJECTS) {
                        LOG.warn(
                                "bulk load: skipping record {} of {}: {}",
                                position,
                                path,
                                e.getMessage());
                    }
                }
                position++;
                read.inc();
                if ((position & 1023) == 0) {
                    logProgress(false);
                }
            }
        }
        LOG.info(
                "bulk load: read {} records from {} ({} skipped as invalid)",
                position,
                path,
                fileRejected);
    }

    private ShardOp toOp(BulkRecord r, long position) {
        String id = r.id() != null ? r.id() : Long.toString(position);
        if (r.collection() != null && !r.collection().equals(collection)) {
            throw new InvalidRecordException(
                    io.quiver.schemas.record.Reason.INVALID_COLLECTION,
                    "record names collection '"
                            + r.collection()
                            + "', this load fills '"
                            + collection
                            + "'");
        }
        RecordValidator.checkVector(r.vector(), parsed);
        RecordValidator.checkPayload(r.payload());
        int key = keys.keyOf(keys.shardOf(collection, id));
        byte[] payload = r.payload() == null ? null : r.payload().getBytes(StandardCharsets.UTF_8);
        return ShardOp.upsert(
                key, collection, id, r.vector(), payload, ShardOp.NO_VERSION, -1, position);
    }

    private void logProgress(boolean force) {
        long now = System.nanoTime();
        if (!force && now < nextLogNanos) {
            return;
        }
        nextLogNanos = now + TimeUnit.SECONDS.toNanos(PROGRESS_SECONDS);
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        LOG.info(
                "bulk load: {} records read, {} skipped, {} records/s",
                read.getCount(),
                rejected.getCount(),
                Math.round(read.getCount() / seconds));
    }
}
