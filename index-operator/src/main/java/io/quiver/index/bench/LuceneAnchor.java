package io.quiver.index.bench;

import io.quiver.index.Metric;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * Lucene's HNSW as an anchor: {@code Lucene99HnswVectorsFormat(M, efc)}, one segment after a force
 * merge, single-threaded searches with {@code KnnFloatVectorQuery} asking for {@code ef} candidates
 * (Lucene's equivalent of ef) and keeping the best k.
 */
final class LuceneAnchor implements AnnBenchmark.Contender, Closeable {

    private final Path dir;
    private final Directory directory;
    private final DirectoryReader reader;
    private final IndexSearcher searcher;
    private final int[] docToId;
    private final double buildSeconds;
    private final float[][] queries;
    private final int k;

    LuceneAnchor(
            float[][] base,
            float[][] queries,
            Metric metric,
            int m,
            int efc,
            int k,
            PrintStream log)
            throws IOException {
        this.queries = queries;
        this.k = k;
        VectorSimilarityFunction sim =
                switch (metric) {
                    case L2 -> VectorSimilarityFunction.EUCLIDEAN;
                    case COSINE -> VectorSimilarityFunction.COSINE;
                    case DOT -> VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT;
                };
        dir = Files.createTempDirectory("quiver-bench-lucene");
        directory = FSDirectory.open(dir);
        IndexWriterConfig iwc =
                new IndexWriterConfig()
                        .setCodec(
                                new Lucene912Codec() {
                                    @Override
                                    public KnnVectorsFormat getKnnVectorsFormatForField(
                                            String field) {
                                        return new Lucene99HnswVectorsFormat(m, efc);
                                    }
                                })
                        .setRAMBufferSizeMB(1900)
                        .setRAMPerThreadHardLimitMB(1900);
        log.println("lucene: indexing " + base.length + " vectors (1 thread)");
        long t0 = System.nanoTime();
        try (IndexWriter writer = new IndexWriter(directory, iwc)) {
            for (int i = 0; i < base.length; i++) {
                Document doc = new Document();
                doc.add(new KnnFloatVectorField("v", base[i], sim));
                doc.add(new NumericDocValuesField("id", i));
                writer.addDocument(doc);
            }
            writer.forceMerge(1);
            writer.commit();
        }
        buildSeconds = (System.nanoTime() - t0) / 1e9;
        log.printf("lucene: built in %.1f s%n", buildSeconds);
        reader = DirectoryReader.open(directory);
        docToId = new int[reader.maxDoc()];
        for (LeafReaderContext leaf : reader.leaves()) {
            NumericDocValues ids = leaf.reader().getNumericDocValues("id");
            for (int d = ids.nextDoc(); d != NumericDocValues.NO_MORE_DOCS; d = ids.nextDoc()) {
                docToId[leaf.docBase + d] = (int) ids.longValue();
            }
        }
        searcher = new IndexSearcher(reader);
        searcher.setQueryCache(null);
        // Warm-up so that the JIT has compiled Lucene's search before timing.
        for (int i = 0; i < AnnBenchmark.WARMUP_SEARCHES; i++) {
            searcher.search(
                    new KnnFloatVectorQuery(
                            "v", queries[i % queries.length], i % 2 == 0 ? 10 : 100),
                    k);
        }
    }

    @Override
    public String name() {
        return "lucene";
    }

    @Override
    public int buildThreads() {
        return 1;
    }

    @Override
    public double buildSeconds() {
        return buildSeconds;
    }

    @Override
    public double pass(int ef, int[][] found) throws IOException {
        int candidates = Math.max(ef, k);
        long s0 = System.nanoTime();
        for (int i = 0; i < queries.length; i++) {
            TopDocs top = searcher.search(new KnnFloatVectorQuery("v", queries[i], candidates), k);
            ScoreDoc[] docs = top.scoreDocs;
            int[] row = found[i];
            for (int j = 0; j < k; j++) {
                row[j] = j < docs.length ? docToId[docs[j].doc] : -1;
            }
        }
        return (System.nanoTime() - s0) / 1e9;
    }

    @Override
    public void close() throws IOException {
        reader.close();
        directory.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
