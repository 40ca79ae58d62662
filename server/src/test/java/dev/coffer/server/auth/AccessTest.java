package dev.coffer.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import dev.coffer.server.config.ServerConfig;
import java.util.EnumSet;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AccessTest {
    static ServerConfig config(ServerConfig.AclEntry... acl) {
        return new ServerConfig(ServerConfig.Settings.defaults(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), List.of(acl));
    }

    static ServerConfig.AclEntry acl(String path, Role role, String who) {
        return new ServerConfig.AclEntry(path, role.name(), who);
    }

    @Test
    void aRuleCoversItsPathAndEverythingBelowItOnly() {
        ServerConfig c = config(acl("/datastore/s1/ns/tenant-a", Role.DatastoreBackup, "alice"));
        AuthId alice = AuthId.parse("alice");
        assertThat(Access.privileges(c, alice, AclPath.of("s1", "tenant-a"))).containsExactly(Privilege.BACKUP);
        assertThat(Access.privileges(c, alice, AclPath.of("s1", "tenant-a/web"))).containsExactly(Privilege.BACKUP);
        assertThat(Access.privileges(c, alice, AclPath.of("s1", ""))).isEmpty();
        assertThat(Access.privileges(c, alice, AclPath.of("s1", "tenant-ab"))).isEmpty();
        assertThat(Access.privileges(c, alice, AclPath.of("s2", "tenant-a"))).isEmpty();
        assertThat(Access.privileges(c, AuthId.parse("bob"), AclPath.of("s1", "tenant-a"))).isEmpty();
    }

    @Test
    void aTokenGetsItsOwnRightsIntersectedWithItsUsers() {
        ServerConfig c = config(acl("/datastore/s1", Role.DatastoreAdmin, "alice!ci"),
                acl("/datastore/s1", Role.DatastoreBackup, "alice"),
                acl("/datastore/s2", Role.DatastoreReader, "alice!ci"));
        AuthId token = AuthId.parse("alice!ci");
        // the token's DatastoreAdmin is cut down to what alice herself has
        assertThat(Access.privileges(c, token, AclPath.of("s1", ""))).containsExactly(Privilege.BACKUP);
        // alice has nothing on s2, so neither has her token
        assertThat(Access.privileges(c, token, AclPath.of("s2", ""))).isEmpty();
        // and a user does not inherit its tokens' rules
        assertThat(Access.privileges(c, AuthId.parse("alice"), AclPath.of("s2", ""))).isEmpty();
    }

    @Test
    void adminOnRootHasEverythingEverywhere() {
        ServerConfig c = config(acl("/", Role.Admin, "root"));
        assertThat(Access.privileges(c, AuthId.parse("root"), AclPath.of("any", "x/y"))).isEqualTo(EnumSet.allOf(Privilege.class));
    }

    @Test
    void rolesGrantWhatTheirNamesSay() {
        assertThat(Role.DatastoreBackup.privileges()).containsExactly(Privilege.BACKUP);
        assertThat(Role.DatastoreAudit.privileges()).containsExactly(Privilege.AUDIT);
        assertThat(Role.DatastoreReader.privileges()).containsExactlyInAnyOrder(Privilege.AUDIT, Privilege.READ);
        assertThat(Role.DatastoreAdmin.privileges()).doesNotContain(Privilege.SYSTEM).contains(Privilege.MODIFY, Privilege.MAINTAIN);
        assertThatThrownBy(() -> Role.parse("datastorebackup")).isInstanceOf(CofferException.class)
                .hasMessage("unknown role \"datastorebackup\"");
    }

    @Test
    void damagedRulesGrantNothing() {
        ServerConfig c = config(new ServerConfig.AclEntry("/datastore/s1", "Superuser", "alice"),
                new ServerConfig.AclEntry("datastore", "Admin", "alice"));
        assertThat(Access.privileges(c, AuthId.parse("alice"), AclPath.of("s1", ""))).isEmpty();
    }

    @Test
    void ownersAreTheAuthIdOrTheUserOfTheOwningToken() {
        AuthId alice = AuthId.parse("alice");
        AuthId token = AuthId.parse("alice!ci");
        assertThat(Access.ownsGroup(token, token)).isTrue();
        assertThat(Access.ownsGroup(alice, token)).isTrue();
        assertThat(Access.ownsGroup(token, alice)).isFalse();
        assertThat(Access.ownsGroup(AuthId.parse("alice!other"), token)).isFalse();
        assertThat(Access.ownsGroup(AuthId.parse("bob"), token)).isFalse();
        assertThat(Access.ownsGroup(alice, null)).isFalse();
    }

    @Test
    void aclPathsAreStrict() {
        assertThat(AclPath.parse("/").components()).isEmpty();
        assertThat(AclPath.parse("/datastore/s1/ns/a/b")).isEqualTo(AclPath.of("s1", "a/b"));
        for (String bad : List.of("", "datastore/s1", "/datastore/s1/a", "/datastore/s1/ns", "/datastore/../x", "/datastore//x",
                "/other", "/datastore/s1/ns/a/", "/datastore/s1/ns/.hidden", "/" + "a/".repeat(2000))) {
            assertThatThrownBy(() -> AclPath.parse(bad)).as(bad).isInstanceOf(CofferException.class)
                    .hasMessageStartingWith("invalid ACL path");
        }
    }

    @Test
    void authIdsAreStrict() {
        assertThat(AuthId.parse("alice!nightly")).isEqualTo(new AuthId("alice", "nightly"));
        for (String bad : List.of("", "!x", "alice!", "a b", "alice!x!y", "..", "-x")) {
            assertThatThrownBy(() -> AuthId.parse(bad)).as(bad).isInstanceOf(CofferException.class);
        }
    }
}
