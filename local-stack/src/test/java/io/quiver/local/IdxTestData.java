package io.quiver.local;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A small Fashion-MNIST look-alike in the same IDX files: random 28 x 28 blobs with labels 0..9.
 * Test image {@code i} is a copy of train image {@code 7 * i}, so its nearest neighbour is known.
 */
final class IdxTestData {

    static final int SIDE = 28;

    private IdxTestData() {}

    static void write(Path dir, int train, int test, long seed) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(seed);
        byte[][] trainImages = new byte[train][];
        byte[] trainLabels = new byte[train];
        for (int i = 0; i < train; i++) {
            trainImages[i] = blob(random);
            trainLabels[i] = (byte) random.nextInt(10);
        }
        byte[][] testImages = new byte[test][];
        byte[] testLabels = new byte[test];
        for (int i = 0; i < test; i++) {
            testImages[i] = trainImages[(7 * i) % train];
            testLabels[i] = trainLabels[(7 * i) % train];
        }
        images(dir.resolve("train-images-idx3-ubyte.gz"), trainImages);
        labels(dir.resolve("train-labels-idx1-ubyte.gz"), trainLabels);
        images(dir.resolve("t10k-images-idx3-ubyte.gz"), testImages);
        labels(dir.resolve("t10k-labels-idx1-ubyte.gz"), testLabels);
    }

    private static byte[] blob(Random random) {
        byte[] pixels = new byte[SIDE * SIDE];
        double cx = 6 + random.nextInt(16);
        double cy = 6 + random.nextInt(16);
        double r = 3 + random.nextInt(8);
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                double d = Math.hypot(x - cx, y - cy);
                int v = d < r ? 255 - (int) (200 * d / r) : random.nextInt(20);
                pixels[y * SIDE + x] = (byte) v;
            }
        }
        return pixels;
    }

    private static void images(Path file, byte[][] images) throws IOException {
        try (DataOutputStream out =
                new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(2051);
            out.writeInt(images.length);
            out.writeInt(SIDE);
            out.writeInt(SIDE);
            for (byte[] image : images) {
                out.write(image);
            }
        }
    }

    private static void labels(Path file, byte[] labels) throws IOException {
        try (DataOutputStream out =
                new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(2049);
            out.writeInt(labels.length);
            out.write(labels);
        }
    }
}
