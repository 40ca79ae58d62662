package dev.coffer.client.backup;

import dev.coffer.core.CofferException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code --exclude GLOB} patterns. A pattern without a slash matches an entry's name at any depth
 * ({@code *.tmp}, {@code node_modules}); a pattern with a slash matches the path relative to the archive
 * root ({@code var/cache/**}, a leading slash is allowed). {@code *} and {@code ?} stay within one path
 * component, {@code **} crosses components, {@code [abc]} is a character class. An excluded directory is
 * skipped with everything below it.
 */
public final class Excludes {
    private final List<Pattern> byName = new ArrayList<>();
    private final List<Pattern> byPath = new ArrayList<>();

    public Excludes(List<String> globs) {
        for (String g : globs) {
            if (g.isEmpty()) {
                throw new CofferException("empty --exclude pattern");
            }
            String p = g.endsWith("/") && g.length() > 1 ? g.substring(0, g.length() - 1) : g;
            if (p.startsWith("/")) {
                p = p.substring(1);
            }
            if (p.contains("/")) {
                byPath.add(compile(p, g));
            } else {
                byName.add(compile(p, g));
            }
        }
    }

    public boolean isEmpty() {
        return byName.isEmpty() && byPath.isEmpty();
    }

    /** @param relPath path relative to the archive root, components joined by '/' */
    public boolean excluded(String relPath) {
        if (relPath.isEmpty()) {
            return false;
        }
        String name = relPath.substring(relPath.lastIndexOf('/') + 1);
        for (Pattern p : byName) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        for (Pattern p : byPath) {
            if (p.matcher(relPath).matches()) {
                return true;
            }
        }
        return false;
    }

    static Pattern compile(String glob, String original) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> {
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                        i++;
                        if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                            i++;
                            re.append("(?:.*/)?");
                        } else {
                            re.append(".*");
                        }
                    } else {
                        re.append("[^/]*");
                    }
                }
                case '?' -> re.append("[^/]");
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        throw new CofferException("--exclude '" + original + "': unclosed '['");
                    }
                    String cls = glob.substring(i + 1, end);
                    re.append('[');
                    if (cls.startsWith("!")) {
                        re.append('^');
                        cls = cls.substring(1);
                    }
                    for (char k : cls.toCharArray()) {
                        if (k == '\\' || k == '[' || k == ']' || k == '&' || k == '^') {
                            re.append('\\');
                        }
                        re.append(k);
                    }
                    re.append(']');
                    i = end;
                }
                case '\\' -> {
                    if (i + 1 < glob.length()) {
                        re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
