package io.quiver.job.bulk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.record.InvalidRecordException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

class VectorFileReaderTest {

    private static final float[][] VECTORS = {{1f, 2f, 3f}, {-0.5f, 0f, 7.25f}};

    @Test
    void readsFvecsInOrder() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(2 * 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] v : VECTORS) {
            b.putInt(3);
            for (float f : v) {
                b.putFloat(f);
            }
        }
        List<BulkRecord> records = readAll(BulkFormat.FVECS, b.array());
        assertThat(records).hasSize(2);
        assertThat(records.get(1).vector()).containsExactly(VECTORS[1]);
        assertThat(records.get(0).id()).isNull();
    }

    @Test
    void aTruncatedFvecsFileNamesTheVector() {
        ByteBuffer b = ByteBuffer.allocate(4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(3).putFloat(1f).putFloat(2f);
        assertThatThrownBy(() -> readAll(BulkFormat.FVECS, b.array()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("file ends inside vector 0");
    }

    @Test
    void readsA2dFloat32Npy() throws Exception {
        List<BulkRecord> records = readAll(BulkFormat.NPY, npy("<f4", "(2, 3)"));
        assertThat(records).hasSize(2);
        assertThat(records.get(0).vector()).containsExactly(VECTORS[0]);
        assertThat(records.get(1).vector()).containsExactly(VECTORS[1]);
    }

    @Test
    void refusesOtherNpyDtypesWithTheConversionToDo() {
        assertThatThrownBy(() -> readAll(BulkFormat.NPY, npy("<f8", "(2, 3)")))
                .hasMessageContaining("dtype is '<f8'")
                .hasMessageContaining("astype('<f4')");
        assertThatThrownBy(() -> readAll(BulkFormat.NPY, npy("<f4", "(6,)")))
                .hasMessageContaining("is not 2-d");
    }

    @Test
    void readsJsonLinesAndRefusesABadLineWithoutStopping() throws Exception {
        String lines =
                "{\"id\": \"a\", \"vector\": [1, 2, 3], \"payload\": {\"t\": 1}}\n"
                        + "\n"
                        + "{\"id\": \"b\", \"vector\": [1, 2,\n"
                        + "{\"id\": \"c\", \"vector\": [-0.5, 0, 7.25]}\n";
        VectorFileReader r =
                VectorFileReader.open(
                        BulkFormat.JSONL,
                        new ByteArrayInputStream(lines.getBytes(StandardCharsets.UTF_8)),
                        "x.jsonl",
                        "docs");
        BulkRecord a = r.next();
        assertThat(a.id()).isEqualTo("a");
        assertThat(a.payload()).isEqualTo("{\"t\":1}");
        assertThatThrownBy(r::next).isInstanceOf(InvalidRecordException.class);
        assertThat(r.next().vector()).containsExactly(VECTORS[1]);
        assertThat(r.next()).isNull();
    }

    @Test
    void readsAvroContainerFilesOfUpserts() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataFileWriter<UpsertRecord> w =
                new DataFileWriter<>(new SpecificDatumWriter<>(UpsertRecord.class))) {
            w.create(UpsertRecord.getClassSchema(), bytes);
            w.append(upsert("a", Op.UPSERT, VECTORS[0]));
            w.append(upsert("gone", Op.DELETE, null));
        }
        VectorFileReader r =
                VectorFileReader.open(
                        BulkFormat.AVRO,
                        new ByteArrayInputStream(bytes.toByteArray()),
                        "x.avro",
                        "docs");
        BulkRecord a = r.next();
        assertThat(a.id()).isEqualTo("a");
        assertThat(a.collection()).isEqualTo("docs");
        assertThat(a.vector()).containsExactly(VECTORS[0]);
        assertThatThrownBy(r::next).hasMessageContaining("upserts only");
        assertThat(r.next()).isNull();
    }

    @Test
    void formatsFollowExtensionsAndNameTheUnknown() {
        assertThat(BulkFormat.ofFile("a/b.FVECS")).isEqualTo(BulkFormat.FVECS);
        assertThat(BulkFormat.ofFile("b.ndjson")).isEqualTo(BulkFormat.JSONL);
        assertThatThrownBy(() -> BulkFormat.ofFile("b.csv")).hasMessageContaining("'b.csv'");
        assertThatThrownBy(() -> BulkFormat.parse("csv")).hasMessageContaining("got 'csv'");
    }

    @Test
    void positionalFormatsLoadOneFilePerRun() {
        BulkLoadOptions.Builder b =
                BulkLoadOptions.builder()
                        .bootstrapServers("127.0.0.1:9092")
                        .collection("docs")
                        .savepointPath("file:///tmp/sp")
                        .files(List.of("a.fvecs", "b.fvecs"));
        assertThatThrownBy(b::build).hasMessageContaining("one such file per run");
        assertThat(b.files(List.of("a.jsonl", "b.avro")).build().files()).hasSize(2);
        assertThatThrownBy(() -> b.files(List.of()).build()).hasMessageContaining("--bulk-file");
    }

    private static UpsertRecord upsert(String id, Op op, float[] v) {
        List<Float> vector = null;
        if (v != null) {
            vector = new ArrayList<>();
            for (float f : v) {
                vector.add(f);
            }
        }
        return UpsertRecord.newBuilder()
                .setCollection("docs")
                .setId(id)
                .setOp(op)
                .setVector(vector)
                .build();
    }

    private static byte[] npy(String dtype, String shape) {
        String header =
                "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer b =
                ByteBuffer.allocate(10 + header.length() + 24).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (float[] v : VECTORS) {
            for (float f : v) {
                b.putFloat(f);
            }
        }
        return b.array();
    }

    private static List<BulkRecord> readAll(BulkFormat format, byte[] bytes) throws IOException {
        List<BulkRecord> out = new ArrayList<>();
        try (VectorFileReader r =
                VectorFileReader.open(format, new ByteArrayInputStream(bytes), "test", "docs")) {
            for (BulkRecord rec = r.next(); rec != null; rec = r.next()) {
                out.add(rec);
            }
        }
        return out;
    }
}
