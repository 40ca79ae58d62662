package dev.coffer.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigDirTest {
    @TempDir
    Path tmp;

    @Test
    void everyFileIsPrivateAndChangesAreSeenWithoutReopening() throws Exception {
        ConfigDir dir = ConfigDir.init(tmp.resolve("cfg"));
        ServerConfig before = dir.current();
        assertThat(before.users()).isEmpty();
        ServerAdmin admin = new ServerAdmin(ConfigDir.open(tmp.resolve("cfg")));
        admin.addUser("alice", "long enough".toCharArray());
        String secret = admin.addToken("alice", "ci");
        admin.setAcl("/datastore", "DatastoreAudit", "alice!ci");
        ServerConfig after = dir.current();
        assertThat(after.users()).containsOnlyKeys("alice");
        assertThat(after.tokens()).containsOnlyKeys("alice!ci");
        assertThat(after.acl()).hasSize(1);
        assertThat(Files.getPosixFilePermissions(dir.path())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        try (Stream<Path> s = Files.list(dir.path())) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                assertThat(Files.getPosixFilePermissions(p)).as(p.toString()).isEqualTo(PosixFilePermissions.fromString("rw-------"));
                String text = Files.readString(p);
                assertThat(text).doesNotContain(secret).doesNotContain("long enough");
            }
        }
        admin.removeUser("alice");
        assertThat(dir.current().tokens()).isEmpty();
        assertThat(dir.current().acl()).isEmpty();
    }

    @Test
    void adminCommandsRefuseWhatWouldBreakTheConfiguration() throws Exception {
        ServerAdmin admin = new ServerAdmin(ConfigDir.init(tmp.resolve("cfg")));
        assertThatThrownBy(() -> admin.addToken("nobody", "x")).hasMessage("no user named \"nobody\"");
        assertThatThrownBy(() -> admin.setAcl("/datastore/s1", "DatastoreBackup", "ghost")).hasMessage("no user named ghost");
        assertThatThrownBy(() -> admin.addUser("bob", "short".toCharArray())).hasMessage("the password is too short (5 characters)");
        assertThatThrownBy(() -> admin.createDatastore("../x", tmp.resolve("x"), false)).hasMessageStartingWith("invalid datastore name");
        assertThatThrownBy(() -> admin.createDatastore("in", tmp.resolve("cfg/ds"), false))
                .hasMessage("a datastore cannot live inside the config directory");
        admin.createDatastore("s1", tmp.resolve("ds"), true);
        assertThatThrownBy(() -> admin.createDatastore("s1", tmp.resolve("ds2"), false)).hasMessageStartingWith("datastore s1 already exists");
        assertThatThrownBy(() -> admin.createDatastore("s2", tmp.resolve("ds"), false)).hasMessageStartingWith("datastore s1 already uses");
        assertThatThrownBy(() -> ConfigDir.init(tmp.resolve("cfg"))).hasMessageEndingWith("is already initialised");
        admin.removeDatastore("s1", false);
        assertThat(Files.isDirectory(tmp.resolve("ds"))).as("data is kept").isTrue();
    }

    @Test
    void aDamagedFileIsNamed() throws Exception {
        ConfigDir dir = ConfigDir.init(tmp.resolve("cfg"));
        Files.writeString(dir.path().resolve(ConfigDir.USERS), "{\"alice\": ");
        assertThatThrownBy(dir::current).isInstanceOf(CofferException.class)
                .hasMessageStartingWith("server configuration file " + dir.path().resolve(ConfigDir.USERS) + " is damaged");
        assertThatThrownBy(() -> ConfigDir.open(tmp.resolve("none"))).hasMessageStartingWith("no server configuration in");
    }
}
