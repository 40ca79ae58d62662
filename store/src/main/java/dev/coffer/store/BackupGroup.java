package dev.coffer.store;

import dev.coffer.core.CofferException;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A backup group: the snapshots of one backup type and id, inside an optional namespace.
 *
 * <p>{@code ns} is {@code ""} (the root namespace) or up to {@value #MAX_NS_DEPTH} names joined by
 * {@code /}, e.g. {@code "customer1/prod"}. {@code type} is {@code host}, {@code vm} or {@code ct}.
 * {@code id} and every namespace name match {@code [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}}, so none of them
 * can be empty, {@code .}, {@code ..} or contain {@code /}.
 *
 * <p>{@link #name()} is {@code TYPE/ID} ({@code host/web1}), unique within a namespace.
 * {@link #path()} and {@link #toString()} give the group's directory relative to the datastore root,
 * which is unique in the whole datastore: {@code host/web1}, or {@code ns/customer1/ns/prod/host/web1}.
 * Groups sort by namespace, then type, then id.
 */
public record BackupGroup(String ns, String type, String id) implements Comparable<BackupGroup> {
    /** The backup types, in their sort order. */
    public static final List<String> TYPES = List.of("host", "vm", "ct");
    /** The deepest namespace nesting accepted. */
    public static final int MAX_NS_DEPTH = 8;

    private static final Comparator<BackupGroup> ORDER = Comparator.comparing(BackupGroup::ns)
            .thenComparing(BackupGroup::type)
            .thenComparing(BackupGroup::id);

    public BackupGroup {
        Objects.requireNonNull(ns, "ns");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(id, "id");
        validateNamespace(ns);
        if (!TYPES.contains(type)) {
            throw new CofferException("invalid backup type " + Names.quote(type) + ": use host, vm or ct");
        }
        if (!Names.isName(id)) {
            throw new CofferException("invalid backup id " + Names.quote(id)
                    + ": use 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
        }
    }

    /** Parses {@code TYPE/ID}, e.g. {@code host/web1}. */
    public static BackupGroup parse(String ns, String text) {
        Objects.requireNonNull(text, "text");
        int slash = text.indexOf('/');
        if (slash < 0 || text.indexOf('/', slash + 1) >= 0) {
            throw new CofferException("invalid backup group " + Names.quote(text)
                    + ": expected TYPE/ID, e.g. host/web1");
        }
        return new BackupGroup(ns, text.substring(0, slash), text.substring(slash + 1));
    }

    /** Checks a namespace: {@code ""} or names joined by {@code /}. */
    public static void validateNamespace(String ns) {
        Objects.requireNonNull(ns, "ns");
        if (ns.isEmpty()) {
            return;
        }
        String[] parts = ns.split("/", -1);
        if (parts.length > MAX_NS_DEPTH) {
            throw new CofferException("invalid namespace " + Names.quote(ns) + ": at most " + MAX_NS_DEPTH + " levels");
        }
        for (String part : parts) {
            if (!Names.isName(part)) {
                throw new CofferException("invalid namespace " + Names.quote(ns)
                        + ": each level is 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-',"
                        + " and levels are separated by a single '/'");
            }
        }
    }

    /** The directory of a namespace relative to the datastore root, with a trailing {@code /} unless empty. */
    static String namespacePath(String ns) {
        if (ns.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (String part : ns.split("/")) {
            b.append("ns/").append(part).append('/');
        }
        return b.toString();
    }

    /** {@code TYPE/ID}. */
    public String name() {
        return type + "/" + id;
    }

    /** The group's directory relative to the datastore root. */
    public String path() {
        return namespacePath(ns) + name();
    }

    @Override
    public int compareTo(BackupGroup o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return path();
    }
}
