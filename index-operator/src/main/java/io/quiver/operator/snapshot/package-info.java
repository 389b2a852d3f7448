/**
 * Graph snapshots of the index operator: the Flink configuration keys of the snapshot cadence, the
 * chunked byte layout with its header and checksum, and nothing that touches Flink state directly
 * (the operator owns the states; see {@code docs/state-layout.md}).
 */
package io.quiver.operator.snapshot;
