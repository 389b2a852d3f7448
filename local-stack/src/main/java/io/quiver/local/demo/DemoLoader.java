package io.quiver.local.demo;

import io.quiver.local.client.QuiverHttp;
import io.quiver.local.client.UpsertProducer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The demo of {@code scripts/quiver-local --demo}: creates two collections over HTTP, {@code
 * <collection>} (the train split, HNSW) and {@code <collection>-test} (the test split, the images
 * the page searches with), then streams both splits of Fashion-MNIST into the upsert topic as fast
 * as the broker takes them, with a progress bar, and waits until every point is searchable.
 *
 * <p>Point ids are {@code t<i>} (test) and {@code p<i>} (train) by position in the files; the
 * payload holds {@code label} and {@code class}. A second run streams again only when a collection
 * is incomplete; upserts of the same ids change nothing.
 *
 * <p>Exit status 2 when the data set is missing, with the command that installs it.
 */
@Command(
        name = "quiver-demo",
        mixinStandardHelpOptions = true,
        description = "Streams Fashion-MNIST into a running Quiver for the /ui demo page.")
public final class DemoLoader implements Callable<Integer> {

    static final int EXIT_NO_DATA = 2;

    @Option(
            names = "--http",
            required = true,
            description = "query server, e.g. http://127.0.0.1:8080")
    String http;

    @Option(names = "--bootstrap-servers", required = true)
    String bootstrapServers;

    @Option(names = "--topic-prefix", defaultValue = "quiver")
    String topicPrefix;

    @Option(
            names = "--data",
            description = "directory with the IDX files (default: ${DEFAULT-VALUE})",
            defaultValue = "/usr/share/datasets/fashion-mnist")
    Path data;

    @Option(names = "--collection", defaultValue = "fashion-mnist")
    String collection;

    @Option(names = "--limit", defaultValue = "60000", description = "train images to stream")
    int limit;

    @Option(
            names = "--searchable-timeout-s",
            defaultValue = "600",
            description = "how long to wait until every point is searchable")
    int searchableTimeoutS;

    private final PrintStream out = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoLoader()).execute(args));
    }

    /** Whether {@code dir} holds both splits; prints how to get them when not. */
    static boolean dataPresent(Path dir, PrintStream err) {
        for (String split : new String[] {"train", "t10k"}) {
            for (Path f :
                    new Path[] {
                        IdxImages.imagesFile(dir, split), IdxImages.labelsFile(dir, split)
                    }) {
                if (!Files.isRegularFile(f)) {
                    err.println(
                            "quiver-demo: Fashion-MNIST is missing ("
                                    + f
                                    + " not found). Install Debian's package:\n"
                                    + "  sudo apt-get install -y dataset-fashion-mnist\n"
                                    + "or point QUIVER_DEMO_DATA at a directory with"
                                    + " train-/t10k-images-idx3-ubyte.gz and"
                                    + " train-/t10k-labels-idx1-ubyte.gz.");
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public Integer call() throws Exception {
        if (!dataPresent(data, System.err)) {
            return EXIT_NO_DATA;
        }
        IdxImages test = IdxImages.read(data, "t10k", Integer.MAX_VALUE);
        IdxImages train = IdxImages.read(data, "train", limit);
        QuiverHttp api = new QuiverHttp(http);
        String testCollection = collection + "-test";
        int dim = train.vector(0).length;
        api.putCollection(
                collection,
                "{\"dimension\": "
                        + dim
                        + ", \"metric\": \"l2\", \"index\": {\"type\": \"hnsw\"}}");
        api.putCollection(
                testCollection,
                "{\"dimension\": "
                        + dim
                        + ", \"metric\": \"l2\", \"index\": {\"type\": \"flat\"}}");

        if (complete(api, testCollection, test.size()) && complete(api, collection, train.size())) {
            out.printf(
                    Locale.ROOT,
                    "quiver-demo: '%s' (%d points) and '%s' (%d) are already loaded%n",
                    collection,
                    train.size(),
                    testCollection,
                    test.size());
            return 0;
        }
        long started = System.nanoTime();
        stream(test, train, testCollection);
        waitSearchable(api, testCollection, test.size(), collection, train.size());
        double seconds = (System.nanoTime() - started) / 1e9;
        out.printf(
                Locale.ROOT,
                "quiver-demo: %d points searchable %.1f s after the first send (%.0f points/s)%n",
                test.size() + train.size(),
                seconds,
                (test.size() + train.size()) / seconds);
        return 0;
    }

    private static boolean complete(QuiverHttp api, String collection, int n) throws IOException {
        return api.pointsCount(collection) >= n;
    }

    private void stream(IdxImages test, IdxImages train, String testCollection) throws IOException {
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        int total = test.size() + train.size();
        try (UpsertProducer producer = new UpsertProducer(bootstrapServers, topicPrefix, 5);
                ProgressBar bar = bar("streaming to Kafka", total)) {
            for (int i = 0; i < total && failure.get() == null; i++) {
                boolean isTest = i < test.size();
                IdxImages set = isTest ? test : train;
                int at = isTest ? i : i - test.size();
                producer.send(
                        isTest ? testCollection : collection,
                        (isTest ? "t" : "p") + at,
                        set.vector(at),
                        payload(set.label(at)),
                        (metadata, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            }
                            acked.incrementAndGet();
                        });
                if ((i & 255) == 0) {
                    bar.stepTo(acked.get());
                }
            }
            producer.flush();
            bar.stepTo(acked.get());
        }
        if (failure.get() != null) {
            throw new IOException("Kafka refused a record", failure.get());
        }
    }

    private void waitSearchable(QuiverHttp api, String testCollection, int nTest, String c, int n)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + searchableTimeoutS * 1_000_000_000L;
        try (ProgressBar bar = bar("searchable", nTest + n)) {
            while (true) {
                long have =
                        Math.max(0, api.pointsCount(testCollection))
                                + Math.max(0, api.pointsCount(c));
                bar.stepTo(Math.min(have, nTest + n));
                if (have >= nTest + n) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(
                            "only "
                                    + have
                                    + " of "
                                    + (nTest + n)
                                    + " points searchable after "
                                    + searchableTimeoutS
                                    + " s");
                }
                Thread.sleep(250);
            }
        }
    }

    private static String payload(int label) {
        String name =
                label < IdxImages.FASHION_CLASSES.length
                        ? IdxImages.FASHION_CLASSES[label]
                        : "class " + label;
        return "{\"label\": " + label + ", \"class\": \"" + name.replace("\"", "") + "\"}";
    }

    private static ProgressBar bar(String task, long max) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .continuousUpdate()
                .showSpeed()
                .build();
    }
}
