package io.quiver.query.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.testing.Specs;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class CollectionCatalogTest {

    private final CollectionCatalog catalog = new CollectionCatalog();

    @Test
    void keepsTheLatestSpecAndForgetsDeletedOnes() {
        catalog.apply("a", Specs.spec("a", 3, "l2"), 0, 0);
        catalog.apply("a", Specs.spec("a", 4, "l2"), 0, 1);
        catalog.apply("b", Specs.spec("b", 2, "dot"), 1, 0);
        assertThat(catalog.get("a").orElseThrow().getDimension()).isEqualTo(4);
        assertThat(catalog.list()).extracting(s -> s.getName()).containsExactly("a", "b");
        catalog.apply("a", null, 0, 2);
        assertThat(catalog.get("a")).isEmpty();
    }

    @Test
    void awaitSeenCompletesOnceThePartitionPassedTheOffset() {
        CompletableFuture<Void> f = catalog.awaitSeen(2, 5);
        catalog.advance(2, 5);
        assertThat(f).isNotDone();
        catalog.advance(1, 100);
        assertThat(f).isNotDone();
        catalog.apply("x", Specs.spec("x", 3, "l2"), 2, 5);
        assertThat(f).isCompleted();
        assertThat(catalog.awaitSeen(2, 4)).isCompleted();
    }

    @Test
    void closeFailsWaiters() {
        CompletableFuture<Void> f = catalog.awaitSeen(0, 0);
        catalog.close();
        assertThat(f).isCompletedExceptionally();
    }
}
