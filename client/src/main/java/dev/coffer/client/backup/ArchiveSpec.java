package dev.coffer.client.backup;

import dev.coffer.core.CofferException;
import java.util.regex.Pattern;

/** One {@code NAME.cfar:DIR} or {@code NAME.img:FILE} argument of {@code coffer backup}. */
public record ArchiveSpec(String name, String source) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,100}\\.(cfar|img)");

    public ArchiveSpec {
        if (!NAME.matcher(name).matches()) {
            throw new CofferException("archive name '" + name + "' is not valid",
                    "use letters, digits, '_', '-', '.', ending in .cfar (directory) or .img (file or device)");
        }
        if (source.isEmpty()) {
            throw new CofferException("archive " + name + " has no source path");
        }
    }

    public boolean isImage() {
        return name.endsWith(".img");
    }

    /** Parses {@code NAME.cfar:DIR}. */
    public static ArchiveSpec parse(String arg) {
        int colon = arg.indexOf(':');
        if (colon <= 0) {
            throw new CofferException("'" + arg + "' is not an archive argument",
                    "write NAME.cfar:DIRECTORY or NAME.img:FILE, e.g. docs.cfar:./docs");
        }
        return new ArchiveSpec(arg.substring(0, colon), arg.substring(colon + 1));
    }
}
