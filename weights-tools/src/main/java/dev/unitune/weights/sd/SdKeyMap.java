package dev.unitune.weights.sd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps the tensor names of original single-file Stable Diffusion checkpoints to diffusers names. The
 * map itself is data ({@code sd-checkpoint-keys.rules}, documented in that file); this class only
 * interprets it.
 */
public final class SdKeyMap {
    /** What happens to one original key. */
    public sealed interface Outcome permits Ignored, Dropped, Mapped, Unmapped {}

    /** Not a weight diffusers has (EMA copy, schedule buffer, position ids, ...). */
    public record Ignored(String key) implements Outcome {}

    /** A weight of a known component that diffusers does not keep (SD 2.x's last text layer). */
    public record Dropped(String key, String component) implements Outcome {}

    /** Reshape applied on the way. */
    public enum Op { COPY, SPLIT3, CONV1X1_TO_LINEAR }

    /** targets has one name, or three (q, k, v) for SPLIT3. */
    public record Mapped(String key, String component, List<String> targets, Op op) implements Outcome {}

    /** No rule matches; component is null when the key is outside every component prefix. */
    public record Unmapped(String key, String component) implements Outcome {}

    private record Rule(String component, Pattern from, int literalLength, String to, String group, Op op, boolean prefix) {}

    private final List<String> ignorePrefixes = new ArrayList<>();
    private final List<String> ignoreExact = new ArrayList<>();
    private final List<String[]> components = new ArrayList<>(); // {name, prefix}
    private final List<Rule> rules = new ArrayList<>();
    private final List<Rule> drops = new ArrayList<>();
    private final Map<String, List<String[]>> renames = new HashMap<>();
    private final List<String[]> lastDrops = new ArrayList<>(); // {component, pattern with {last}}

    private static SdKeyMap standard;

    /** The map for SD 1.x and 2.x kept in the resources. */
    public static synchronized SdKeyMap standard() {
        if (standard == null) {
            try (InputStream in = SdKeyMap.class.getResourceAsStream("/dev/unitune/weights/sd/sd-checkpoint-keys.rules")) {
                if (in == null) throw new IllegalStateException("sd-checkpoint-keys.rules missing from the classpath");
                standard = parse(in, "sd-checkpoint-keys.rules");
            } catch (IOException e) {
                throw new IllegalStateException("cannot read sd-checkpoint-keys.rules: " + e.getMessage(), e);
            }
        }
        return standard;
    }

    public static SdKeyMap parse(InputStream in, String label) throws IOException {
        SdKeyMap m = new SdKeyMap();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int no = 0;
        while ((line = r.readLine()) != null) {
            no++;
            int hash = line.indexOf('#');
            String s = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (s.isEmpty()) continue;
            String[] f = s.split("\\s+");
            String where = label + ":" + no + ": ";
            switch (f[0]) {
                case "ignore" -> {
                    need(f, 2, where);
                    (f[1].endsWith(".") ? m.ignorePrefixes : m.ignoreExact).add(f[1]);
                }
                case "component" -> { need(f, 3, where); m.components.add(new String[]{f[1], f[2]}); }
                case "map" -> {
                    if (f.length < 4) throw new IllegalArgumentException(where + "map needs <component> <from> <to>");
                    String group = null;
                    Op op = Op.COPY;
                    for (int i = 4; i < f.length; i++) {
                        if (f[i].startsWith("@")) group = f[i];
                        else if (f[i].equals("split3")) op = Op.SPLIT3;
                        else if (f[i].equals("conv1x1")) op = Op.CONV1X1_TO_LINEAR;
                        else throw new IllegalArgumentException(where + "unknown flag " + f[i]);
                    }
                    if (op == Op.SPLIT3 && !f[3].contains("{qkv}")) throw new IllegalArgumentException(where + "split3 target needs {qkv}");
                    m.rules.add(rule(f[1], f[2], f[3], group, op));
                }
                case "rename" -> { need(f, 4, where); m.renames.computeIfAbsent(f[1], k -> new ArrayList<>()).add(new String[]{f[2], f[3]}); }
                case "drop" -> {
                    need(f, 3, where);
                    if (f[2].contains("{last}")) m.lastDrops.add(new String[]{f[1], f[2]});
                    else m.drops.add(rule(f[1], f[2], "", null, Op.COPY));
                }
                default -> throw new IllegalArgumentException(where + "unknown directive " + f[0]);
            }
        }
        for (Rule rule : m.rules)
            if (rule.group() != null && !m.renames.containsKey(rule.group()))
                throw new IllegalArgumentException(label + ": group " + rule.group() + " has no rename lines");
        Comparator<Rule> longestFirst = Comparator.comparingInt(Rule::literalLength).reversed();
        m.rules.sort(longestFirst);
        m.components.sort(Comparator.comparingInt((String[] c) -> c[1].length()).reversed());
        return m;
    }

