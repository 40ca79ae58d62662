package dev.coffer.server.auth;

import dev.coffer.server.config.ServerConfig;
import java.util.EnumSet;
import java.util.Set;

/** Evaluates ACLs: the union of every rule for the caller on the path or above it; a token gets that intersected with its user's. */
public final class Access {
    private Access() {
    }

    public static Set<Privilege> privileges(ServerConfig cfg, AuthId who, AclPath path) {
        Set<Privilege> own = direct(cfg, who.toString(), path);
        if (who.isToken()) {
            own.retainAll(direct(cfg, who.user(), path));
        }
        if (own.contains(Privilege.SYSTEM)) {
            return EnumSet.allOf(Privilege.class);
        }
        return own;
    }

    private static Set<Privilege> direct(ServerConfig cfg, String authid, AclPath path) {
        Set<Privilege> out = EnumSet.noneOf(Privilege.class);
        for (ServerConfig.AclEntry e : cfg.acl()) {
            if (!authid.equals(e.authid())) {
                continue;
            }
            AclPath p;
            Role r;
            try {
                p = AclPath.parse(e.path());
                r = Role.parse(e.role());
            } catch (RuntimeException ex) {
                continue; // a damaged rule grants nothing
            }
            if (p.covers(path)) {
                out.addAll(r.privileges());
            }
        }
        return out;
    }

    /**
     * Whether {@code who} may use a group owned by {@code owner} with the BACKUP privilege: its own groups, and a
     * user also the groups of its tokens.
     */
    public static boolean ownsGroup(AuthId who, AuthId owner) {
        if (owner == null) {
            return false;
        }
        if (owner.equals(who)) {
            return true;
        }
        return owner.isToken() && !who.isToken() && owner.user().equals(who.user());
    }
}
