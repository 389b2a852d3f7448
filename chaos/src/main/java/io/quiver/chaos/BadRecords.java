package io.quiver.chaos;

import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.record.UpsertCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates Kafka records the job must refuse, one kind after the other: broken Avro and JSON,
 * wrong dimensions, NaN and Infinity, huge payloads, empty and oversized ids, unknown collections,
 * unknown ops, truncated bytes and random bytes. Each record's key is {@code bad/<n>/<kind>}, so
 * the checker can match every dead letter to the record that caused it.
 */
final class BadRecords {

    static final String[] KINDS = {
        "broken-avro",
        "broken-json",
        "wrong-dimension",
        "nan",
        "infinity",
        "huge-payload",
        "empty-id",
        "oversized-id",
        "unknown-collection",
        "unknown-op",
        "truncated-json",
        "truncated-avro",
        "random-bytes",
    };

    private final String collection;
    private final Vectors vectors;
    private final SplittableRandom random;

    BadRecords(String collection, Vectors vectors, long seed) {
        this.collection = collection;
        this.vectors = vectors;
        this.random = new SplittableRandom(seed);
    }

    static String key(int n) {
        return "bad/" + n + "/" + KINDS[n % KINDS.length];
    }

    /** The value of bad record {@code n}. */
    byte[] value(int n) {
        String id = "b" + n;
        float[] v = vectors.of(id);
        return switch (KINDS[n % KINDS.length]) {
            case "broken-avro" -> {
                byte[] good = avro(id, v, Op.UPSERT);
                byte[] bad = Arrays.copyOf(good, good.length);
                // Marker and fingerprint intact, the datum scrambled: a string length gone wild.
                for (int i = 10; i < Math.min(bad.length, 14); i++) {
                    bad[i] = (byte) 0xFF;
                }
                yield bad;
            }
            case "broken-json" ->
                    utf8(
                            "{\"collection\": \""
                                    + collection
                                    + "\", \"id\": \""
                                    + id
                                    + "\", \"vector\": [1.0, 2.0,, ]}");
            case "wrong-dimension" ->
                    json(id, Arrays.copyOf(v, v.length + 1 + random.nextInt(5)), "upsert", "");
            case "nan" -> avro(id, withValue(v, Float.NaN), Op.UPSERT);
            case "infinity" ->
                    n % 2 == 0
                            ? avro(id, withValue(v, Float.POSITIVE_INFINITY), Op.UPSERT)
                            : utf8(
                                    "{\"collection\":\""
                                            + collection
                                            + "\",\"id\":\""
                                            + id
                                            + "\",\"vector\":"
                                            + Vectors.json(v).replaceFirst("^\\[[^,]*", "[1e39")
                                            + "}");
            case "huge-payload" ->
                    json(
                            id,
                            v,
                            "upsert",
                            ",\"payload\":{\"blob\":\"" + "x".repeat(70 * 1024) + "\"}");
            case "empty-id" -> json("", v, "upsert", "");
            case "oversized-id" -> json("o".repeat(600), v, "upsert", "");
            case "unknown-collection" ->
                    utf8(
                            "{\"collection\":\"no-such-collection-"
                                    + (n % 7)
                                    + "\",\"id\":\""
                                    + id
                                    + "\",\"vector\":"
                                    + Vectors.json(v)
                                    + "}");
            case "unknown-op" -> json(id, v, "frobnicate", "");
            case "truncated-json" -> {
                byte[] good = json(id, v, "upsert", "");
                yield Arrays.copyOf(good, 1 + random.nextInt(good.length - 1));
            }
            case "truncated-avro" -> {
                byte[] good = avro(id, v, Op.UPSERT);
                yield Arrays.copyOf(good, 11 + random.nextInt(good.length - 12));
            }
            default -> {
                byte[] noise = new byte[1 + random.nextInt(200)];
                for (int i = 0; i < noise.length; i++) {
                    noise[i] = (byte) random.nextInt(256);
                }
                // Not the Avro marker, so the job must tell it is neither format.
                noise[0] = (byte) '#';
                yield noise;
            }
        };
    }

    private byte[] json(String id, float[] v, String op, String extra) {
        return utf8(
                "{\"collection\":\""
                        + collection
                        + "\",\"id\":\""
                        + id
                        + "\",\"op\":\""
                        + op
                        + "\",\"vector\":"
                        + Vectors.json(v)
                        + extra
                        + "}");
    }

    private byte[] avro(String id, float[] v, Op op) {
        List<Float> list = new ArrayList<>(v.length);
        for (float f : v) {
            list.add(f);
        }
        return UpsertCodec.encodeAvro(
                UpsertRecord.newBuilder()
                        .setCollection(collection)
                        .setId(id)
                        .setOp(op)
                        .setVector(list)
                        .setPayload(null)
                        .setVersion(null)
                        .build());
    }

    private float[] withValue(float[] v, float bad) {
        float[] copy = v.clone();
        copy[random.nextInt(copy.length)] = bad;
        return copy;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
