package io.quiver.schemas.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary shard RPC between the query server and the shard servers.
 *
 * <p>Transport: TCP, each frame prefixed by its length as a big-endian int32 (Netty's {@code
 * LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES, 0, 4, 0, 4)} and {@code LengthFieldPrepender(4)},
 * or {@link RpcFrames}, which writes the prefix into the body's buffer). The codec below reads and
 * writes a frame's body without that prefix. Body: {@code version:u8, type:u8, requestId:i64}, then
 * the message. Strings are {@code length:i32} + UTF-8 bytes, arrays are {@code count:i32} +
 * elements; all numbers big-endian. Format version 1 is the only one so far; a reader refuses
 * versions it does not know with a clear message.
 *
 * <ul>
 *   <li>SEARCH (1): collection, shards int[], k i32, ef i32, flags u8 (bit 0: with payload, bit 1:
 *       with vector, bit 2: exact scores — each shard rescores its k hits with the float32 vectors
 *       as written, in the collection's metric, and answers them best first by that score; added
 *       within version 1, a shard server that predates it ignores the bit and answers index scores;
 *       bit 3: exact search — each shard scans every live point instead of its index and answers
 *       the exact top-k, also added within version 1: an older shard server ignores it and answers
 *       from its index), timeoutMs i32, vector float[], required partitions int[] + offsets long[],
 *       filter bytes.
 *   <li>RESULT (2): shard count i32, per shard: shard i32, status u8, message, applied partitions
 *       int[] + offsets long[], hit count i32, per hit: id, score f32, payload bytes (length -1 for
 *       none).
 *   <li>ERROR (3): message — the server could not read the request at all.
 *   <li>GET (4): collection, shard i32, id — one point, on the shard that holds it.
 *   <li>POINT (5): shard i32, status u8, message, vector float[] (count -1: not found), payload
 *       bytes (length -1 for none).
 *   <li>COUNT (6): collection, shards int[], filter bytes — exact counts of live points.
 *   <li>COUNTS (7): shard count i32, per shard: shard i32, status u8, message, count i64.
 *   <li>RESULT_VECTORS (8): as RESULT, each hit followed by its vector float[] (count -1 for none);
 *       the answer to a SEARCH with the with-vector flag.
 *   <li>SEARCH_BATCH (9): search count i32, then per search the body of a SEARCH (everything after
 *       the header) — several searches of one collection for one shard server in one frame.
 *   <li>RESULT_BATCH (10): result count i32, then per search, in the order asked, a with-vectors
 *       flag u8 and the body of a RESULT (flag 0) or RESULT_VECTORS (flag 1).
 *   <li>TERM_STATS (11): collection, shards int[], field, term count i32 + terms — BM25 statistics
 *       of a payload text field for a query's terms.
 *   <li>TERM_STATS_RESULT (12): shard count i32, per shard: shard i32, status u8, message, docs
 *       i64, total terms i64, document frequencies long[] (one per term asked, -1 for unknown).
 * </ul>
 *
 * Types 4 to 12 were added within version 1: a shard server that predates them answers them with an
 * ERROR frame naming the unknown type, which the caller reports rather than misreads.
 */
public final class RpcCodec {

    public static final int VERSION = 1;
    public static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;

    public static final int TYPE_SEARCH = 1;
    public static final int TYPE_RESULT = 2;
    public static final int TYPE_ERROR = 3;
    public static final int TYPE_GET = 4;
    public static final int TYPE_POINT = 5;
    public static final int TYPE_COUNT = 6;
    public static final int TYPE_COUNTS = 7;
    public static final int TYPE_RESULT_VECTORS = 8;
    public static final int TYPE_SEARCH_BATCH = 9;
    public static final int TYPE_RESULT_BATCH = 10;
    public static final int TYPE_TERM_STATS = 11;
    public static final int TYPE_TERM_STATS_RESULT = 12;

    private static final int MAX_ARRAY = 16 * 1024 * 1024;

    private RpcCodec() {}

    public static void writeRequest(SearchRequest r, ByteBuf out) {
        header(out, TYPE_SEARCH, r.requestId());
        writeRequestBody(r, out);
    }

