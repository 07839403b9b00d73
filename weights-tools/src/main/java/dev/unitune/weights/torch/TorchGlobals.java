package dev.unitune.weights.torch;

import dev.unitune.weights.WeightDType;

import java.util.Map;
import java.util.Set;

/**
 * The only globals a checkpoint pickle may name: what torch.load(weights_only=True) allows for state
 * dicts, plus known-harmless classes found in real Stable Diffusion checkpoints, which become inert
 * placeholders. Anything else (os.system, builtins.eval, subprocess.*, unknown classes) is refused.
 */
final class TorchGlobals {
    private TorchGlobals() {}

    static final Set<String> CALLABLES = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_tensor", // legacy (torch < 0.4) spelling, same meaning without requires_grad
            "torch._utils._rebuild_parameter",
            "torch.nn.parameter.Parameter",
            "torch.Size",
            "_codecs.encode");

    static final Map<String, WeightDType> STORAGES = Map.of(
            "FloatStorage", WeightDType.F32, "DoubleStorage", WeightDType.F64, "HalfStorage", WeightDType.F16,
            "BFloat16Storage", WeightDType.BF16, "LongStorage", WeightDType.I64, "IntStorage", WeightDType.I32,
            "ShortStorage", WeightDType.I16, "CharStorage", WeightDType.I8, "ByteStorage", WeightDType.U8,
            "BoolStorage", WeightDType.BOOL);

    static final Set<String> DTYPES = Set.of("float32", "float", "float64", "double", "float16", "half", "bfloat16",
            "int64", "long", "int32", "int", "int16", "short", "int8", "uint8", "bool");

    /** Classes seen in real checkpoints' non-weight entries; kept as placeholders, never constructed. */
    static final Set<String> INERT = Set.of(
            "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
            "numpy.core.multiarray.scalar",
            "numpy._core.multiarray.scalar",
            "numpy.dtype");

    /** The value a GLOBAL opcode pushes, or an exception naming the refused global. */
    static Object resolve(String module, String name, String file) {
        String q = module + "." + name;
        if (CALLABLES.contains(q)) return new PyValues.Global(module, name);
        if (module.equals("torch") && STORAGES.containsKey(name)) return new PyValues.StorageType(name, STORAGES.get(name));
        if (module.equals("torch") && DTYPES.contains(name)) return new PyValues.TorchDtype(name);
        if (INERT.contains(q)) return new PyValues.Placeholder(q);
        throw new PickleException(file + ": refused global '" + q + "' (only torch weights, OrderedDict and known-harmless classes are allowed)");
    }
}
