"""The schema as numbered migrations: each entry is applied once, in order (PRAGMA user_version counts them)."""
from __future__ import annotations

from store.migrations_scale import (CURRENT_TEXTS_BY_VARIANT, DIVERGENCE_SCHEDULE, NEXT_CHECK, RECHECK_INDEXES,
                                    TEXT_STORED_ONCE, VERSIONS_WARC_BY_RECORD, VIEWS_AT_SCALE)

# Each entry is one migration; PRAGMA user_version records how many have been applied.
# Never edit a released migration: append a new one.
MIGRATIONS: list[str] = [
    # 1: the foundation schema
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL DEFAULT 'running',   -- running | ok | failed | interrupted
        command TEXT,                              -- run | watch | demo
        base_url TEXT,
        options TEXT,                              -- JSON of the crawl options
        pages_fetched INTEGER NOT NULL DEFAULT 0,
        bytes_fetched INTEGER NOT NULL DEFAULT 0,
        not_modified INTEGER NOT NULL DEFAULT 0,
        statements_new INTEGER NOT NULL DEFAULT 0,
        variants_new INTEGER NOT NULL DEFAULT 0,
        versions_new INTEGER NOT NULL DEFAULT 0,
        edited INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        restored INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        challenge_pages INTEGER NOT NULL DEFAULT 0,
        robots_skipped INTEGER NOT NULL DEFAULT 0,
        message TEXT
    );
    CREATE TABLE statements (
        id TEXT PRIMARY KEY,                       -- 'mid.ru:<numeric id>'
        site TEXT NOT NULL,
        source_id INTEGER NOT NULL,
        section TEXT,
        kind TEXT,
        published_at TEXT,
        document_number TEXT,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active'      -- active | deleted
    );
    CREATE TABLE raw_responses (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,               -- of the raw body bytes
        url TEXT NOT NULL,
        http_status INTEGER,
        headers TEXT,                              -- JSON
        body BLOB NOT NULL,                        -- zlib-compressed raw body
        fetched_at TEXT NOT NULL
    );
    CREATE TABLE variants (
        statement_id TEXT NOT NULL REFERENCES statements(id),
        lang TEXT NOT NULL,
        url TEXT NOT NULL,
        title TEXT,
        current_version INTEGER,
        content_sha256 TEXT,
        first_seen_at TEXT NOT NULL,
        last_checked_at TEXT,
        last_ok_at TEXT,
        last_changed_at TEXT,
        status TEXT NOT NULL DEFAULT 'active',     -- active | deleted
        etag TEXT,
        last_modified TEXT,
        last_outcome TEXT,
        failures INTEGER NOT NULL DEFAULT 0,       -- consecutive transient failures
        PRIMARY KEY (statement_id, lang)
    );
    CREATE TABLE versions (
        statement_id TEXT NOT NULL,
        lang TEXT NOT NULL,
        version INTEGER NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        paragraphs TEXT NOT NULL,                  -- JSON list of {speaker, text}
        content_sha256 TEXT NOT NULL,
        published_at TEXT,
        document_number TEXT,
        captured_at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        parser_version TEXT NOT NULL,
        raw_response_id INTEGER REFERENCES raw_responses(id),
        rederived INTEGER NOT NULL DEFAULT 0,      -- 1: same page re-read by a newer parser, not an edit
        PRIMARY KEY (statement_id, lang, version),
        FOREIGN KEY (statement_id, lang) REFERENCES variants(statement_id, lang)
    );
    CREATE TABLE fetches (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        fetched_at TEXT NOT NULL,
        url TEXT NOT NULL,
        page_type TEXT NOT NULL,                   -- article | listing | feed
        statement_id TEXT,
        lang TEXT,
        http_status INTEGER,
        outcome TEXT NOT NULL,                     -- see store/outcomes.py
        etag TEXT,
        last_modified TEXT,
        bytes INTEGER,
        elapsed_ms INTEGER,
        error TEXT
    );
    CREATE INDEX fetches_variant ON fetches(statement_id, lang, id);
    CREATE INDEX fetches_run ON fetches(run_id);
    CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,                  -- makes detection idempotent
        statement_id TEXT NOT NULL REFERENCES statements(id),
        lang TEXT NOT NULL,
        kind TEXT NOT NULL,                        -- new | edited | deleted | restored
        cosmetic INTEGER NOT NULL DEFAULT 0,
        from_version INTEGER,
        to_version INTEGER,
        detected_at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        summary TEXT NOT NULL,
        diff TEXT,
        emitted_at TEXT
    );
    CREATE INDEX changes_detected ON changes(detected_at);
    CREATE TABLE emissions (
        change_id INTEGER NOT NULL REFERENCES changes(id),
        sink TEXT NOT NULL,
        emitted_at TEXT NOT NULL,
        PRIMARY KEY (change_id, sink)
    );
    """,
    # 2: evidence archive (WARC records), full-text search, Datasette links, views and indexes.
    # versions is rebuilt with an INTEGER PRIMARY KEY so the external-content FTS index keeps stable
    # rowids (VACUUM may renumber implicit rowids) and so Datasette can link to single versions.
    """
    CREATE TABLE warc_records (
        id INTEGER PRIMARY KEY,
        warc_file TEXT NOT NULL,                   -- relative to the database's directory, or absolute
        warc_offset INTEGER NOT NULL,              -- byte offset of the record's gzip member
        warc_length INTEGER NOT NULL,              -- compressed length of that member
        record_type TEXT NOT NULL,                 -- response | revisit
        record_id TEXT NOT NULL,                   -- WARC-Record-ID
        target_uri TEXT NOT NULL,
        warc_date TEXT NOT NULL,
        http_status INTEGER,
        payload_digest TEXT NOT NULL,              -- WARC-Payload-Digest (sha1:BASE32)
        payload_length INTEGER,
        refers_to INTEGER REFERENCES warc_records(id)  -- revisit: the response record holding the payload
    );
    CREATE INDEX warc_records_payload ON warc_records(payload_digest) WHERE record_type = 'response';
    CREATE TABLE versions_new (
        id INTEGER PRIMARY KEY,
        statement_id TEXT NOT NULL REFERENCES statements(id),
        lang TEXT NOT NULL,
        version INTEGER NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        paragraphs TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        published_at TEXT,
        document_number TEXT,
        captured_at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        parser_version TEXT NOT NULL,
        raw_response_id INTEGER REFERENCES raw_responses(id),
        rederived INTEGER NOT NULL DEFAULT 0,
        warc_record_id INTEGER REFERENCES warc_records(id),  -- the response record holding the page
        warc_file TEXT,
        warc_offset INTEGER,
        payload_digest TEXT,
        UNIQUE (statement_id, lang, version),
        FOREIGN KEY (statement_id, lang) REFERENCES variants(statement_id, lang)
    );
    INSERT INTO versions_new (statement_id, lang, version, title, body, paragraphs, content_sha256, published_at,
        document_number, captured_at, run_id, parser_version, raw_response_id, rederived)
        SELECT statement_id, lang, version, title, body, paragraphs, content_sha256, published_at,
        document_number, captured_at, run_id, parser_version, raw_response_id, rederived FROM versions ORDER BY rowid;
    DROP TABLE versions;
    ALTER TABLE versions_new RENAME TO versions;
    CREATE INDEX versions_run ON versions(run_id);
    CREATE INDEX versions_captured ON versions(captured_at);
    CREATE INDEX versions_payload ON versions(payload_digest);
    ALTER TABLE statements ADD COLUMN title TEXT;
    ALTER TABLE variants ADD COLUMN current_version_id INTEGER REFERENCES versions(id);
    ALTER TABLE changes ADD COLUMN from_version_id INTEGER REFERENCES versions(id);
    ALTER TABLE changes ADD COLUMN to_version_id INTEGER REFERENCES versions(id);
    ALTER TABLE fetches ADD COLUMN warc_record_id INTEGER REFERENCES warc_records(id);
    UPDATE statements SET title = coalesce(
        (SELECT title FROM variants WHERE statement_id = statements.id AND lang = 'ru'),
        (SELECT title FROM variants WHERE statement_id = statements.id ORDER BY lang LIMIT 1));
    UPDATE variants SET current_version_id = (SELECT id FROM versions v WHERE v.statement_id = variants.statement_id
        AND v.lang = variants.lang AND v.version = variants.current_version);
    UPDATE changes SET
        from_version_id = (SELECT id FROM versions v WHERE v.statement_id = changes.statement_id
                           AND v.lang = changes.lang AND v.version = changes.from_version),
        to_version_id = (SELECT id FROM versions v WHERE v.statement_id = changes.statement_id
                         AND v.lang = changes.lang AND v.version = changes.to_version);
    CREATE INDEX statements_published ON statements(published_at);
    CREATE INDEX variants_lang ON variants(lang, status);
    CREATE INDEX changes_variant ON changes(statement_id, lang, kind);
    CREATE INDEX changes_run ON changes(run_id);
    -- Full-text search over every version (versions are append-only: these triggers fire once per new
    -- version, never on the per-check bookkeeping in variants/fetches).
    CREATE VIRTUAL TABLE versions_fts USING fts5(
        title, body, content=[versions], content_rowid=[id], tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO versions_fts(versions_fts) VALUES ('rebuild');
    CREATE TRIGGER versions_ai AFTER INSERT ON versions BEGIN
        INSERT INTO versions_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
        UPDATE statements SET title = new.title WHERE id = new.statement_id AND (new.lang = 'ru' OR title IS NULL);
    END;
    CREATE TRIGGER versions_ad AFTER DELETE ON versions BEGIN
        INSERT INTO versions_fts(versions_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    END;
    CREATE TRIGGER versions_au AFTER UPDATE OF title, body ON versions BEGIN
        INSERT INTO versions_fts(versions_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO versions_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END;
    -- Link ids for Datasette, filled when the version numbers are written (not on every check).
    CREATE TRIGGER variants_version_link AFTER UPDATE OF current_version ON variants BEGIN
        UPDATE variants SET current_version_id = (SELECT id FROM versions v WHERE v.statement_id = new.statement_id
            AND v.lang = new.lang AND v.version = new.current_version)
        WHERE statement_id = new.statement_id AND lang = new.lang;
    END;
    CREATE TRIGGER changes_version_links AFTER INSERT ON changes BEGIN
        UPDATE changes SET
            from_version_id = (SELECT id FROM versions v WHERE v.statement_id = new.statement_id
                               AND v.lang = new.lang AND v.version = new.from_version),
            to_version_id = (SELECT id FROM versions v WHERE v.statement_id = new.statement_id
                             AND v.lang = new.lang AND v.version = new.to_version)
        WHERE id = new.id;
    END;
    CREATE VIEW current_texts AS
        SELECT v.id AS version_id, va.statement_id, va.lang, v.version, v.title, v.body, s.published_at, s.kind,
               s.section, va.url, va.status, v.captured_at, v.parser_version, v.warc_file, v.warc_offset,
               v.payload_digest
        FROM variants va
        JOIN versions v ON v.statement_id = va.statement_id AND v.lang = va.lang AND v.version = va.current_version
        JOIN statements s ON s.id = va.statement_id;
    CREATE VIEW latest_statements AS
        SELECT s.id AS statement_id, s.published_at, s.kind, s.section, s.title, s.document_number,
               (SELECT group_concat(lang, ' ') FROM (SELECT lang FROM variants WHERE statement_id = s.id
                AND status = 'active' ORDER BY lang)) AS languages,
               (SELECT count(*) FROM variants WHERE statement_id = s.id AND status = 'active') AS n_languages,
               s.status, s.first_seen_at,
               (SELECT url FROM variants WHERE statement_id = s.id ORDER BY lang <> 'ru', lang LIMIT 1) AS url
        FROM statements s
        ORDER BY s.published_at DESC, s.source_id DESC;
    CREATE VIEW recent_changes AS
        SELECT c.id AS change_id, c.detected_at, c.kind, c.cosmetic, c.statement_id, c.lang, va.title, c.summary,
               c.from_version, c.to_version, s.published_at, va.url
        FROM changes c
        LEFT JOIN variants va ON va.statement_id = c.statement_id AND va.lang = c.lang
        LEFT JOIN statements s ON s.id = c.statement_id
        ORDER BY c.detected_at DESC, c.id DESC;
    CREATE VIEW coverage AS
        SELECT coalesce(substr(s.published_at, 1, 7), 'unknown') AS month, va.lang, count(*) AS statements,
               sum(va.status = 'active') AS active, sum(va.status = 'deleted') AS deleted
        FROM variants va JOIN statements s ON s.id = va.statement_id
        GROUP BY 1, va.lang
        ORDER BY 1 DESC, va.lang;
    CREATE VIEW problem_variants AS
        SELECT va.statement_id, va.lang, va.title, va.url,
               CASE WHEN va.status = 'deleted' THEN 'deleted'
                    WHEN va.last_outcome = 'gone' THEN 'gone, not yet confirmed'
                    ELSE 'failing' END AS problem,
               va.last_outcome, va.failures, va.last_checked_at, va.last_ok_at,
               (SELECT max(detected_at) FROM changes c WHERE c.statement_id = va.statement_id AND c.lang = va.lang
                AND c.kind = 'deleted') AS deleted_detected_at
        FROM variants va
        WHERE va.status = 'deleted' OR va.failures > 0
           OR va.last_outcome NOT IN ('ok', 'unchanged', 'not_modified')
        ORDER BY va.last_checked_at DESC;
    CREATE VIEW missing_translations AS
        WITH recent AS (
            SELECT * FROM statements WHERE status = 'active'
            AND published_at >= date((SELECT max(published_at) FROM statements), '-30 days')
        ), langs AS (SELECT DISTINCT lang FROM variants)
        SELECT r.id AS statement_id, r.published_at, r.kind, r.title, l.lang AS missing_lang,
               (SELECT group_concat(lang, ' ') FROM (SELECT lang FROM variants WHERE statement_id = r.id
                AND status = 'active' ORDER BY lang)) AS has_languages
        FROM recent r, langs l
        WHERE NOT EXISTS (SELECT 1 FROM variants va WHERE va.statement_id = r.id AND va.lang = l.lang
                          AND va.status = 'active')
        ORDER BY r.published_at DESC, l.lang;
    """,
    # 3: cross-language divergences between the language variants of one statement (scheduler/divergence/).
    """
    CREATE TABLE divergences (
        id INTEGER PRIMARY KEY,
        statement_id TEXT NOT NULL REFERENCES statements(id),
        lang_a TEXT NOT NULL,                      -- the original (ru when there is one)
        lang_b TEXT NOT NULL,                      -- the translation compared with it
        kind TEXT NOT NULL,                        -- missing_paragraphs | number_mismatch | edit_not_propagated
                                                   -- | missing_translation | uncertain_alignment
        key TEXT NOT NULL,                         -- identity of the finding within statement, pair and kind
        summary TEXT NOT NULL,                     -- one English line
        detail TEXT NOT NULL,                      -- JSON: paragraphs, anchors, confidence, reasons
        confidence REAL,                           -- 0..1: how sure the alignment behind it is
        version_a INTEGER,                         -- versions compared when last evaluated
        version_b INTEGER,
        detected_at TEXT NOT NULL,                 -- UTC, first seen
        updated_at TEXT NOT NULL,                  -- UTC, last re-evaluated while still holding
        resolved_at TEXT                           -- UTC, when it stopped holding; NULL while open
    );
    CREATE UNIQUE INDEX divergences_open_key ON divergences(statement_id, lang_a, lang_b, kind, key)
        WHERE resolved_at IS NULL;
    CREATE INDEX divergences_statement ON divergences(statement_id, resolved_at);
    CREATE INDEX divergences_detected ON divergences(detected_at);
    CREATE VIEW open_divergences AS
        SELECT d.id AS divergence_id, d.detected_at, d.kind, d.statement_id, d.lang_a, d.lang_b, d.summary,
               d.confidence, d.version_a, d.version_b, s.kind AS statement_kind, s.published_at,
               va.title AS title_a, va.url AS url_a, vb.url AS url_b, d.detail
        FROM divergences d
        LEFT JOIN statements s ON s.id = d.statement_id
        LEFT JOIN variants va ON va.statement_id = d.statement_id AND va.lang = d.lang_a
        LEFT JOIN variants vb ON vb.statement_id = d.statement_id AND vb.lang = d.lang_b
        WHERE d.resolved_at IS NULL
        ORDER BY d.detected_at DESC, d.id DESC;
    """,
    # 4: the process that owns a run, so a run whose owner died (SIGKILL, power cut) can be closed
    """
    ALTER TABLE runs ADD COLUMN owner_pid INTEGER;      -- the process that finishes the run
    """,
    # 5: discovery pages (listing page 1, feeds) and when their list of entries last changed, so quiet
    # ones are asked less often (store/discovery.py)
    """
    CREATE TABLE index_pages (
        path TEXT PRIMARY KEY,                     -- path and query, host-independent (/ru/rss.php)
        page_type TEXT NOT NULL,                   -- listing | feed
        lang TEXT,
        first_fetched_at TEXT NOT NULL,            -- UTC
        last_fetched_at TEXT NOT NULL,             -- UTC, any outcome
        last_outcome TEXT NOT NULL,                -- see store/outcomes.py
        last_ok_at TEXT,                           -- UTC, last time it answered with a list
        entries INTEGER,                           -- entries listed at last_ok_at
        entries_digest TEXT,                       -- sha1 of the listed entry URLs, in order
        last_changed_at TEXT                       -- UTC, when the list of entries last changed (see store/index_pages.first_change)
    );
    """,
    # 6: the fetch behind a deletion (its first 'gone' answer) or a restoration (its first good answer),
    # in a column of its own instead of the tail of the change's key.
    """
    ALTER TABLE changes ADD COLUMN fetch_id INTEGER REFERENCES fetches(id);
    UPDATE changes SET fetch_id = CAST(substr(key, length(rtrim(key, '0123456789')) + 1) AS INTEGER)
        WHERE kind IN ('deleted', 'restored');
    """,
    # 7: who owns a run, beyond its pid (which the system reuses): the boot and start time of that process
    """
    ALTER TABLE runs ADD COLUMN owner_token TEXT;      -- '<boot id>:<process start time>' (store/runs.py)
    """,
    # 8: an edit waiting for a confirming fetch before it is reported (scheduler/detect.py)
    """
    ALTER TABLE variants ADD COLUMN confirm_version INTEGER;   -- the version whose edit awaits confirmation
    ALTER TABLE variants ADD COLUMN confirm_after TEXT;        -- UTC: the confirming fetch is due from then on
    """,
    # 9: sinks start from when they were added (store/emissions.py), and the first fill of a database is
    # recorded without being announced. Sinks that already had deliveries keep everything still pending.
    """
    CREATE TABLE sinks (
        name TEXT PRIMARY KEY,                     -- as in emissions.sink
        first_seen_at TEXT NOT NULL,               -- UTC, the first run that had it
        start_after INTEGER NOT NULL DEFAULT 0     -- the last change recorded before it: older ones are not sent
    );
    INSERT INTO sinks (name, first_seen_at, start_after) SELECT sink, min(emitted_at), 0 FROM emissions GROUP BY sink;
    ALTER TABLE changes ADD COLUMN initial_fill INTEGER NOT NULL DEFAULT 0;   -- 1: part of the database's first fill
    """,
    # 10: clean integrity checks of a large file, so they need not be repeated every cycle (store/health.py)
    """
    CREATE TABLE db_health (
        checked_at TEXT NOT NULL,                  -- UTC
        result TEXT NOT NULL                       -- 'ok'
    );
    """,
    # 11: `crawl backfill`: versions recovered from web-archive captures (and the evidence behind each), the
    # window an edit found between captures falls in, the captures read, and where a backfill stands so that
    # a killed one continues where it stopped (store/backfill.py, store/captures.py)
    """
    ALTER TABLE versions ADD COLUMN source TEXT NOT NULL DEFAULT 'live';  -- live (fetched from the site) | web-archive
    ALTER TABLE versions ADD COLUMN evidence_url TEXT;     -- web-archive: the capture, <archive>/web/<timestamp>id_/<original URL>
    ALTER TABLE versions ADD COLUMN evidence_digest TEXT;  -- web-archive: the capture's digest in the archive's index
    ALTER TABLE changes ADD COLUMN changed_after TEXT;     -- UTC: an edit found in captures was made after this ...
    ALTER TABLE changes ADD COLUMN changed_before TEXT;    -- ... and before this (the sightings around it)
    CREATE TABLE backfill_progress (
        chain TEXT PRIMARY KEY,                    -- one listing, index query or variant's captures, e.g. 'listing archive.mid.ru news ru'
        kind TEXT NOT NULL,                        -- listing | cdx | captures
        next_page INTEGER,                         -- listing: the next page to read
        last_page INTEGER,                         -- listing: the last page its pager showed
        resume_key TEXT,                           -- cdx, captures: the index's key for its next answer
        pages_done INTEGER NOT NULL DEFAULT 0,     -- pages (answers) read and stored
        complete INTEGER NOT NULL DEFAULT 0,       -- 1: read to its end
        reached TEXT,                              -- listing: the oldest publication date it showed so far
        updated_at TEXT NOT NULL                   -- UTC
    );
    CREATE TABLE backfill_queue (
        site TEXT NOT NULL,
        source_id INTEGER NOT NULL,
        lang TEXT NOT NULL,
        url TEXT NOT NULL,                         -- the site's own URL, as found
        via TEXT NOT NULL,                         -- listings | web-archive | links | translation
        published_at TEXT,                         -- as the listing showed it (none from the index or a link)
        found_at TEXT NOT NULL,                    -- UTC
        state TEXT NOT NULL DEFAULT 'pending',     -- pending | done (stored) | gone | failed (refused 3 times)
        tries INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (site, source_id, lang)
    );
    CREATE INDEX backfill_queue_state ON backfill_queue(state);
    CREATE TABLE captures (
        id INTEGER PRIMARY KEY,
        statement_id TEXT NOT NULL,
        lang TEXT NOT NULL,
        timestamp TEXT NOT NULL,                   -- the archive's 14 digits (UTC)
        original TEXT NOT NULL,                    -- the URL as captured
        digest TEXT,                               -- the index's digest of the captured body
        url TEXT NOT NULL,                         -- the raw capture, <archive>/web/<timestamp>id_/<original>
        captured_at TEXT NOT NULL,                 -- the timestamp as UTC ISO 8601
        state TEXT NOT NULL DEFAULT 'pending',     -- pending | read | the outcome that refused it (truncated, challenge, ...)
        version INTEGER,                           -- read: the version it became, or whose text it showed again
        tries INTEGER NOT NULL DEFAULT 0,
        fetched_at TEXT,
        run_id INTEGER REFERENCES runs(id),
        error TEXT,
        UNIQUE (statement_id, lang, timestamp, original)
    );
    CREATE INDEX captures_state ON captures(state);
    """,
    # 12: the reading room's pages (scheduler/reading_room, store/reading_room.py, charts.py, change_list.py)
    # read index ranges, not the archive: statements by publication date with their id (charts by month),
    # variants with their first sighting (days to each translation), changes by kind and detection time
    # (edits and deletions per month, the change list filtered by kind), sections (the filter forms).
    """
    DROP INDEX IF EXISTS statements_published;
    CREATE INDEX statements_section ON statements(section);
    CREATE INDEX statements_published ON statements(published_at, id);
    CREATE INDEX variants_first_seen ON variants(statement_id, lang, first_seen_at);
    CREATE INDEX changes_kind_detected ON changes(kind, detected_at);
    """,
    # 13: the way past the anti-bot wall (crawler/wall.py): how each fetch got through, and per run how many
    # pages needed the browser
    """
    ALTER TABLE fetches ADD COLUMN via TEXT;    -- NULL: plain HTTP; 'cookie': with the browser's cookie; 'browser': by it
    ALTER TABLE runs ADD COLUMN browser_pages INTEGER NOT NULL DEFAULT 0;    -- answered past the wall: with the browser's cookie or by it
    ALTER TABLE runs ADD COLUMN browser_fetched INTEGER NOT NULL DEFAULT 0;  -- of those, fetched by the browser itself
    """,
    TEXT_STORED_ONCE,   # 14: see store/migrations_scale.py
    DIVERGENCE_SCHEDULE,   # 15: see store/migrations_scale.py
    RECHECK_INDEXES,   # 16: see store/migrations_scale.py
    VIEWS_AT_SCALE,   # 17: see store/migrations_scale.py
    VERSIONS_WARC_BY_RECORD,   # 18: see store/migrations_scale.py
    NEXT_CHECK,   # 19: see store/migrations_scale.py
    CURRENT_TEXTS_BY_VARIANT,   # 20: see store/migrations_scale.py
]
