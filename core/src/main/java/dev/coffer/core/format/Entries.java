package dev.coffer.core.format;

import java.util.Arrays;

/** Value equality of entries (records compare arrays by reference). */
final class Entries {
    private Entries() {
    }

    static boolean same(ArchiveEntry a, ArchiveEntry b) {
        if (a.getClass() != b.getClass() || !Arrays.equals(a.path(), b.path()) || !a.meta().equals(b.meta())) {
            return false;
        }
        return switch (a) {
            case FileEntry f -> {
                FileEntry g = (FileEntry) b;
                yield f.size() == g.size() && f.payloadOffset() == g.payloadOffset() && Arrays.equals(f.sha256(), g.sha256());
            }
            case SymlinkEntry s -> Arrays.equals(s.target(), ((SymlinkEntry) b).target());
            case HardlinkEntry h -> Arrays.equals(h.targetPath(), ((HardlinkEntry) b).targetPath());
            case DeviceEntry d -> {
                DeviceEntry e = (DeviceEntry) b;
                yield d.block() == e.block() && d.major() == e.major() && d.minor() == e.minor();
            }
            default -> true;
        };
    }
}
