package io.quiver.index.hnsw;

/** How an index keeps its vectors. */
public enum Storage {
    /** Four bytes per component, exact distances. */
    FLOAT32,
    /**
     * One byte per component (scalar quantized, see {@link io.quiver.index.quant.ScalarQuantizer}):
     * about a quarter of the memory, approximate distances; with float32 rescoring enabled the
     * final top-k is ordered by exact distances from a float32 copy.
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
