package dev.coffer.server.auth;

import dev.coffer.core.CofferException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An ACL path: {@code /}, {@code /datastore}, {@code /datastore/NAME} or {@code /datastore/NAME/ns/A/B} for the
 * namespace {@code A/B}. A rule on a path covers everything below it.
 */
public record AclPath(List<String> components) {
    private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    public AclPath {
        components = List.copyOf(components);
    }

    public static AclPath parse(String text) {
        if (text == null || !text.startsWith("/") || text.length() > 2048) {
            throw bad(text);
        }
        List<String> c = new ArrayList<>();
        for (String part : text.substring(1).split("/", -1)) {
            if (part.isEmpty() && c.isEmpty() && text.equals("/")) {
                break;
            }
            if (!COMPONENT.matcher(part).matches()) {
                throw bad(text);
            }
            c.add(part);
        }
        if (!c.isEmpty() && !c.get(0).equals("datastore")) {
            throw bad(text);
        }
        if (c.size() == 3 || (c.size() > 3 && !c.get(2).equals("ns"))) {
            throw bad(text);
        }
        if (c.size() > 3 + dev.coffer.store.BackupGroup.MAX_NS_DEPTH) {
            throw bad(text);
        }
        return new AclPath(c);
    }

    /** The path of a namespace ("" for the root one) in a datastore. */
    public static AclPath of(String datastore, String ns) {
        List<String> c = new ArrayList<>(List.of("datastore", datastore));
        if (ns != null && !ns.isEmpty()) {
            c.add("ns");
            c.addAll(List.of(ns.split("/")));
        }
        return new AclPath(c);
    }

    public boolean covers(AclPath other) {
        return other.components.size() >= components.size()
                && other.components.subList(0, components.size()).equals(components);
    }

    private static CofferException bad(String text) {
        return new CofferException("invalid ACL path " + AuthId.quote(text),
                "use /, /datastore, /datastore/NAME or /datastore/NAME/ns/NAMESPACE (like /datastore/store1/ns/tenant-a)");
    }

    @Override
    public String toString() {
        return "/" + String.join("/", components);
    }
}
