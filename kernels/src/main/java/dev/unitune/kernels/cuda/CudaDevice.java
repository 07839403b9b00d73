package dev.unitune.kernels.cuda;

import dev.unitune.kernels.device.DeviceApi;
import dev.unitune.kernels.device.DeviceBuffer;
import dev.unitune.kernels.device.KernelSources;
import dev.unitune.kernels.device.ViewArg;
import dev.unitune.tensor.BackendUnavailableException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

import java.util.HashMap;
import java.util.Map;

import static jcuda.driver.JCudaDriver.*;

/**
 * {@link DeviceApi} on the CUDA driver API through JCuda: cuInit, cuModuleLoadData on the committed PTX,
 * cuLaunchKernel, cuMemAlloc. Nothing from the CUDA runtime, NVRTC or cuBLAS is used (their JCuda natives
 * need CUDA 12 libraries; the driver API needs only libcuda.so.1). One context, made current on each
 * calling thread; work goes to the default stream, so copies after launches see their results.
 */
public final class CudaDevice implements DeviceApi {
    private final CUcontext context;
    private final CUdevice device;
    private final String description;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();

    private CudaDevice(CUcontext context, CUdevice device, String description) {
        this.context = context;
        this.device = device;
        this.description = description;
    }

    /** Opens device 0, or explains in one line why CUDA cannot run here. */
    public static CudaDevice open() throws BackendUnavailableException {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] count = new int[1];
            cuDeviceGetCount(count);
            if (count[0] == 0) throw new BackendUnavailableException("CUDA driver loaded but no CUDA device found");
            CUdevice dev = new CUdevice();
            cuDeviceGet(dev, 0);
            byte[] name = new byte[256];
            cuDeviceGetName(name, name.length, dev);
            long[] mem = new long[1];
            cuDeviceTotalMem(mem, dev);
            int[] major = new int[1], minor = new int[1], sms = new int[1];
            cuDeviceGetAttribute(major, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
            cuDeviceGetAttribute(minor, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
            cuDeviceGetAttribute(sms, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
            if (major[0] < 8)
                throw new BackendUnavailableException("CUDA device is sm_" + major[0] + minor[0] + "; the PTX here targets sm_80 and newer");
            // the device's primary context (shared with any other driver-API user in the process, e.g. a profiler)
            CUcontext ctx = new CUcontext();
            cuDevicePrimaryCtxRetain(ctx, dev);
            cuCtxSetCurrent(ctx);
            String n = new String(name).trim().replace("\0", "");
            String desc = String.format("CUDA %s (sm_%d%d): %d SMs, %.1f GiB", n, major[0], minor[0], sms[0], mem[0] / (1024.0 * 1024 * 1024));
            return new CudaDevice(ctx, dev, desc);
        } catch (BackendUnavailableException e) {
            throw e;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new BackendUnavailableException("CUDA driver library not loadable (no NVIDIA driver / libcuda.so.1): " + firstLine(e.getMessage()));
        } catch (RuntimeException e) {
            throw new BackendUnavailableException("CUDA initialisation failed: " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private void current() { cuCtxSetCurrent(context); }

    @Override public String apiName() { return "cuda"; }
    @Override public String description() { return description; }
    @Override public boolean isCpuDevice() { return false; }

    @Override
    public DeviceBuffer alloc(long bytes) {
        current();
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, Math.max(bytes, 16));
        return new DeviceBuffer(p, bytes);
    }

    @Override
    public void free(DeviceBuffer buffer) {
        current();
        cuMemFree((CUdeviceptr) buffer.handle());
    }

    @Override
    public void write(DeviceBuffer dst, long byteOffset, Object hostArray) {
        long bytes = dev.unitune.tensor.HostArray.byteSize(hostArray);
        if (bytes == 0) return;
        current();
        cuMemcpyHtoD(((CUdeviceptr) dst.handle()).withByteOffset(byteOffset), CudaArrays.pointer(hostArray), bytes);
    }

    @Override
    public void read(DeviceBuffer src, long byteOffset, Object hostArray) {
        long bytes = dev.unitune.tensor.HostArray.byteSize(hostArray);
        if (bytes == 0) return;
        current();
        cuMemcpyDtoH(CudaArrays.pointer(hostArray), ((CUdeviceptr) src.handle()).withByteOffset(byteOffset), bytes);
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) {
        if (bytes == 0) return;
        current();
        cuMemcpyDtoD(((CUdeviceptr) dst.handle()).withByteOffset(dstOffset), ((CUdeviceptr) src.handle()).withByteOffset(srcOffset), bytes);
    }

    @Override
    public synchronized void launch(String family, String kernel, int[] grid, int[] block, Object... args) {
        current();
        CUfunction f = function(family, kernel);
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof DeviceBuffer b) params[i] = Pointer.to((CUdeviceptr) b.handle());
            else if (a instanceof Integer v) params[i] = Pointer.to(new int[] {v});
            else if (a instanceof Long v) params[i] = Pointer.to(new long[] {v});
            else if (a instanceof Float v) params[i] = Pointer.to(new float[] {v});
            else if (a instanceof Double v) params[i] = Pointer.to(new double[] {v});
            else if (a instanceof ViewArg v) params[i] = Pointer.to(v.toBytes());
            else if (a instanceof int[] v) params[i] = Pointer.to(v);
            else throw new IllegalArgumentException("unsupported kernel argument " + a + " for " + family + "." + kernel);
        }
        int gx = grid[0], gy = grid.length > 1 ? grid[1] : 1, gz = grid.length > 2 ? grid[2] : 1;
        int bx = block[0], by = block.length > 1 ? block[1] : 1, bz = block.length > 2 ? block[2] : 1;
        cuLaunchKernel(f, gx, gy, gz, bx, by, bz, 0, null, Pointer.to(params), null);
    }

    private CUfunction function(String family, String name) {
        String key = family + "." + name;
        CUfunction f = functions.get(key);
        if (f != null) return f;
        CUmodule m = modules.computeIfAbsent(family, fam -> {
            String ptx = KernelSources.ptx(fam);
            String want = KernelSources.sourceHash(fam), got = KernelSources.recordedHash(ptx);
            if (!want.equals(got))
                throw new IllegalStateException("PTX of kernel family " + fam + " is stale (built from other sources); run scripts/build-ptx.sh");
            CUmodule mod = new CUmodule();
            cuModuleLoadData(mod, (ptx + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII)); // NUL-terminated PTX text
            return mod;
        });
        f = new CUfunction();
        cuModuleGetFunction(f, m, name);
        functions.put(key, f);
        return f;
    }

    @Override
    public void synchronize() {
        current();
        cuCtxSynchronize();
    }

    @Override
    public synchronized void close() {
        current();
        for (CUmodule m : modules.values()) cuModuleUnload(m);
        modules.clear();
        functions.clear();
        cuDevicePrimaryCtxRelease(device);
    }
}