    /** Writes a SEARCH_BATCH frame: every search in one frame, answered by one RESULT_BATCH. */
    public static void writeBatch(SearchBatchRequest batch, ByteBuf out) {
        header(out, TYPE_SEARCH_BATCH, batch.requestId());
        out.writeInt(batch.searches().size());
        for (SearchRequest r : batch.searches()) {
            writeRequestBody(r, out);
        }
    }

    /** Writes a RESULT_BATCH frame, the answers in the order the searches were asked. */
    public static void writeBatchResponse(SearchBatchResponse batch, ByteBuf out) {
        header(out, TYPE_RESULT_BATCH, batch.requestId());
        out.writeInt(batch.responses().size());
        for (SearchResponse r : batch.responses()) {
            boolean withVectors = withVectors(r);
            out.writeByte(withVectors ? 1 : 0);
            writeResponseBody(r, withVectors, out);
        }
    }

    private static void writeRequestBody(SearchRequest r, ByteBuf out) {
        writeString(out, r.collection());
        writeInts(out, r.shards());
        out.writeInt(r.k());
        out.writeInt(r.ef());
        out.writeByte(
                (r.withPayload() ? 1 : 0)
                        | (r.withVector() ? 2 : 0)
                        | (r.exactScores() ? 4 : 0)
                        | (r.exactSearch() ? 8 : 0));
        out.writeInt(r.timeoutMs());
        float[] v = r.vector();
        out.writeInt(v.length);
        putFloats(out, v);
        writeInts(out, r.requiredPartitions());
        writeLongs(out, r.requiredOffsets());
        writeBytes(out, r.filter());
    }

    /** Writes RESULT, or RESULT_VECTORS when any shard result carries vectors. */
    public static void writeResponse(SearchResponse r, ByteBuf out) {
        boolean withVectors = withVectors(r);
        header(out, withVectors ? TYPE_RESULT_VECTORS : TYPE_RESULT, r.requestId());
        writeResponseBody(r, withVectors, out);
    }

    private static boolean withVectors(SearchResponse r) {
        for (ShardResult s : r.shards()) {
            if (s.vectors() != null) {
                return true;
            }
        }
        return false;
    }

    private static void writeResponseBody(SearchResponse r, boolean withVectors, ByteBuf out) {
        out.writeInt(r.shards().size());
        for (ShardResult s : r.shards()) {
            out.writeInt(s.shard());
            out.writeByte(s.status().ordinal());
            writeString(out, s.message());
            writeInts(out, s.appliedPartitions());
            writeLongs(out, s.appliedOffsets());
            out.writeInt(s.size());
            for (int i = 0; i < s.size(); i++) {
                writeString(out, s.ids()[i]);
                out.writeFloat(s.scores()[i]);
                writeBytes(out, s.payloads()[i]);
                if (withVectors) {
                    writeFloats(out, s.vectors() == null ? null : s.vectors()[i]);
                }
            }
        }
    }

    public static void writeGet(GetPointRequest r, ByteBuf out) {
        header(out, TYPE_GET, r.requestId());
        writeString(out, r.collection());
        out.writeInt(r.shard());
        writeString(out, r.id());
    }

    public static void writePoint(GetPointResponse r, ByteBuf out) {
        header(out, TYPE_POINT, r.requestId());
        out.writeInt(r.shard());
        out.writeByte(r.status().ordinal());
        writeString(out, r.message());
        writeFloats(out, r.vector());
        writeBytes(out, r.payload());
    }

    public static void writeCount(CountRequest r, ByteBuf out) {
        header(out, TYPE_COUNT, r.requestId());
        writeString(out, r.collection());
        writeInts(out, r.shards());
        writeBytes(out, r.filter());
    }

    public static void writeCounts(CountResponse r, ByteBuf out) {
        header(out, TYPE_COUNTS, r.requestId());
        out.writeInt(r.shards().size());
        for (CountResponse.Count c : r.shards()) {
            out.writeInt(c.shard());
            out.writeByte(c.status().ordinal());
            writeString(out, c.message());
            out.writeLong(c.count());
        }
    }

