package dev.coffer.server.auth;

import dev.coffer.core.CofferException;
import java.util.regex.Pattern;

/** Who is calling: a user ({@code alice}) or one of a user's API tokens ({@code alice!nightly}). */
public record AuthId(String user, String token) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");

    public AuthId {
        checkName("user", user);
        if (token != null) {
            checkName("token", token);
        }
    }

    public static AuthId parse(String text) {
        if (text == null) {
            throw new CofferException("missing user name");
        }
        int bang = text.indexOf('!');
        return bang < 0 ? new AuthId(text, null) : new AuthId(text.substring(0, bang), text.substring(bang + 1));
    }

    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (CofferException e) {
            return false;
        }
    }

    public static void checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new CofferException("invalid " + what + " name " + quote(name),
                    "use 1 to 64 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
        }
    }

    public boolean isToken() {
        return token != null;
    }

    public AuthId userId() {
        return new AuthId(user, null);
    }

    @Override
    public String toString() {
        return token == null ? user : user + "!" + token;
    }

    static String quote(String s) {
        if (s == null) {
            return "(none)";
        }
        String t = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return "\"" + t.replaceAll("[\\p{Cntrl}\"\\\\]", "?") + "\"";
    }
}
