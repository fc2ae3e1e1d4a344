namespace Interchange.Storage.Sqlite;

/// <summary>
/// The schema's history. Never edit a released step: add a new one. Each step runs in its own
/// transaction together with the version bump, so a crash leaves the schema at a step boundary.
/// </summary>
public static class SqliteSchema
{
    public static IReadOnlyList<SqliteMigration> Migrations { get; } =
    [
        new(1, "directory: domains, addresses, users, aliases, groups", """
            CREATE TABLE domains (
                name        TEXT PRIMARY KEY,
                created_at  INTEGER NOT NULL
            );
            -- One namespace for every directory address: a user, an alias and a group never share one.
            CREATE TABLE addresses (
                key         TEXT PRIMARY KEY,
                address     TEXT NOT NULL,
                domain      TEXT NOT NULL REFERENCES domains(name),
                kind        TEXT NOT NULL CHECK (kind IN ('user', 'alias', 'group')),
                created_at  INTEGER NOT NULL
            );
            CREATE INDEX addresses_domain ON addresses(domain);
            CREATE TABLE users (
                key                 TEXT PRIMARY KEY REFERENCES addresses(key) ON DELETE CASCADE,
                password_hash       TEXT,
                disabled            INTEGER NOT NULL DEFAULT 0,
                credential_version  INTEGER NOT NULL DEFAULT 1
            );
            CREATE TABLE alias_targets (
                alias_key   TEXT NOT NULL REFERENCES addresses(key) ON DELETE CASCADE,
                target      TEXT NOT NULL,
                target_key  TEXT NOT NULL,
                PRIMARY KEY (alias_key, target_key)
            );
            CREATE TABLE group_members (
                group_key   TEXT NOT NULL REFERENCES addresses(key) ON DELETE CASCADE,
                member      TEXT NOT NULL,
                member_key  TEXT NOT NULL,
                PRIMARY KEY (group_key, member_key)
            );
            """),
        new(2, "directory change log and server settings", """
            -- Every directory change appends here; running servers poll it to drop stale caches.
            CREATE TABLE directory_changes (
                seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                scope       TEXT NOT NULL CHECK (scope IN ('credentials', 'user', 'all')),
                subject     TEXT NOT NULL,
                what        TEXT NOT NULL,
                at          INTEGER NOT NULL
            );
            CREATE INDEX alias_targets_target ON alias_targets(target_key);
            CREATE INDEX group_members_member ON group_members(member_key);
            CREATE TABLE settings (
                name        TEXT PRIMARY KEY,
                value       TEXT NOT NULL
            );
            """),
        new(3, "durable queue, deliveries, mailboxes and messages", """
            -- A message accepted over SMTP: its body is an immutable blob; recipients as given.
            CREATE TABLE queue_messages (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                blob            TEXT NOT NULL,
                size            INTEGER NOT NULL,
                mail_from       TEXT NOT NULL,          -- reverse-path, '' for the null sender
                received_at     INTEGER NOT NULL,       -- unix ms
                envelope_id     TEXT,                   -- DSN ENVID
                ret             TEXT,                   -- DSN RET=FULL|HDRS
                body_type       TEXT,                   -- 7BIT | 8BITMIME | BINARYMIME
                smtputf8        INTEGER NOT NULL DEFAULT 0,
                client          TEXT NOT NULL,          -- 'helo [ip]' for logs and bounces
                auth_user       TEXT,
                state           TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'routed')),
                owner           TEXT,                   -- worker holding the claim
                lease_until     INTEGER,                -- unix ms; a lapsed lease may be taken over
                fence           INTEGER NOT NULL DEFAULT 0,  -- bumped by every claim
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt    INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX queue_messages_ready ON queue_messages(state, next_attempt);
            CREATE TABLE queue_recipients (
                message_id      INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
                position        INTEGER NOT NULL,
                address         TEXT NOT NULL,
                notify          TEXT,                   -- DSN NOTIFY
                orcpt           TEXT,                   -- DSN ORCPT
                PRIMARY KEY (message_id, position)
            );
            -- What the categorizer made of a message: one row per final destination.
            CREATE TABLE deliveries (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                message_id      INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
                recipient       TEXT NOT NULL,          -- user key (local) or address (remote)
                original        TEXT NOT NULL,          -- the RCPT TO address it came from
                kind            TEXT NOT NULL CHECK (kind IN ('local', 'remote')),
                state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
                owner           TEXT,
                lease_until     INTEGER,
                fence           INTEGER NOT NULL DEFAULT 0,
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt    INTEGER NOT NULL DEFAULT 0,
                last_error      TEXT,
                UNIQUE (message_id, recipient)
            );
            CREATE INDEX deliveries_ready ON deliveries(kind, state, next_attempt);
            CREATE TABLE mailboxes (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                user_key        TEXT NOT NULL,
                name            TEXT NOT NULL,
                uidvalidity     INTEGER NOT NULL,
                uidnext         INTEGER NOT NULL DEFAULT 1,
                highest_modseq  INTEGER NOT NULL DEFAULT 1,
                special_use     TEXT,
                subscribed      INTEGER NOT NULL DEFAULT 1,
                UNIQUE (user_key, name)
            );
            CREATE TABLE messages (
                mailbox_id      INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                uid             INTEGER NOT NULL,
                blob            TEXT NOT NULL,
                prefix          BLOB NOT NULL,          -- trace fields added at delivery (Return-Path, Delivered-To), before the blob
                size            INTEGER NOT NULL,       -- prefix + blob, the RFC822.SIZE
                internal_date   INTEGER NOT NULL,       -- unix ms
                flags           TEXT NOT NULL DEFAULT '',
                modseq          INTEGER NOT NULL,
                delivery_key    TEXT,                   -- 'queue message id:recipient' for delivered mail: a retry cannot add a copy
                PRIMARY KEY (mailbox_id, uid)
            );
            CREATE UNIQUE INDEX messages_delivery ON messages(delivery_key) WHERE delivery_key IS NOT NULL;
            CREATE INDEX messages_blob ON messages(blob);
            """),
        new(4, "messages by modseq, for catching up a session's view and CONDSTORE CHANGEDSINCE", """
            CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);
            """),
        new(5, "\\Recent: the first UID no IMAP session has been told is recent", """
            -- Messages from this UID on are recent; the session that claims them moves it (RFC 3501 2.3.2).
            -- Mailboxes that exist already start with nothing recent, rather than everything.
            ALTER TABLE mailboxes ADD COLUMN first_recent_uid INTEGER NOT NULL DEFAULT 1;
            UPDATE mailboxes SET first_recent_uid = uidnext;
            """),
        new(6, "lock rows: invariants that span rows hold in the statement order, not by the single writer", """
            -- A writer that checks an invariant over many rows (no group cycle, no reference to a
            -- removed address, change log order = commit order) first updates its lock row, so
            -- on a backend with row locks and READ COMMITTED (PostgreSQL) two such writers run
            -- one after the other and the second's check sees the first's rows.
            CREATE TABLE store_locks (
                name        TEXT PRIMARY KEY,
                version     INTEGER NOT NULL DEFAULT 0
            );
            INSERT INTO store_locks(name) VALUES ('directory');
            """),
        new(7, "deliveries name their connector and their destination's partition; the unused claim columns go", """
            -- Routing names the connector that delivers (issue 9): 'local' stays local, 'remote'
            -- waits for the SMTP connector. Work is partitioned by destination (a hash of the
            -- recipient, 0 for rows queued before this step). Items are taken by a commit that
            -- names their fence, so owner and lease were never set: they go, here and on messages.
            CREATE TABLE deliveries_v7 (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                message_id      INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
                recipient       TEXT NOT NULL,          -- user key (local) or address (remote)
                original        TEXT NOT NULL,          -- the RCPT TO address it came from
                connector       TEXT NOT NULL,          -- the connector that delivers it: 'local', 'smtp', ...
                destination_hash INTEGER NOT NULL DEFAULT 0,
                state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
                fence           INTEGER NOT NULL DEFAULT 0,  -- bumped by every outcome; a completion names the one it found
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt    INTEGER NOT NULL DEFAULT 0,
                last_error      TEXT,
                UNIQUE (message_id, recipient)
            );
            INSERT INTO deliveries_v7(id, message_id, recipient, original, connector, state, fence, attempts, next_attempt, last_error)
                SELECT id, message_id, recipient, original, CASE kind WHEN 'local' THEN 'local' ELSE 'smtp' END, state, fence, attempts, next_attempt, last_error
                FROM deliveries;
            DROP TABLE deliveries;
            ALTER TABLE deliveries_v7 RENAME TO deliveries;
            CREATE INDEX deliveries_ready ON deliveries(connector, state, next_attempt);
            CREATE INDEX deliveries_destination ON deliveries(recipient, message_id) WHERE state = 'pending';
            -- A connector's workers read its pending items in message order and stop at their
            -- batch: this index lets them, instead of sorting the whole backlog on every look.
            CREATE INDEX deliveries_pending ON deliveries(connector, message_id) WHERE state = 'pending';
            ALTER TABLE queue_messages DROP COLUMN owner;
            ALTER TABLE queue_messages DROP COLUMN lease_until;
            ALTER TABLE queue_messages DROP COLUMN fence;
            """),
        new(8, "what parsing learnt of a content at accept, kept with it so no reader parses it again", """
            -- Keyed by the content (blob id): the same bytes have the same structure. The
            -- structure is Interchange.Mime's StructureCodec bytes, offsets relative to the blob,
            -- versioned: a reader that does not know the version parses the message instead.
            CREATE TABLE message_structures (
                blob            TEXT PRIMARY KEY,
                message_id      TEXT,                   -- the Message-ID, for the log
                limits          INTEGER NOT NULL,       -- MIME parser limits hit (MimeLimits flags)
                structure       BLOB NOT NULL
            ) WITHOUT ROWID;
            """),
        new(9, "small messages kept inline: one durable write per accepted message", """
            -- Content up to Storage:InlineMessageSize, written in the transaction that queues the
            -- message; named by its SHA-256 as a file blob is, so queue_messages.blob and
            -- messages.blob name either kind and every mailbox copy refers to one row.
            CREATE TABLE message_contents (
                id          TEXT PRIMARY KEY,
                data        BLOB NOT NULL
            ) WITHOUT ROWID;
            -- Finding whether content is still referenced when a queue entry goes.
            CREATE INDEX queue_messages_blob ON queue_messages(blob);
            """),
        new(10, "content is reclaimed: the last reference's removal is recorded, a collector takes it after a grace period", """
            -- Every removal of a reference (a queue entry done, a message expunged or moved, a
            -- mailbox or user deleted, by any path, cascades included) names its content here,
            -- in the removing transaction. The collector stamps released_at when it first sees a
            -- row (NULL until then: its own clock decides the grace, not SQL's), and after the
            -- grace takes the content if, in the taking transaction, nothing refers to it.
            CREATE TABLE content_releases (
                id          TEXT PRIMARY KEY,
                released_at INTEGER                 -- unix ms, stamped by the collector
            ) WITHOUT ROWID;
            CREATE INDEX content_releases_due ON content_releases(released_at);
            CREATE TRIGGER messages_release AFTER DELETE ON messages BEGIN
                INSERT INTO content_releases(id, released_at) VALUES (OLD.blob, NULL)
                ON CONFLICT(id) DO UPDATE SET released_at = NULL;
            END;
            CREATE TRIGGER queue_messages_release AFTER DELETE ON queue_messages BEGIN
                INSERT INTO content_releases(id, released_at) VALUES (OLD.blob, NULL)
                ON CONFLICT(id) DO UPDATE SET released_at = NULL;
            END;
            -- What earlier versions left behind: inline contents and structures nothing refers
            -- to (expunged messages' content was never removed). Files are found by the sweep.
            INSERT INTO content_releases(id, released_at)
                SELECT id, NULL FROM message_contents c
                WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.blob = c.id)
                AND NOT EXISTS (SELECT 1 FROM queue_messages q WHERE q.blob = c.id)
                ON CONFLICT(id) DO NOTHING;
            INSERT INTO content_releases(id, released_at)
                SELECT blob, NULL FROM message_structures s
                WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.blob = s.blob)
                AND NOT EXISTS (SELECT 1 FROM queue_messages q WHERE q.blob = s.blob)
                ON CONFLICT(id) DO NOTHING;
            """),
        new(11, "mailboxes count their messages, so catching a view up costs an index seek, not a scan", """
            -- Kept by triggers in the transaction that adds or removes a message, whatever the
            -- path (delivery, APPEND, COPY, EXPUNGE, MOVE); the mailbox row is already taken by
            -- those for their UID or modseq, so the count adds no lock of its own.
            ALTER TABLE mailboxes ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
            UPDATE mailboxes SET message_count = (SELECT count(*) FROM messages m WHERE m.mailbox_id = mailboxes.id);
            CREATE TRIGGER messages_count_in AFTER INSERT ON messages BEGIN
                UPDATE mailboxes SET message_count = message_count + 1 WHERE id = NEW.mailbox_id;
            END;
            CREATE TRIGGER messages_count_out AFTER DELETE ON messages BEGIN
                UPDATE mailboxes SET message_count = message_count - 1 WHERE id = OLD.mailbox_id;
            END;
            """),
        new(12, "the routing table: address space -> connector, cost, with a version that every change advances", """
            -- Exchange's GWART. One row per address space and connector (and smart host or
            -- gateway: two smart hosts at one cost share a domain's mail). The text is canonical,
            -- written by the routing layer; the store only keeps it.
            CREATE TABLE routes (
                id            INTEGER PRIMARY KEY,
                address_space TEXT NOT NULL,       -- example.com, *.example.com or *
                connector     TEXT NOT NULL,
                cost          INTEGER NOT NULL,
                smart_host    TEXT,                -- host:port or [ip]:port; NULL = by MX
                tls           TEXT,                -- opportunistic | required; NULL = opportunistic
                gateway       TEXT,
                created_at    INTEGER NOT NULL
            );
            CREATE UNIQUE INDEX routes_unique ON routes(address_space, connector, COALESCE(smart_host, ''), COALESCE(gateway, ''));
            -- The table's version: each change bumps it in its own transaction, so a poll of one
            -- row tells a running server whether to read the table again.
            INSERT INTO store_locks(name) VALUES ('routes');
            """),
        new(13, "messages injected from a source that may offer them again are queued once", """
            -- A gateway's pickup claims a file, queues it and then deletes it; a crash between the
            -- two offers the file again. Its key is recorded in the queueing transaction, so the
            -- second offer finds it and queues nothing. Rows outlive the queue entry (the message
            -- may be delivered before the file is deleted) and are forgotten after a retention.
            CREATE TABLE queue_sources (
                key         TEXT PRIMARY KEY,
                message_id  INTEGER NOT NULL,
                queued_at   INTEGER NOT NULL    -- unix ms
            ) WITHOUT ROWID;
            CREATE INDEX queue_sources_age ON queue_sources(queued_at);
            """),
        new(14, "remote connectors claim deliveries with a lease; administrators hold them", """
            -- A remote attempt (SMTP) takes seconds to minutes, so it is owned before it starts:
            -- a claim sets owner and lease_until, moves the fence, and sets next_attempt to the
            -- lease's end, so an item whose worker stalled or died is due again when the lease
            -- lapses and the next claim takes it (rule 2). State stays 'pending' while in flight:
            -- local delivery, which finishes in one transaction, never claims.
            ALTER TABLE deliveries ADD COLUMN owner TEXT;
            ALTER TABLE deliveries ADD COLUMN lease_until INTEGER;      -- unix ms
            ALTER TABLE deliveries ADD COLUMN last_attempt INTEGER;     -- unix ms, when the last claim started
            -- Held by an administrator: never claimed nor found; next_attempt is pushed out too.
            ALTER TABLE deliveries ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
            -- The recipient's domain, lower case: a claim takes a message's recipients of one
            -- domain together (one SMTP transaction), and the administrator filters on it.
            ALTER TABLE deliveries ADD COLUMN domain TEXT NOT NULL DEFAULT '';
            -- After the last '@' (a quoted local part may hold one): rtrim keeps up to it.
            UPDATE deliveries SET domain = lower(substr(recipient, length(rtrim(recipient, replace(recipient, '@', ''))) + 1))
                WHERE instr(recipient, '@') > 0;
            CREATE INDEX deliveries_claim ON deliveries(connector, next_attempt) WHERE state = 'pending';
            """),
        new(15, "failed deliveries are reported to their sender by one DSN, delays by at most one; the host that answered is kept", """
            -- The bounce step: a failed delivery stays until a DSN reported it (or it was
            -- deliberately not reported: a null sender, NOTIFY=NEVER), in the transaction that
            -- enqueues the DSN. Failures from before this step start unreported, so they bounce
            -- like new ones (issue 10: mail waiting from before is bounced like new mail).
            ALTER TABLE deliveries ADD COLUMN reported INTEGER NOT NULL DEFAULT 0;
            -- The remote host that gave the last reply ("mx.example.net[192.0.2.1]"), for Remote-MTA.
            ALTER TABLE deliveries ADD COLUMN remote_mta TEXT;
            CREATE INDEX deliveries_unreported ON deliveries(message_id) WHERE state = 'failed' AND reported = 0;
            -- Transport:DelayWarningAfter: the sender got its one "delayed" DSN for this message.
            ALTER TABLE queue_messages ADD COLUMN delay_warned INTEGER NOT NULL DEFAULT 0;
            """),
        new(16, "SMTP filters may file a message as junk or hold it for an administrator", """
            -- The mailbox local recipients get it in when not INBOX (Junk: DMARC quarantine, spam).
            ALTER TABLE queue_messages ADD COLUMN folder TEXT;
            -- A filter's quarantine (milter SMFIR_QUARANTINE): its deliveries are created held.
            ALTER TABLE queue_messages ADD COLUMN hold_reason TEXT;
            """),
        new(17, "administration: roles, who owns an entry, API tokens, resumable imports", """
            -- 'admin' manages the server (admin API, web console); 'user' only their own password.
            -- The postmaster the first start made for the primary domain is the first administrator.
            ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'));
            UPDATE users SET role = 'admin'
                WHERE key = 'postmaster@' || (SELECT value FROM settings WHERE name = 'primary_domain');
            -- Who keeps the entry: NULL = made here (CLI, API, console, import); 'ldap' = the LDAP
            -- sync, which changes and removes only its own entries.
            ALTER TABLE addresses ADD COLUMN source TEXT;
            -- API tokens: 'ixt_<id>_<secret>'; the secret is kept only as a hash.
            CREATE TABLE api_tokens (
                id              TEXT PRIMARY KEY,
                user_key        TEXT NOT NULL REFERENCES users(key) ON DELETE CASCADE,
                name            TEXT NOT NULL,
                secret_hash     TEXT NOT NULL,
                created_at      INTEGER NOT NULL,   -- unix s
                expires_at      INTEGER,            -- unix s; NULL: never
                last_used_at    INTEGER             -- unix s
            );
            CREATE INDEX api_tokens_user ON api_tokens(user_key);
            -- Bulk import: how far a run got, written in each batch's transaction, so a run
            -- interrupted (kill -9) resumes after its last committed batch.
            CREATE TABLE import_runs (
                id              TEXT PRIMARY KEY,
                description     TEXT NOT NULL,
                position        INTEGER NOT NULL,
                finished        INTEGER NOT NULL DEFAULT 0,
                updated_at      INTEGER NOT NULL    -- unix s
            );
            """),
    ];

    public static int LatestVersion => Migrations[^1].Version;
}
