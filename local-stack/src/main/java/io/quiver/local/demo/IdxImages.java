package io.quiver.local.demo;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Images and labels in the IDX format of MNIST and Fashion-MNIST ({@code *-images-idx3-ubyte.gz},
 * {@code *-labels-idx1-ubyte.gz}): big-endian headers, then one unsigned byte per pixel or label.
 * Pixels become floats 0..255, as the ann-benchmarks Fashion-MNIST set uses them.
 */
public final class IdxImages {

    private static final int IMAGES_MAGIC = 2051;
    private static final int LABELS_MAGIC = 2049;

    /** The ten Fashion-MNIST classes, by label. */
    public static final String[] FASHION_CLASSES = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
    };

    private final float[][] vectors;
    private final int[] labels;

    private IdxImages(float[][] vectors, int[] labels) {
        this.vectors = vectors;
        this.labels = labels;
    }

    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The file names of one split: {@code train} or {@code t10k}. */
    public static Path imagesFile(Path dir, String split) {
        return dir.resolve(split + "-images-idx3-ubyte.gz");
    }

    public static Path labelsFile(Path dir, String split) {
        return dir.resolve(split + "-labels-idx1-ubyte.gz");
    }

    /**
     * Reads one split ({@code train} or {@code t10k}) from {@code dir}, at most {@code limit}
     * images.
     *
     * @throws IOException when a file is missing, truncated or not IDX
     */
    public static IdxImages read(Path dir, String split, int limit) throws IOException {
        float[][] vectors = readImages(imagesFile(dir, split), limit);
        int[] labels = readLabels(labelsFile(dir, split), vectors.length);
        return new IdxImages(vectors, labels);
    }

    public int size() {
        return vectors.length;
    }

    public float[] vector(int i) {
        return vectors[i];
    }

    public float[][] vectors() {
        return vectors;
    }

    public int label(int i) {
        return labels[i];
    }

    private static float[][] readImages(Path file, int limit) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new IOException(file + ": not an IDX image file (magic " + magic + ")");
            }
            int n = Math.min(in.readInt(), limit);
            int pixels = in.readInt() * in.readInt();
            byte[] row = new byte[pixels];
            float[][] out = new float[n][pixels];
            for (int i = 0; i < n; i++) {
                in.readFully(row);
                for (int j = 0; j < pixels; j++) {
                    out[i][j] = row[j] & 0xff;
                }
            }
            return out;
        }
    }

    private static int[] readLabels(Path file, int n) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) {
                throw new IOException(file + ": not an IDX label file (magic " + magic + ")");
            }
            int count = in.readInt();
            if (count < n) {
                throw new IOException(file + " has " + count + " labels for " + n + " images");
            }
            byte[] raw = new byte[n];
            in.readFully(raw);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = raw[i] & 0xff;
            }
            return out;
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        return new DataInputStream(new GZIPInputStream(raw, 1 << 16));
    }
}