    /** Writes a TERM_STATS frame. */
    public static void writeTermStats(TermStatsRequest r, ByteBuf out) {
        header(out, TYPE_TERM_STATS, r.requestId());
        writeString(out, r.collection());
        writeInts(out, r.shards());
        writeString(out, r.field());
        out.writeInt(r.terms().size());
        for (String t : r.terms()) {
            writeString(out, t);
        }
    }

    /** Writes a TERM_STATS_RESULT frame. */
    public static void writeTermStatsResponse(TermStatsResponse r, ByteBuf out) {
        header(out, TYPE_TERM_STATS_RESULT, r.requestId());
        out.writeInt(r.shards().size());
        for (TermStatsResponse.Stats s : r.shards()) {
            out.writeInt(s.shard());
            out.writeByte(s.status().ordinal());
            writeString(out, s.message());
            out.writeLong(s.docs());
            out.writeLong(s.totalTerms());
            writeLongs(out, s.docFreqs());
        }
    }

    /** Writes an ERROR frame answering {@code requestId} (0 when it could not be read). */
    public static void writeError(long requestId, String message, ByteBuf out) {
        header(out, TYPE_ERROR, requestId);
        writeString(out, message);
    }

    /**
     * Reads one frame body: a {@link SearchRequest}, {@link SearchResponse}, {@link RpcError},
     * {@link GetPointRequest}, {@link GetPointResponse}, {@link CountRequest}, {@link
     * CountResponse}, {@link SearchBatchRequest}, {@link SearchBatchResponse}, {@link
     * TermStatsRequest} or {@link TermStatsResponse}.
     *
     * @throws RpcFormatException when the bytes are not a valid frame
     */
    public static Object read(ByteBuf in) {
        try {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new RpcFormatException(
                        "unsupported shard RPC version "
                                + version
                                + ", this side speaks "
                                + VERSION);
            }
            int type = in.readUnsignedByte();
            long requestId = in.readLong();
            Object msg;
            switch (type) {
                case TYPE_SEARCH:
                    msg = readRequest(requestId, in);
                    break;
                case TYPE_RESULT:
                    msg = readResponse(requestId, in, false);
                    break;
                case TYPE_RESULT_VECTORS:
                    msg = readResponse(requestId, in, true);
                    break;
                case TYPE_ERROR:
                    msg = new RpcError(requestId, readString(in));
                    break;
                case TYPE_GET:
                    msg =
                            new GetPointRequest(
                                    requestId, readString(in), in.readInt(), readString(in));
                    break;
                case TYPE_POINT:
                    msg = readPoint(requestId, in);
                    break;
                case TYPE_COUNT:
                    msg = new CountRequest(requestId, readString(in), readInts(in), readBytes(in));
                    break;
                case TYPE_COUNTS:
                    msg = readCounts(requestId, in);
                    break;
                case TYPE_SEARCH_BATCH:
                    msg = readBatch(requestId, in);
                    break;
                case TYPE_RESULT_BATCH:
                    msg = readBatchResponse(requestId, in);
                    break;
                case TYPE_TERM_STATS:
                    msg = readTermStats(requestId, in);
                    break;
                case TYPE_TERM_STATS_RESULT:
                    msg = readTermStatsResponse(requestId, in);
                    break;
                default:
                    throw new RpcFormatException("unknown shard RPC message type " + type);
            }
            if (in.isReadable()) {
                throw new RpcFormatException(
                        in.readableBytes() + " unexpected bytes after a message of type " + type);
            }
            return msg;
        } catch (IndexOutOfBoundsException e) {
            throw new RpcFormatException("truncated shard RPC frame");
        }
    }

    private static SearchRequest readRequest(long requestId, ByteBuf in) {
        String collection = readString(in);
        int[] shards = readInts(in);
        int k = in.readInt();
        int ef = in.readInt();
        int flags = in.readByte();
        boolean withPayload = (flags & 1) != 0;
        boolean withVector = (flags & 2) != 0;
        boolean exactScores = (flags & 4) != 0;
        boolean exactSearch = (flags & 8) != 0;
        int timeoutMs = in.readInt();
        float[] vector = takeFloats(in, count(in, 4));
        int[] partitions = readInts(in);
        long[] offsets = readLongs(in);
        byte[] filter = readBytes(in);
        try {
            return new SearchRequest(
                            requestId,
                            collection,
                            shards,
                            k,
                            ef,
                            withPayload,
                            withVector,
                            vector,
                            timeoutMs,
                            partitions,
                            offsets,
                            filter)
                    .withExactScores(exactScores)
                    .withExactSearch(exactSearch);
        } catch (IllegalArgumentException e) {
            throw new RpcFormatException(e.getMessage());
        }
    }

    private static SearchBatchRequest readBatch(long requestId, ByteBuf in) {
        int n = count(in, 37);
        List<SearchRequest> searches = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            searches.add(readRequest(requestId, in));
        }
        try {
            return new SearchBatchRequest(requestId, searches);
        } catch (IllegalArgumentException e) {
            throw new RpcFormatException(e.getMessage());
        }
    }

    private static SearchBatchResponse readBatchResponse(long requestId, ByteBuf in) {
        int n = count(in, 5);
        List<SearchResponse> responses = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int flag = in.readUnsignedByte();
            if (flag > 1) {
                throw new RpcFormatException(
                        "bad with-vectors flag " + flag + " in a batch result");
            }
            responses.add(readResponse(requestId, in, flag == 1));
        }
        return new SearchBatchResponse(requestId, responses);
    }

    private static SearchResponse readResponse(long requestId, ByteBuf in, boolean withVectors) {
        int n = count(in, 4);
        List<ShardResult> shards = new ArrayList<>(n);
        for (int s = 0; s < n; s++) {
            int shard = in.readInt();
            ShardResult.Status status = ShardResult.Status.of(in.readUnsignedByte());
            String message = readString(in);
            int[] partitions = readInts(in);
            long[] offsets = readLongs(in);
            int hits = count(in, 8);
            String[] ids = new String[hits];
            float[] scores = new float[hits];
            byte[][] payloads = new byte[hits][];
            float[][] vectors = withVectors ? new float[hits][] : null;
            for (int i = 0; i < hits; i++) {
                ids[i] = readString(in);
                scores[i] = in.readFloat();
                payloads[i] = readBytes(in);
                if (withVectors) {
                    vectors[i] = readFloats(in);
                }
            }
            try {
                shards.add(
                        new ShardResult(
                                shard,
                                status,
                                message,
                                partitions,
                                offsets,
                                ids,
                                scores,
                                payloads,
                                vectors));
            } catch (IllegalArgumentException e) {
                throw new RpcFormatException(e.getMessage());
            }
        }
        return new SearchResponse(requestId, shards);
    }

    private static GetPointResponse readPoint(long requestId, ByteBuf in) {
        int shard = in.readInt();
        ShardResult.Status status = ShardResult.Status.of(in.readUnsignedByte());
        String message = readString(in);
        float[] vector = readFloats(in);
        byte[] payload = readBytes(in);
        try {
            return new GetPointResponse(requestId, shard, status, message, vector, payload);
        } catch (IllegalArgumentException e) {
            throw new RpcFormatException(e.getMessage());
        }
    }

    private static CountResponse readCounts(long requestId, ByteBuf in) {
        int n = count(in, 17);
        List<CountResponse.Count> counts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int shard = in.readInt();
            ShardResult.Status status = ShardResult.Status.of(in.readUnsignedByte());
            String message = readString(in);
            counts.add(new CountResponse.Count(shard, status, message, in.readLong()));
        }
        return new CountResponse(requestId, counts);
    }

    private static TermStatsRequest readTermStats(long requestId, ByteBuf in) {
        String collection = readString(in);
        int[] shards = readInts(in);
        String field = readString(in);
        int n = count(in, 4);
        List<String> terms = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            terms.add(readString(in));
        }
        try {
            return new TermStatsRequest(requestId, collection, shards, field, terms);
        } catch (IllegalArgumentException e) {
            throw new RpcFormatException(e.getMessage());
        }
    }

    private static TermStatsResponse readTermStatsResponse(long requestId, ByteBuf in) {
        int n = count(in, 29);
        List<TermStatsResponse.Stats> stats = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int shard = in.readInt();
            ShardResult.Status status = ShardResult.Status.of(in.readUnsignedByte());
            String message = readString(in);
            long docs = in.readLong();
            long totalTerms = in.readLong();
            long[] docFreqs = readLongs(in);
            stats.add(
                    new TermStatsResponse.Stats(
                            shard, status, message, docs, totalTerms, docFreqs));
        }
        return new TermStatsResponse(requestId, stats);
    }

    private static void header(ByteBuf out, int type, long requestId) {
        out.writeByte(VERSION);
        out.writeByte(type);
        out.writeLong(requestId);
    }

    /** Encodes straight into the buffer: no byte[] per string (every hit's id is one). */
    private static void writeString(ByteBuf out, String s) {
        int lengthAt = out.writerIndex();
        out.writeInt(0);
        int written = ByteBufUtil.writeUtf8(out, s);
        out.setInt(lengthAt, written);
    }

    private static String readString(ByteBuf in) {
        int n = count(in, 1);
        String s = in.toString(in.readerIndex(), n, StandardCharsets.UTF_8);
        in.skipBytes(n);
        return s;
    }

    private static void writeBytes(ByteBuf out, byte[] b) {
        if (b == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(b.length);
        out.writeBytes(b);
    }

    private static byte[] readBytes(ByteBuf in) {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        checkCount(in, n, 1);
        byte[] b = new byte[n];
        in.readBytes(b);
        return b;
    }

    /** A float array that may be null (count -1). */
    private static void writeFloats(ByteBuf out, float[] a) {
        if (a == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(a.length);
        putFloats(out, a);
    }

    /**
     * Writes the floats big-endian in one bulk copy where the buffer's memory is one region (a
     * 784-float vector one {@code writeFloat} at a time was a visible share of a search's encode),
     * else one by one.
     */
    private static void putFloats(ByteBuf out, float[] a) {
        int bytes = a.length * Float.BYTES;
        out.ensureWritable(bytes);
        if (out.nioBufferCount() == 1 && (out.hasArray() || out.isDirect())) {
            int at = out.writerIndex();
            out.nioBuffer(at, bytes).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().put(a);
            out.writerIndex(at + bytes);
        } else {
            for (float f : a) {
                out.writeFloat(f);
            }
        }
    }

    /** Reads {@code n} big-endian floats, already checked to fit in the frame. */
    private static float[] takeFloats(ByteBuf in, int n) {
        float[] a = new float[n];
        int bytes = n * Float.BYTES;
        int at = in.readerIndex();
        in.nioBuffer(at, bytes).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(a);
        in.readerIndex(at + bytes);
        return a;
    }

    private static float[] readFloats(ByteBuf in) {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        checkCount(in, n, 4);
        return takeFloats(in, n);
    }

    private static void writeInts(ByteBuf out, int[] a) {
        out.writeInt(a.length);
        for (int x : a) {
            out.writeInt(x);
        }
    }

    private static int[] readInts(ByteBuf in) {
        int n = count(in, 4);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = in.readInt();
        }
        return a;
    }

    private static void writeLongs(ByteBuf out, long[] a) {
        out.writeInt(a.length);
        for (long x : a) {
            out.writeLong(x);
        }
    }

    private static long[] readLongs(ByteBuf in) {
        int n = count(in, 8);
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = in.readLong();
        }
        return a;
    }

    /** Reads a count and checks it against what the frame can still hold, before allocating. */
    private static int count(ByteBuf in, int minBytesEach) {
        int n = in.readInt();
        checkCount(in, n, minBytesEach);
        return n;
    }

    private static void checkCount(ByteBuf in, int n, int minBytesEach) {
        if (n < 0 || n > MAX_ARRAY || (long) n * minBytesEach > in.readableBytes()) {
            throw new RpcFormatException(
                    "bad length " + n + " with " + in.readableBytes() + " bytes left in the frame");
        }
    }
}
