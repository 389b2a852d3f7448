package io.quiver.query.routing;

import io.quiver.schemas.status.ShardStatus;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.queryablestate.client.QueryableStateClient;

/**
 * {@link ShardStatusLookup} through Flink's Queryable State client proxies. Each client is
 * asynchronous (Netty inside) and shared by all lookups.
 *
 * <p>A TaskManager's proxy only answers for jobs that have tasks on that TaskManager, and it is
 * gone while its TaskManager is down. So with several proxies a failed lookup is retried on the
 * next one, and the proxy that answered last is asked first; the lookup fails with the last proxy's
 * error when none answers.
 */
@SuppressWarnings("deprecation") // Queryable State is deprecated in Flink but still shipped.
public final class QueryableStateLookup implements ShardStatusLookup {

    private static final long RENEW_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final List<ShardEndpoint> proxies;
    private final AtomicReferenceArray<QueryableStateClient> clients;
    private final AtomicLongArray renewedAtNanos;
    private volatile int preferred;

    /**
     * @param proxy the Queryable State client proxy of any TaskManager ({@code
     *     queryable-state.proxy.ports})
     * @throws IllegalArgumentException when the host cannot be resolved
     */
    public QueryableStateLookup(ShardEndpoint proxy) {
        this(List.of(proxy));
    }

    /**
     * @param proxies Queryable State client proxies of one or more TaskManagers, tried in turn
     * @throws IllegalArgumentException when the list is empty or a host cannot be resolved
     */
    public QueryableStateLookup(List<ShardEndpoint> proxies) {
        if (proxies.isEmpty()) {
            throw new IllegalArgumentException("at least one Queryable State proxy is needed");
        }
        this.proxies = List.copyOf(proxies);
        this.clients = new AtomicReferenceArray<>(proxies.size());
        this.renewedAtNanos = new AtomicLongArray(proxies.size());
        for (int i = 0; i < proxies.size(); i++) {
            try {
                clients.set(i, newClient(proxies.get(i)));
            } catch (IllegalArgumentException e) {
                close();
                throw e;
            }
        }
    }

    private static QueryableStateClient newClient(ShardEndpoint proxy) {
        try {
            return new QueryableStateClient(InetAddress.getByName(proxy.host()), proxy.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(
                    "cannot resolve the Queryable State proxy host '" + proxy.host() + "'", e);
        }
    }

    /**
     * Parses {@code host:port[,host:port...]}.
     *
     * @throws IllegalArgumentException naming the malformed entry
     */
    public static List<ShardEndpoint> parseProxies(String addresses) {
        if (addresses == null || addresses.isBlank()) {
            throw new IllegalArgumentException(
                    "Queryable State proxy must be host:port[,host:port...], got '"
                            + addresses
                            + "'");
        }
        List<ShardEndpoint> proxies = new ArrayList<>();
        for (String address : addresses.split(",")) {
            proxies.add(ShardEndpoint.parse(address.trim()));
        }
        return proxies;
    }

    @Override
    public CompletableFuture<byte[]> lookup(JobID job, int key) {
        int first = preferred;
        return attempt(job, key, first, 0);
    }

    private CompletableFuture<byte[]> attempt(JobID job, int key, int index, int tried) {
        return lookupOn(index, job, key)
                .handle(
                        (value, failure) -> {
                            if (failure == null) {
                                preferred = index;
                                return CompletableFuture.completedFuture(value);
                            }
                            if (isConnectionFailure(failure)) {
                                renew(index);
                            }
                            if (tried + 1 >= clients.length()) {
                                return CompletableFuture.<byte[]>failedFuture(failure);
                            }
                            return attempt(job, key, (index + 1) % clients.length(), tried + 1);
                        })
                .thenCompose(f -> f);
    }

    private CompletableFuture<byte[]> lookupOn(int index, JobID job, int key) {
        ValueStateDescriptor<byte[]> descriptor =
                new ValueStateDescriptor<>(
                        ShardStatus.QUERYABLE_NAME,
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
        return clients.get(index)
                .getKvState(
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

    /** Replaces the client of proxy {@code index}, unless another thread just did. */
    private void renew(int index) {
        long now = System.nanoTime();
        long last = renewedAtNanos.get(index);
        if (last != 0 && now - last < RENEW_GAP_NANOS) {
            return;
        }
        if (renewedAtNanos.compareAndSet(index, last, now)) {
            QueryableStateClient old = clients.getAndSet(index, newClient(proxies.get(index)));
            old.shutdownAndHandle();
        }
    }

    private static boolean isConnectionFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t instanceof ConnectException
                    || t instanceof ClosedChannelException
                    || message.contains("Connection refused")
                    || message.contains("onnection closed")
                    || message.contains("already been closed")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        for (int i = 0; i < clients.length(); i++) {
            QueryableStateClient client = clients.get(i);
            if (client != null) {
                client.shutdownAndWait();
            }
        }
    }
}
