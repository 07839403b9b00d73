package dev.unitune.kernels.opencl;

import dev.unitune.kernels.device.DeviceApi;
import dev.unitune.kernels.device.DeviceBuffer;
import dev.unitune.kernels.device.KernelSources;
import dev.unitune.kernels.device.ViewArg;
import dev.unitune.tensor.BackendUnavailableException;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

import java.util.HashMap;
import java.util.Map;

import static org.jocl.CL.*;

/**
 * {@link DeviceApi} on OpenCL through JOCL: the first device of the first platform that has one (GPUs
 * preferred). Programs are built once per family per JVM, on first use; launches are serialised because
 * an OpenCL kernel object holds its arguments.
 */
public final class OpenClDevice implements DeviceApi {
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_device_id device;
    private final String description;
    private final boolean cpuDevice;
    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();

    private OpenClDevice(cl_context context, cl_command_queue queue, cl_device_id device, String description, boolean cpuDevice) {
        this.context = context;
        this.queue = queue;
        this.device = device;
        this.description = description;
        this.cpuDevice = cpuDevice;
    }

    /** Opens the best OpenCL device, or explains in one line why there is none. */
    public static OpenClDevice open() throws BackendUnavailableException {
        try {
            CL.setExceptionsEnabled(true);
            int[] n = new int[1];
            try {
                clGetPlatformIDs(0, null, n);
            } catch (Exception e) {
                throw new BackendUnavailableException("no OpenCL platform (install an ICD such as pocl-opencl-icd): " + e.getMessage());
            }
            if (n[0] == 0) throw new BackendUnavailableException("no OpenCL platform installed");
            cl_platform_id[] platforms = new cl_platform_id[n[0]];
            clGetPlatformIDs(n[0], platforms, null);
            cl_platform_id chosenPlatform = null;
            cl_device_id chosen = null;
            for (long type : new long[] {CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ALL}) {
                for (cl_platform_id p : platforms) {
                    int[] nd = new int[1];
                    try {
                        clGetDeviceIDs(p, type, 0, null, nd);
                    } catch (Exception e) {
                        continue; // CL_DEVICE_NOT_FOUND
                    }
                    if (nd[0] == 0) continue;
                    cl_device_id[] ds = new cl_device_id[nd[0]];
                    clGetDeviceIDs(p, type, nd[0], ds, null);
                    chosenPlatform = p;
                    chosen = ds[0];
                    break;
                }
                if (chosen != null) break;
            }
            if (chosen == null) throw new BackendUnavailableException("OpenCL platform(s) found but no device");
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL_CONTEXT_PLATFORM, chosenPlatform);
            cl_context ctx = clCreateContext(props, 1, new cl_device_id[] {chosen}, null, null, null);
            @SuppressWarnings("deprecation")
            cl_command_queue q = clCreateCommandQueue(ctx, chosen, 0, null);
            long[] type = new long[1];
            clGetDeviceInfo(chosen, CL_DEVICE_TYPE, Sizeof.cl_long, Pointer.to(type), null);
            long[] mem = new long[1];
            clGetDeviceInfo(chosen, CL_DEVICE_GLOBAL_MEM_SIZE, Sizeof.cl_long, Pointer.to(mem), null);
            int[] cus = new int[1];
            clGetDeviceInfo(chosen, CL_DEVICE_MAX_COMPUTE_UNITS, Sizeof.cl_uint, Pointer.to(cus), null);
            String name = deviceString(chosen, CL_DEVICE_NAME);
            String platformName = platformString(chosenPlatform, CL_PLATFORM_NAME);
            boolean cpu = (type[0] & CL_DEVICE_TYPE_CPU) != 0;
            String desc = String.format("OpenCL %s on %s: %d compute units, %.1f GiB%s", name, platformName, cus[0],
                    mem[0] / (1024.0 * 1024 * 1024), cpu ? " (CPU device)" : "");
            return new OpenClDevice(ctx, q, chosen, desc, cpu);
        } catch (BackendUnavailableException e) {
            throw e;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new BackendUnavailableException("OpenCL library not loadable (libOpenCL.so.1 missing?): " + e.getMessage());
        } catch (RuntimeException e) {
            throw new BackendUnavailableException("OpenCL initialisation failed: " + e.getMessage());
        }
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return new String(buf, 0, Math.max(0, buf.length - 1)).trim();
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return new String(buf, 0, Math.max(0, buf.length - 1)).trim();
    }

    @Override public String apiName() { return "opencl"; }
    @Override public String description() { return description; }
    @Override public boolean isCpuDevice() { return cpuDevice; }

    @Override
    public DeviceBuffer alloc(long bytes) {
        cl_mem mem = clCreateBuffer(context, CL_MEM_READ_WRITE, Math.max(bytes, 16), null, null);
        return new DeviceBuffer(mem, bytes);
    }

    @Override
    public void free(DeviceBuffer buffer) { clReleaseMemObject((cl_mem) buffer.handle()); }

    @Override
    public void write(DeviceBuffer dst, long byteOffset, Object hostArray) {
        long bytes = dev.unitune.tensor.HostArray.byteSize(hostArray);
        if (bytes == 0) return;
        clEnqueueWriteBuffer(queue, (cl_mem) dst.handle(), CL_TRUE, byteOffset, bytes, HostArrays.pointer(hostArray), 0, null, null);
    }

    @Override
    public void read(DeviceBuffer src, long byteOffset, Object hostArray) {
        long bytes = dev.unitune.tensor.HostArray.byteSize(hostArray);
        if (bytes == 0) return;
        clEnqueueReadBuffer(queue, (cl_mem) src.handle(), CL_TRUE, byteOffset, bytes, HostArrays.pointer(hostArray), 0, null, null);
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) {
        if (bytes == 0) return;
        clEnqueueCopyBuffer(queue, (cl_mem) src.handle(), (cl_mem) dst.handle(), srcOffset, dstOffset, bytes, 0, null, null);
    }

    @Override
    public synchronized void launch(String family, String kernel, int[] grid, int[] block, Object... args) {
        cl_kernel k = kernel(family, kernel);
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof DeviceBuffer b) clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to((cl_mem) b.handle()));
            else if (a instanceof Integer v) clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
            else if (a instanceof Long v) clSetKernelArg(k, i, Sizeof.cl_long, Pointer.to(new long[] {v}));
            else if (a instanceof Float v) clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
            else if (a instanceof Double v) clSetKernelArg(k, i, Sizeof.cl_double, Pointer.to(new double[] {v}));
            else if (a instanceof ViewArg v) clSetKernelArg(k, i, ViewArg.BYTES, Pointer.to(v.toBytes()));
            else if (a instanceof int[] v) clSetKernelArg(k, i, 4L * v.length, Pointer.to(v)); // an all-int struct by value
            else throw new IllegalArgumentException("unsupported kernel argument " + a + " for " + family + "." + kernel);
        }
        int dims = grid.length;
        long[] global = new long[dims], local = new long[dims];
        for (int d = 0; d < dims; d++) {
            local[d] = block[d];
            global[d] = (long) grid[d] * block[d];
        }
        clEnqueueNDRangeKernel(queue, k, dims, null, global, local, 0, null, null);
    }

    private cl_kernel kernel(String family, String name) {
        String key = family + "." + name;
        cl_kernel k = kernels.get(key);
        if (k != null) return k;
        cl_program program = programs.computeIfAbsent(family, this::build);
        k = clCreateKernel(program, name, null);
        kernels.put(key, k);
        return k;
    }

    /** Builds a family's program now (normally done on first launch); throws with the build log on error. */
    public synchronized void compile(String family) { programs.computeIfAbsent(family, this::build); }

    private cl_program build(String family) {
        cl_program p = clCreateProgramWithSource(context, 1, new String[] {KernelSources.openClSource(family)}, null, null);
        try {
            clBuildProgram(p, 1, new cl_device_id[] {device}, "-cl-std=CL1.2", null, null);
        } catch (RuntimeException e) {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] log = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
            throw new IllegalStateException("OpenCL build of kernel family " + family + " failed:\n" + new String(log).trim(), e);
        }
        return p;
    }

    @Override
    public void synchronize() { clFinish(queue); }

    @Override
    public synchronized void close() {
        for (cl_kernel k : kernels.values()) clReleaseKernel(k);
        for (cl_program p : programs.values()) clReleaseProgram(p);
        kernels.clear();
        programs.clear();
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }
}
