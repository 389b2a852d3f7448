package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorBodyScannerTest {

    private static final long SEED = 20261126L;

    @Test
    void readsWellFormedBodiesExactlyAsJacksonDoes() {
        Random random = new Random(SEED);
        for (int trial = 0; trial < 2_000; trial++) {
            String body = randomBody(random);
            assertSameAsJackson(body, true);
        }
    }

    @Test
    void everyNumberSpellingBecomesTheFloatJacksonGives() {
        List<String> numbers =
                new ArrayList<>(
                        List.of(
                                "0",
                                "-0",
                                "0.0",
                                "-0.0",
                                "1",
                                "-1",
                                "255",
                                "255.0",
                                "1e3",
                                "1E3",
                                "1e+3",
                                "1e-3",
                                "-2.5E-3",
                                "0.1",
                                "0.2",
                                "0.3",
                                "3.4028235e38",
                                "3.4028236e38",
                                "1e39",
                                "-1e39",
                                "1.4e-45",
                                "1e-46",
                                "7e-46",
                                "1e-400",
                                "123456789012345678",
                                "999999999999999999",
                                "9007199254740993",
                                "9007199254740993.0",
                                "0.000000000000000000000000000000001",
                                "123.456e-10",
                                "1.00000000000000000000000001",
                                "0.30000000000000004",
                                "4.35",
                                "1e22",
                                "1e23",
                                "1e-22",
                                "1e-23",
                                "0e999999999",
                                "1e0000000000001",
                                "2.2250738585072014E-308",
                                "12345678901234567.5",
                                "1234567890123456789e-5"));
        Random random = new Random(SEED);
        for (int i = 0; i < 5_000; i++) {
            numbers.add(Float.toString(random.nextFloat() * 512 - 256));
            numbers.add(
                    Double.toString(random.nextGaussian() * Math.pow(10, random.nextInt(60) - 30)));
            numbers.add(String.format(Locale.ROOT, "%.9e", random.nextGaussian()));
            numbers.add(Integer.toString(random.nextInt()));
            numbers.add(
                    new BigDecimal(random.nextGaussian())
                            .movePointLeft(random.nextInt(10))
                            .toPlainString());
        }
        for (String n : numbers) {
            assertSameAsJackson("{\"vector\":[" + n + "],\"limit\":3}", true);
            assertSameAsJackson("{\"vector\": [ 1 , " + n + " ] }", true);
        }
    }

    @Test
    void readsTheVectorWhereverItStandsAndLeavesItOutOfTheRest() {
        String body =
                "{ \"limit\" : 5, \"filter\": {\"must\": [{\"key\": \"vector\", \"match\":"
                        + " {\"value\": \"[1, 2] } \\\" \"}}]}, \"with_payload\": true,\n"
                        + "\t\"vector\" :\r\n[0.5, -1e2 ,3], \"params\": {\"hnsw_ef\": 64}}";
        JsonBodies.VectorBody read = scan(body, false);
        assertThat(read).isNotNull();
        assertThat(read.vector()).containsExactly(0.5f, -100f, 3f);
        assertThat(read.rest().has("vector")).isFalse();
        assertThat(read.rest().get("filter").toString()).contains("\"key\":\"vector\"");
        assertSameAsJackson(body, true);
        assertSameAsJackson("{\"vector\": [ ], \"limit\": 1}", true);
    }

    @Test
    void leavesEveryUnusualBodyToJacksonSoItsErrorsReadAsBefore() {
        List<String> bodies =
                List.of(
                        "",
                        "   ",
                        "[1,2]",
                        "\"vector\"",
                        "null",
                        "{}",
                        "{\"limit\": 3}",
                        "{\"vector\": null}",
                        "{\"vector\": \"1,2\"}",
                        "{\"vector\": {\"a\": 1}}",
                        "{\"vector\": [1, NaN]}",
                        "{\"vector\": [1, Infinity]}",
                        "{\"vector\": [1, -Infinity]}",
                        "{\"vector\": [1, \"2\"]}",
                        "{\"vector\": [1, [2]]}",
                        "{\"vector\": [1, null]}",
                        "{\"vector\": [1, true]}",
                        "{\"vector\": [01]}",
                        "{\"vector\": [+1]}",
                        "{\"vector\": [.5]}",
                        "{\"vector\": [1.]}",
                        "{\"vector\": [1e]}",
                        "{\"vector\": [1e+]}",
                        "{\"vector\": [-]}",
                        "{\"vector\": [1 2]}",
                        "{\"vector\": [1,]}",
                        "{\"vector\": [,1]}",
                        "{\"vector\": [1, 2}",
                        "{\"vector\": [1, 2]",
                        "{\"vector\": [1, 2]]}",
                        "{\"vector\": [1.5x]}",
                        "{\"vector\": [12345678901234567890]}",
                        "{\"vector\": [1], \"vector\": [2]}",
                        "{\"vector\": [1], \"limit\": 1, \"limit\": 2}",
                        "{\"vector\": [1]} trailing",
                        "{\"vector\": [1]} {}",
                        "{\"vector\": [1], }",
                        "{\"vector\": [1] \"limit\": 2}",
                        "{\"vector\": [1], \"limit\": }",
                        "{\"vector\": [1], \"limit\": 1x}",
                        "{\"vector\": [1], \"limit\": tru}",
                        "{\"vector\": [1], \"filter\": {\"must\": [}}",
                        "{\"vector\": [1], \"filter\": {\"a\": \"\\q\"}}",
                        "{\"vector\": [1], \"token\": \"unterminated}",
                        "{\"vector\": [1], \"token\": \"a\tb\"}",
                        "{\"vec\\u0074or\": [1]}",
                        "{\"vector\" [1]}",
                        "{vector: [1]}",
                        "{'vector': [1]}",
                        "{\"vector\": [1], \"limit\": 1 // comment\n}");
        for (String body : bodies) {
            assertSameAsJackson(body, false);
        }
    }

    @Test
    void readsDirectAndHeapBuffersAndVectorsLongerThanTheScratchArrays() {
        Random random = new Random(SEED);
        for (int dimension : new int[] {1, 784, 3_000, 70_000}) {
            StringBuilder b = new StringBuilder("{\"vector\":[");
            float[] expected = new float[dimension];
            for (int i = 0; i < dimension; i++) {
                expected[i] = random.nextFloat();
                b.append(i == 0 ? "" : ",").append(expected[i]);
            }
            String body = b.append("],\"limit\":10}").toString();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ByteBuf direct = Unpooled.directBuffer(bytes.length + 8).writeZero(3).writeBytes(bytes);
            direct.skipBytes(3);
            ByteBuf heap = Unpooled.wrappedBuffer(new byte[3], bytes).copy().skipBytes(3);
            for (ByteBuf buf : List.of(direct, heap)) {
                JsonBodies.VectorBody read = VectorBodyScanner.read(buf, "vector");
                assertThat(read).isNotNull();
                assertThat(read.vector()).containsExactly(expected);
                assertThat(read.rest().toString()).isEqualTo("{\"limit\":10}");
                assertThat(buf.readerIndex()).isEqualTo(3);
                buf.release();
            }
        }
    }

    /**
     * Whether the fast path reads {@code body} (or leaves it, when {@code fastPath} is false) and
     * {@link JsonBodies#objectWithVector} answers exactly what Jackson's path answers: the same
     * vector and rest, or the same error.
     */
    private static void assertSameAsJackson(String body, boolean fastPath) {
        JsonBodies.VectorBody scanned = scan(body, true);
        assertThat(scanned != null).as("fast path taken for %s", body).isEqualTo(fastPath);
        ByteBuf a = buf(body);
        ByteBuf b = buf(body);
        try {
            Object viaJackson =
                    outcome(() -> JsonBodies.objectWithVectorByJackson(a, "x", "vector"));
            Object viaEither = outcome(() -> JsonBodies.objectWithVector(b, "x", "vector"));
            assertThat(viaEither).as("answer for %s", body).isEqualTo(viaJackson);
        } finally {
            a.release();
            b.release();
        }
    }

    private static JsonBodies.VectorBody scan(String body, boolean direct) {
        ByteBuf buf = direct ? buf(body) : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            return buf.isReadable() ? VectorBodyScanner.read(buf, "vector") : null;
        } finally {
            buf.release();
        }
    }

    /** The body read (vector bits and rest as text) or the error's type, code and message. */
    private static Object outcome(java.util.function.Supplier<JsonBodies.VectorBody> read) {
        Throwable t =
                catchThrowable(
                        () -> {
                            throw new Answer(read.get());
                        });
        if (t instanceof Answer a) {
            JsonBodies.VectorBody v = a.body;
            List<Integer> bits = null;
            if (v.vector() != null) {
                bits = new ArrayList<>();
                for (float f : v.vector()) {
                    bits.add(Float.floatToRawIntBits(f));
                }
            }
            return List.of(String.valueOf(bits), v.rest().toString());
        }
        QuiverHttpException e = (QuiverHttpException) t;
        return List.of(e.getClass().getSimpleName(), e.code(), e.getMessage());
    }

    private static final class Answer extends RuntimeException {
        final transient JsonBodies.VectorBody body;

        Answer(JsonBodies.VectorBody body) {
            super(null, null, false, false);
            this.body = body;
        }
    }

    private static ByteBuf buf(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return Unpooled.directBuffer(Math.max(1, bytes.length)).writeBytes(bytes);
    }

    private static String randomBody(Random random) {
        List<String> fields = new ArrayList<>();
        StringBuilder v = new StringBuilder("[");
        int dimension = 1 + random.nextInt(40);
        for (int i = 0; i < dimension; i++) {
            v.append(i == 0 ? "" : "," + space(random)).append(randomNumber(random));
        }
        fields.add("\"vector\":" + space(random) + v + "]");
        if (random.nextBoolean()) {
            fields.add("\"limit\":" + random.nextInt(100));
        }
        if (random.nextBoolean()) {
            fields.add("\"params\":{\"hnsw_ef\":" + random.nextInt(200) + ",\"exact\":false}");
        }
        if (random.nextBoolean()) {
            fields.add(
                    "\"filter\":{\"must\":[{\"key\":\"t\\\"ag]\",\"match\":{\"value\":\"é{\"}}]}");
        }
        if (random.nextBoolean()) {
            fields.add("\"score_threshold\":" + randomNumber(random));
        }
        if (random.nextBoolean()) {
            fields.add("\"with_payload\":true");
        }
        java.util.Collections.shuffle(fields, random);
        return space(random)
                + "{"
                + space(random)
                + String.join("," + space(random), fields)
                + space(random)
                + "}"
                + space(random);
    }

    private static String randomNumber(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> Float.toString(random.nextFloat() * 255);
            case 1 -> Integer.toString(random.nextInt(511) - 255);
            case 2 -> Double.toString(random.nextGaussian());
            case 3 -> String.format(Locale.ROOT, "%.6E", random.nextGaussian() * 1e-20);
            case 4 ->
                    "-"
                            + random.nextInt(1000)
                            + "."
                            + random.nextInt(1000)
                            + "e"
                            + (random.nextInt(90) - 45);
            default -> new BigDecimal(random.nextDouble()).toPlainString();
        };
    }

    private static String space(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> " ";
            case 1 -> "\n\t ";
            default -> "";
        };
    }
}
