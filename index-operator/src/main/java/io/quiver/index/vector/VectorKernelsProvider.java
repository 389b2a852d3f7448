package io.quiver.index.vector;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the kernels once per JVM. The Vector API class is loaded reflectively so that a JVM
 * started without {@code --add-modules jdk.incubator.vector} never links against it.
 */
final class VectorKernelsProvider {

    /** Set to {@code true} to force the scalar kernels (debugging, comparing results). */
    static final String FORCE_SCALAR_PROPERTY = "quiver.vector.scalar";

    private static final Logger LOG = LoggerFactory.getLogger(VectorKernelsProvider.class);

    static final VectorKernels INSTANCE = choose();

    private VectorKernelsProvider() {}

    private static VectorKernels choose() {
        if (Boolean.getBoolean(FORCE_SCALAR_PROPERTY)) {
            LOG.info("{}=true: using scalar vector kernels", FORCE_SCALAR_PROPERTY);
            return DefaultVectorKernels.INSTANCE;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.warn(
                    "jdk.incubator.vector is not available: using scalar vector kernels, several"
                            + " times slower; start the JVM with --add-modules jdk.incubator.vector");
            return DefaultVectorKernels.INSTANCE;
        }
        try {
            return (VectorKernels)
                    Class.forName("io.quiver.index.vector.PanamaVectorKernels")
                            .getDeclaredConstructor()
                            .newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            LOG.warn("Vector API kernels failed to load, using scalar vector kernels", e);
            return DefaultVectorKernels.INSTANCE;
        }
    }
}
