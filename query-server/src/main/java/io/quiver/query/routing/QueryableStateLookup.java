package io.quiver.query.routing;

import io.quiver.schemas.status.ShardStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.queryablestate.client.QueryableStateClient;

/**
 * {@link ShardStatusLookup} through Flink's Queryable State client proxy. The client is
 * asynchronous (Netty inside) and shared by all lookups.
 */
@SuppressWarnings("deprecation") // Queryable State is deprecated in Flink but still shipped.
public final class QueryableStateLookup implements ShardStatusLookup {

    private final QueryableStateClient client;

    /**
     * @param proxy the Queryable State client proxy of any TaskManager ({@code
     *     queryable-state.proxy.ports})
     * @throws IllegalArgumentException when the host cannot be resolved
     */
    public QueryableStateLookup(ShardEndpoint proxy) {
        try {
            this.client =
                    new QueryableStateClient(InetAddress.getByName(proxy.host()), proxy.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(
                    "cannot resolve the Queryable State proxy host '" + proxy.host() + "'", e);
        }
    }

    @Override
    public CompletableFuture<byte[]> lookup(JobID job, int key) {
        ValueStateDescriptor<byte[]> descriptor =
                new ValueStateDescriptor<>(
                        ShardStatus.QUERYABLE_NAME,
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
        return client.getKvState(
                        job,
                        ShardStatus.QUERYABLE_NAME,
                        key,
                        BasicTypeInfo.INT_TYPE_INFO,
                        descriptor)
                .thenApply(QueryableStateLookup::valueOf);
    }

    private static byte[] valueOf(ValueState<byte[]> state) {
        try {
            return state.value();
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    @Override
    public void close() {
        client.shutdownAndWait();
    }
}
