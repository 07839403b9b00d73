package dev.unitune.autograd.nn;

import dev.unitune.autograd.Generator;
import dev.unitune.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Low-rank adapters (LoRA) on chosen Linear/Conv2d layers of a model. {@link #attach} freezes every base
 * parameter and adds trainable {@code lora_A}/{@code lora_B} pairs (PEFT naming) to the layers whose dotted
 * name matches a regex; their weights can be saved and loaded alone, or merged into the base weights.
 */
public final class Lora {
    private Lora() {}

    /**
     * @param nameRegex matched (find, not full match) against each module's dotted name, e.g.
     *                  {@code "attn[12]\\.(to_q|to_k|to_v|to_out\\.0)$"}
     * @return the names of the layers that received an adapter
     */
    public static List<String> attach(Module root, String nameRegex, int rank, double alpha, Generator gen) {
        Pattern p = Pattern.compile(nameRegex);
        List<String> chosen = new ArrayList<>();
        for (Map.Entry<String, Module> e : root.namedModules().entrySet())
            if (e.getValue() instanceof LoraTarget && p.matcher(e.getKey()).find()) chosen.add(e.getKey());
        if (chosen.isEmpty())
            throw new IllegalArgumentException("LoRA pattern '" + nameRegex + "' matches no Linear/Conv2d layer of " + root.getClass().getSimpleName());
        root.requiresGrad(false);
        LinkedHashMap<String, Module> modules = root.namedModules();
        for (String name : chosen) ((LoraTarget) modules.get(name)).attachLora(rank, alpha, gen);
        return chosen;
    }

    public static boolean isLoraKey(String key) { return key.contains("lora_A.") || key.contains("lora_B."); }

    /** Only the adapter weights, under their full dotted names. */
    public static LinkedHashMap<String, Tensor> stateDict(Module root) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        root.stateDict().forEach((k, t) -> { if (isLoraKey(k)) out.put(k, t); });
        return out;
    }

    /**
     * Loads adapter weights saved by {@link #stateDict}; adapters must already be attached with the same
     * pattern and rank. Keys that are not LoRA keys are refused; all adapter keys must be present.
     */
    public static void load(Module root, Map<String, Tensor> weights) {
        List<String> foreign = new ArrayList<>();
        for (String k : weights.keySet()) if (!isLoraKey(k)) foreign.add(k);
        if (!foreign.isEmpty()) throw new IllegalArgumentException("not LoRA weights: " + foreign.size() + " key(s) such as " + foreign.get(0));
        LinkedHashMap<String, Tensor> mine = stateDict(root);
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        for (String k : mine.keySet()) if (!weights.containsKey(k)) missing.add(k);
        for (String k : weights.keySet()) if (!mine.containsKey(k)) unexpected.add(k);
        if (!missing.isEmpty() || !unexpected.isEmpty())
            throw new IllegalArgumentException("LoRA weights do not match the attached adapters: missing " + missing + ", unexpected " + unexpected);
        root.loadStateDict(weights, false);
    }

    /** Folds every adapter into its base weight and removes it; the model then runs at base cost. */
    public static int merge(Module root) {
        int n = 0;
        for (Module m : root.namedModules().values())
            if (m instanceof LoraTarget t && t.hasLora()) {
                t.mergeLora();
                n++;
            }
        return n;
    }
}