    private static void need(String[] f, int n, String where) {
        if (f.length != n) throw new IllegalArgumentException(where + f[0] + " takes " + (n - 1) + " arguments");
    }

    private static Rule rule(String component, String from, String to, String group, Op op) {
        boolean prefix = from.endsWith(".");
        StringBuilder re = new StringBuilder("^");
        int literal = 0;
        for (String part : from.split("\\{n}", -1)) {
            if (re.length() > 1) re.append("(\\d+)");
            re.append(Pattern.quote(part));
            literal += part.length();
        }
        re.append(prefix ? "(.*)$" : "$");
        return new Rule(component, Pattern.compile(re.toString(), Pattern.DOTALL), literal, to, group, op, prefix);
    }

    /**
     * This map with every {@code {last}} in drop rules bound to the highest number found at that place
     * among the checkpoint's names (SD 2.x: the 24th OpenCLIP layer, which diffusers does not keep).
     */
    public SdKeyMap forCheckpoint(Iterable<String> names) {
        SdKeyMap b = new SdKeyMap();
        b.ignorePrefixes.addAll(ignorePrefixes);
        b.ignoreExact.addAll(ignoreExact);
        b.components.addAll(components);
        b.rules.addAll(rules);
        b.drops.addAll(drops);
        b.renames.putAll(renames);
        for (String[] d : lastDrops) {
            String prefix = null;
            for (String[] c : components) if (c[0].equals(d[0])) prefix = c[1];
            if (prefix == null) continue;
            int at = d[1].indexOf("{last}");
            String before = prefix + d[1].substring(0, at);
            long max = -1;
            for (String n : names) {
                if (!n.startsWith(before)) continue;
                int i = before.length(), j = i;
                while (j < n.length() && Character.isDigit(n.charAt(j))) j++;
                if (j > i && j - i < 10) max = Math.max(max, Long.parseLong(n.substring(i, j)));
            }
            if (max >= 0) b.drops.add(rule(d[0], d[1].replace("{last}", Long.toString(max)), "", null, Op.COPY));
        }
        return b;
    }

    public Outcome map(String key) {
        for (String p : ignorePrefixes) if (key.startsWith(p)) return new Ignored(key);
        if (ignoreExact.contains(key)) return new Ignored(key);
        for (String[] c : components) {
            if (!key.startsWith(c[1])) continue;
            String component = c[0], rel = key.substring(c[1].length());
            for (Rule d : drops) if (d.component().equals(component) && d.from().matcher(rel).matches()) return new Dropped(key, component);
            for (Rule r : rules) {
                if (!r.component().equals(component)) continue;
                Matcher mt = r.from().matcher(rel);
                if (!mt.matches()) continue;
                int numbers = mt.groupCount() - (r.prefix() ? 1 : 0);
                String to = r.to();
                for (int g = 1; g <= numbers; g++) to = to.replaceFirst("\\{n}", Matcher.quoteReplacement(mt.group(g)));
                if (r.prefix()) to = to + rename(r.group(), mt.group(mt.groupCount()));
                List<String> targets = r.op() == Op.SPLIT3
                        ? List.of(to.replace("{qkv}", "q"), to.replace("{qkv}", "k"), to.replace("{qkv}", "v"))
                        : List.of(to);
                return new Mapped(key, component, targets, r.op());
            }
            return new Unmapped(key, component);
        }
        return new Unmapped(key, null);
    }

    private String rename(String group, String rest) {
        if (group == null) return rest;
        for (String[] rn : renames.get(group)) if (rest.startsWith(rn[0])) return rn[1] + rest.substring(rn[0].length());
        return rest;
    }

    /** True if the names look like an original SD checkpoint (a UNet under model.diffusion_model.). */
    public static boolean looksLikeSdCheckpoint(Iterable<String> names) {
        for (String n : names) if (n.startsWith("model.diffusion_model.")) return true;
        return false;
    }
}
