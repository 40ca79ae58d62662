package dev.coffer.server.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.coffer.core.CofferException;
import dev.coffer.store.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The server's configuration directory (design.md 14.2). Every file is JSON, mode 0600, replaced atomically;
 * admin commands change it under {@code .lock}, and a running server notices a change by the files' identity
 * and modification time and reloads, with no restart.
 */
public final class ConfigDir {
    public static final String SERVER = "server.json";
    public static final String DATASTORES = "datastores.json";
    public static final String USERS = "users.json";
    public static final String TOKENS = "tokens.json";
    public static final String ACL = "acl.json";
    public static final String TLS_DIR = "tls";
    static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private volatile Loaded loaded;

    private record Stamp(Object key, long modified, long size) {
    }

    private record Loaded(ServerConfig config, Stamp[] stamps) {
    }

    private ConfigDir(Path dir) {
        this.dir = dir;
    }

    /** Creates a new config directory (0700) with default settings; refuses one that is already initialised. */
    public static ConfigDir init(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs.resolve(SERVER))) {
            throw new CofferException("config directory " + abs + " is already initialised",
                    "use it with 'coffer server start --config-dir " + abs + "', or choose an empty directory");
        }
        try {
            Files.createDirectories(abs);
            Files.setPosixFilePermissions(abs, DIR_MODE);
        } catch (IOException e) {
            throw new CofferException("cannot create config directory " + abs + ": " + e.getMessage());
        }
        ConfigDir c = new ConfigDir(abs);
        try (var lock = c.lock()) {
            c.writeJson(SERVER, ServerConfig.Settings.defaults());
            c.writeJson(DATASTORES, new java.util.TreeMap<>());
            c.writeJson(USERS, new java.util.TreeMap<>());
            c.writeJson(TOKENS, new java.util.TreeMap<>());
            c.writeJson(ACL, java.util.List.of());
        }
        return c;
    }

    /** Opens an initialised config directory; a missing or foreign one is an error that says what to run. */
    public static ConfigDir open(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs.resolve(SERVER))) {
            throw new CofferException("no server configuration in " + abs,
                    "create one with 'coffer server init --config-dir " + abs + "'");
        }
        ConfigDir c = new ConfigDir(abs);
        c.current();
        return c;
    }

    public Path path() {
        return dir;
    }

    public Path tlsDir() {
        return dir.resolve(TLS_DIR);
    }

    /** The configuration last read successfully, or null before the first. */
    public ServerConfig lastGood() {
        Loaded l = loaded;
        return l == null ? null : l.config();
    }

    /** The configuration as it is on disk now: re-read only when one of its files was replaced. */
    public ServerConfig current() {
        Loaded l = loaded;
        Stamp[] now = stamps();
        if (l != null && java.util.Arrays.equals(l.stamps(), now)) {
            return l.config();
        }
        synchronized (this) {
            l = loaded;
            if (l != null && java.util.Arrays.equals(l.stamps(), now)) {
                return l.config();
            }
            ServerConfig cfg = ServerConfig.read(this);
            loaded = new Loaded(cfg, now);
            return cfg;
        }
    }

    private Stamp[] stamps() {
        String[] names = {SERVER, DATASTORES, USERS, TOKENS, ACL};
        Stamp[] out = new Stamp[names.length];
        for (int i = 0; i < names.length; i++) {
            try {
                BasicFileAttributes a = Files.readAttributes(dir.resolve(names[i]), BasicFileAttributes.class);
                out[i] = new Stamp(a.fileKey(), a.lastModifiedTime().toMillis(), a.size());
            } catch (IOException e) {
                out[i] = new Stamp(null, -1, -1);
            }
        }
        return out;
    }

    /** An exclusive lock on the directory, for read-modify-write of its files. */
    public Lock lock() {
        try {
            FileChannel ch = FileChannel.open(dir.resolve(".lock"), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(FILE_MODE));
            return new Lock(ch, ch.lock());
        } catch (IOException e) {
            throw new CofferException("cannot lock config directory " + dir + ": " + e.getMessage());
        }
    }

    /** Changes one file under the lock: reads it, applies {@code change}, writes it back atomically. */
    public <T> void update(String file, com.fasterxml.jackson.core.type.TypeReference<T> type, UnaryOperator<T> change) {
        try (Lock l = lock()) {
            T value = readJson(file, type);
            writeJson(file, change.apply(value));
        }
        loaded = null;
    }

    <T> T readJson(String file, Class<T> type) {
        return readJson(file, JSON.getTypeFactory().constructType(type));
    }

    <T> T readJson(String file, com.fasterxml.jackson.core.type.TypeReference<T> type) {
        return readJson(file, JSON.getTypeFactory().constructType(type));
    }

    private <T> T readJson(String file, com.fasterxml.jackson.databind.JavaType type) {
        Path p = dir.resolve(file);
        try {
            return Objects.requireNonNull(JSON.readValue(Files.readAllBytes(p), type), file);
        } catch (NoSuchFileException e) {
            throw new CofferException("server configuration file " + p + " is missing",
                    "restore it from a backup of the config directory, or re-initialise");
        } catch (IOException | RuntimeException e) {
            throw new CofferException("server configuration file " + p + " is damaged: " + firstLine(e.getMessage()),
                    "fix the JSON by hand or restore the file from a backup of the config directory");
        }
    }

    void writeJson(String file, Object value) {
        try {
            AtomicFiles.write(dir.resolve(file), JSON.writeValueAsBytes(value), FILE_MODE);
        } catch (IOException e) {
            throw new CofferException("cannot write " + dir.resolve(file) + ": " + e.getMessage());
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The held directory lock. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() {
            try {
                lock.release();
                channel.close();
            } catch (IOException ignored) {
                // closing the channel releases the lock in any case
            }
        }
    }
}
