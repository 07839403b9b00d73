package dev.unitune.tensor;

/**
 * A flat buffer of {@code length} elements of one dtype, owned by one backend. Tensors are strided views
 * over a storage. Freeing is deterministic: {@link #free()} (directly, through {@link Tensor#close()} or
 * through the {@link MemoryScope} that registered it) releases device memory at once; host storages are
 * plain Java arrays, so freeing them only drops the reference.
 */
public abstract class Storage {
    private final Backend backend;
    private final DType dtype;
    private final long length;
    private volatile boolean freed;

    protected Storage(Backend backend, DType dtype, long length) {
        this.backend = backend;
        this.dtype = dtype;
        this.length = length;
    }

    public Backend backend() { return backend; }

    public DType dtype() { return dtype; }

    /** Number of elements. */
    public long length() { return length; }

    public long byteSize() { return length * dtype.byteSize(); }

    public boolean isFreed() { return freed; }

    /** Releases the memory; idempotent. Using a freed storage afterwards is an error. */
    public final void free() {
        synchronized (this) {
            if (freed) return;
            freed = true;
        }
        release();
    }

    /** Backend-specific release of the underlying memory, called once. */
    protected abstract void release();

    /** Throws a clear error if this storage was freed. */
    public void checkLive() {
        if (freed) throw new IllegalStateException("use of a freed " + dtype.id() + " storage of " + length
                + " elements on backend " + backend.name());
    }
}
