package dev.coffer.server.api;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.server.auth.AuthId;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.SnapshotWriter;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The backup sessions in progress: one per group at a time. A session idle for longer than the configured
 * timeout (its client died or lost the network) is aborted and leaves nothing visible; so is one that has had
 * nothing but keepalives for longer than the stall timeout (its client is stuck), since every running session
 * holds back garbage collection's cutoff to its start (design.md 13.3).
 */
final class BackupSessions implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("coffer.session");
    private final Map<String, BackupSession> byId = new ConcurrentHashMap<>();
    private final Map<String, BackupSession> byGroup = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final IntSupplier idleTimeoutSeconds;
    private final IntSupplier stallTimeoutSeconds;
    /** Why the server itself ended recent sessions, for their owners' next request (the newest ones only). */
    private final Map<String, Ended> endedByServer = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Ended> e) {
                    return size() > ENDED_KEPT;
                }
            });
    /** How many sessions' reasons {@link #endedByServer} keeps. */
    static final int ENDED_KEPT = 1024;

    private record Ended(AuthId owner, String datastore, String reason) {
    }
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "coffer-session-sweeper");
        t.setDaemon(true);
        return t;
    });

    BackupSessions(IntSupplier idleTimeoutSeconds, IntSupplier stallTimeoutSeconds) {
        this.idleTimeoutSeconds = idleTimeoutSeconds;
        this.stallTimeoutSeconds = stallTimeoutSeconds;
        sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    private static String groupKey(String ds, BackupGroup g) {
        return ds + "\0" + g.path();
    }

    /** Sessions one AUTHID may have open at once (each holds a snapshot writer and its locks). */
    static final int MAX_SESSIONS_PER_AUTHID = 16;

    /**
     * One lock per group: a session's claim, the creation of its writer and its registration, and the release
     * of a claim when a session ends without a snapshot, happen under it, so that a claim is never dropped
     * between another session's claim and the creation of its writer. File system work (the claim, the
     * writer) happens under it and not under this object's lock, which only guards the maps: a slow group
     * holds up only the sessions of groups that share its lock (one in 256). Lock order: a session, then its
     * group's lock, then this object; no one holds two group locks.
     */
    private final Object[] groupLocks = new Object[256];

    {
        for (int i = 0; i < groupLocks.length; i++) {
            groupLocks[i] = new Object();
        }
    }

    /** The lock of a group: one of a fixed set (two groups may share one), so none is kept per group ever seen. */
    private Object groupLock(String key) {
        return groupLocks[Math.floorMod(key.hashCode(), groupLocks.length)];
    }

    /**
     * Starts a session. {@code claim} records the caller as the group's owner when it has none and refuses a
     * group that is someone else's; it runs first, under the group's lock.
     */
    BackupSession begin(String dsName, Datastore ds, AuthId who, BackupGroup g, Instant time, CryptMode mode,
            boolean requireEncryption, Supplier<Set<ChunkId>> readable, Runnable claim) {
        String key = groupKey(dsName, g);
        synchronized (groupLock(key)) {
            claim.run(); // first: whose group it is decides what else the caller may be told
            try {
                synchronized (this) {
                    checkLimit(who);
                    BackupSession running = byGroup.get(key);
                    if (running != null) {
                        throw ApiException.conflict("a backup of group " + g + " is already running (session started by "
                                + running.owner + "); wait for it to finish, or for the server to drop it after "
                                + idleTimeoutSeconds.getAsInt() + " s without contact");
                    }
                }
                SnapshotWriter w = ds.beginSnapshot(g, time);
                byte[] raw = new byte[16];
                random.nextBytes(raw);
                BackupSession s = new BackupSession(HexFormat.of().formatHex(raw), dsName, ds, who, g, mode,
                        requireEncryption, w, readable);
                synchronized (this) {
                    try {
                        checkLimit(who); // again: sessions of the caller's other groups may have started meanwhile
                    } catch (ApiException e) {
                        s.abort();
                        throw e;
                    }
                    byId.put(s.id, s);
                    byGroup.put(key, s);
                }
                LOG.info("backup session " + s.id + " for " + dsName + ":" + s.ref().name() + " started by " + who);
                return s;
            } catch (RuntimeException e) {
                releaseClaim(ds, g, who);
                throw e;
            }
        }
    }

    /** Refuses a new session of an AUTHID that has the most open. Called with this object's lock held. */
    private void checkLimit(AuthId who) {
        long mine = byId.values().stream().filter(s -> s.owner.equals(who)).count();
        if (mine >= MAX_SESSIONS_PER_AUTHID) {
            throw new ApiException(429, "too-many-requests", who + " has " + mine
                    + " backup sessions open, the most allowed; finish or abort one first");
        }
    }

    BackupSession get(String id, AuthId who, String dsName) {
        BackupSession s = byId.get(id);
        if (s == null || !s.owner.equals(who) || !s.datastore.equals(dsName)) {
            Ended e = s == null ? endedByServer.get(id) : null;
            if (e != null && e.owner().equals(who) && e.datastore().equals(dsName)) {
                throw ApiException.notFound("the server aborted backup session " + Json.quote(id) + " after " + e.reason()
                        + "; nothing of it was kept: run the backup again");
            }
            throw ApiException.notFound("no backup session " + Json.quote(id) + " (finished, aborted or timed out)");
        }
        return s;
    }

    SnapshotRef finish(BackupSession s) {
        synchronized (s) {
            boolean committed = false;
            try {
                SnapshotRef r = s.finish();
                committed = true;
                LOG.info("backup session " + s.id + " finished: " + s.datastore + ":" + r.name());
                return r;
            } finally {
                if (s.isClosed()) {
                    ended(s, !committed);
                }
            }
        }
    }

    void abort(BackupSession s) {
        synchronized (s) {
            boolean wasOpen = !s.isClosed();
            try {
                if (wasOpen) {
                    s.abort();
                    LOG.info("backup session " + s.id + " for " + s.datastore + ":" + s.ref().name() + " aborted");
                }
            } finally {
                ended(s, wasOpen); // also when closing its writer failed: the release checks the group itself
            }
        }
    }

    /** Forgets an ended session and, when it made no snapshot, drops its claim on a group left empty. */
    private void ended(BackupSession s, boolean release) {
        synchronized (groupLock(groupKey(s.datastore, s.group))) {
            synchronized (this) {
                remove(s);
            }
            if (release) {
                releaseClaim(s.ds, s.group, s.owner);
            }
        }
    }

    /**
     * Drops {@code who}'s claim on a group that its aborted (or refused) first session leaves empty, so that the
     * claim does not outlive a backup that never happened (design.md 14.5). Called with the group's lock held.
     */
    private static void releaseClaim(Datastore ds, BackupGroup g, AuthId who) {
        try {
            if (ds.releaseGroupOwner(g, who.toString())) {
                LOG.info("group " + g + " has no snapshot: its claim by " + who + " is dropped");
            }
        } catch (RuntimeException e) {
            LOG.warning("could not drop the claim of " + who + " on the empty group " + g + ": " + e.getMessage());
        }
    }

    private void remove(BackupSession s) {
        byId.remove(s.id, s);
        byGroup.remove(groupKey(s.datastore, s.group), s);
    }

    /** Aborts idle and stalled sessions. Never throws: a scheduled task that throws is not run again. */
    private void sweep() {
        try {
            int idleSeconds = idleTimeoutSeconds.getAsInt();
            int stallSeconds = stallTimeoutSeconds.getAsInt();
            long idleLimit = TimeUnit.SECONDS.toNanos(idleSeconds);
            long stallLimit = TimeUnit.SECONDS.toNanos(stallSeconds);
            for (BackupSession s : List.copyOf(byId.values())) {
                if (s.idleNanos() <= idleLimit && s.stalledNanos() <= stallLimit) {
                    continue;
                }
                // decided again under the session's lock, where requests begin and finish commits: a session that
                // finished, or whose request began, meanwhile is left alone, and no reason is recorded for it
                synchronized (s) {
                    String reason;
                    if (s.isClosed()) {
                        continue;
                    } else if (s.idleNanos() > idleLimit) {
                        LOG.warning("backup session " + s.id + " for " + s.datastore + ":" + s.ref().name()
                                + " timed out without contact; aborting it");
                        reason = idleSeconds + " s without any request";
                    } else if (s.stalledNanos() > stallLimit) {
                        LOG.warning("backup session " + s.id + " for " + s.datastore + ":" + s.ref().name() + " by " + s.owner
                                + " has sent only keepalives for " + stallSeconds + " s (session-stall-timeout-seconds);"
                                + " aborting it, since it holds back garbage collection");
                        reason = stallSeconds + " s with keepalives and no other request (session-stall-timeout-seconds:"
                                + " the client seems stuck, and a running backup holds back garbage collection)";
                    } else {
                        continue;
                    }
                    endedByServer.put(s.id, new Ended(s.owner, s.datastore, reason));
                    try {
                        abort(s);
                    } catch (RuntimeException e) {
                        LOG.warning("aborting backup session " + s.id + " failed: " + e.getMessage());
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.severe("the backup session sweep failed (it runs again in a second): " + e);
        }
    }

    void abortAll() {
        for (BackupSession s : List.copyOf(byId.values())) {
            abort(s);
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        abortAll();
    }
}
