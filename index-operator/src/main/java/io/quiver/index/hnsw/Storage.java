package io.quiver.index.hnsw;

/** How an index keeps its vectors. */
public enum Storage {
    /** Four bytes per component, exact distances. */
    FLOAT32,
    /**
     * One byte per component (scalar quantized, see {@link io.quiver.index.quant.ScalarQuantizer}):
     * about a quarter of the memory, approximate distances; with a {@link VectorSource} attached
     * the final top-k is ordered by exact float32 distances read from it.
     */
    INT8;

    public static Storage parse(String name) {
        if (name != null) {
            for (Storage s : values()) {
                if (s.name().equalsIgnoreCase(name.trim())) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException(
                "unknown storage '" + name + "': expected one of float32, int8");
    }
}
