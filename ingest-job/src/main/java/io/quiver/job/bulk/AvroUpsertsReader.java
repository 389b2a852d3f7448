package io.quiver.job.bulk;

import io.quiver.schemas.AvroTrust;
import io.quiver.schemas.avro.UpsertRecord;
import java.io.IOException;
import java.io.InputStream;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.specific.SpecificDatumReader;

/** Reads an Avro object container file of {@code UpsertRecord}s. */
final class AvroUpsertsReader implements VectorFileReader {

    static {
        AvroTrust.ensure();
    }

    private final DataFileStream<UpsertRecord> in;
    private final String fileName;

    AvroUpsertsReader(InputStream in, String fileName) throws IOException {
        try {
            this.in = new DataFileStream<>(in, new SpecificDatumReader<>(UpsertRecord.class));
        } catch (IOException e) {
            in.close();
            throw new IOException(fileName + ": not an Avro container file of UpsertRecord", e);
        }
        this.fileName = fileName;
    }

    @Override
    public BulkRecord next() throws IOException {
        if (!in.hasNext()) {
            return null;
        }
        UpsertRecord r;
        try {
            r = in.next();
        } catch (RuntimeException e) {
            throw new IOException(fileName + ": unreadable Avro block", e);
        }
        return JsonLinesReader.toRecord(r);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
