package dev.coffer.server.auth;

import dev.coffer.core.CofferException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/** The roles an ACL entry can grant, each a fixed set of privileges (design.md 14.3). */
public enum Role {
    Admin(EnumSet.allOf(Privilege.class)),
    DatastoreAdmin(EnumSet.of(Privilege.AUDIT, Privilege.READ, Privilege.BACKUP, Privilege.MODIFY, Privilege.MAINTAIN)),
    DatastoreBackup(EnumSet.of(Privilege.BACKUP)),
    DatastoreReader(EnumSet.of(Privilege.AUDIT, Privilege.READ)),
    DatastoreAudit(EnumSet.of(Privilege.AUDIT));

    private final Set<Privilege> privileges;

    Role(Set<Privilege> privileges) {
        this.privileges = privileges;
    }

    public Set<Privilege> privileges() {
        return EnumSet.copyOf(privileges);
    }

    public static Role parse(String text) {
        for (Role r : values()) {
            if (r.name().equals(text)) {
                return r;
            }
        }
        throw new CofferException("unknown role " + AuthId.quote(text),
                "use one of " + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
}
