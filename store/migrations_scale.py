"""Migrations 14-20 (archive scale, issue 17): their SQL, listed in store/migrations.py's MIGRATIONS in order."""
from __future__ import annotations

# 14: a version's text stored once (store/texts.py): the body, which the full-text index reads, and a layout of
# lengths that splits it back into paragraphs; the JSON copy of the paragraphs goes. Versions whose body cannot
# give their paragraphs back exactly keep them in version_paragraphs. (The file shrinks at the next VACUUM.)
TEXT_STORED_ONCE = """
    ALTER TABLE versions ADD COLUMN layout TEXT;          -- JSON: per paragraph its length, or [speaker, text] lengths
    CREATE TABLE version_paragraphs (
        version_id INTEGER PRIMARY KEY REFERENCES versions(id),
        paragraphs TEXT NOT NULL                          -- JSON list of {speaker, text}, when versions.layout is NULL
    );
    INSERT INTO version_paragraphs (version_id, paragraphs)
        SELECT v.id, v.paragraphs FROM versions v
        WHERE json_valid(v.paragraphs) = 0 OR json_type(v.paragraphs) <> 'array'
           OR instr(v.paragraphs, '\\u0000') > 0
           OR EXISTS (SELECT 1 FROM json_each(v.paragraphs) j WHERE j.type <> 'object'
                      OR (SELECT count(*) FROM json_each(j.value)) <> 2
                      OR coalesce(json_type(j.value, '$.text'), '') <> 'text'
                      OR coalesce(json_type(j.value, '$.speaker'), '') NOT IN ('null', 'text')
                      OR json_extract(j.value, '$.speaker') = '')
           OR coalesce((SELECT group_concat(CASE WHEN json_extract(j.value, '$.speaker') IS NULL
                                                 THEN json_extract(j.value, '$.text')
                                                 ELSE json_extract(j.value, '$.speaker') || ': '
                                                      || json_extract(j.value, '$.text') END, char(10, 10))
                        FROM json_each(v.paragraphs) j), '') IS NOT v.body;
    UPDATE versions SET layout = (
        SELECT coalesce(json_group_array(CASE WHEN json_extract(j.value, '$.speaker') IS NULL
                                              THEN length(json_extract(j.value, '$.text'))
                                              ELSE json_array(length(json_extract(j.value, '$.speaker')),
                                                              length(json_extract(j.value, '$.text'))) END), '[]')
        FROM json_each(versions.paragraphs) j)
        WHERE id NOT IN (SELECT version_id FROM version_paragraphs);
    ALTER TABLE versions DROP COLUMN paragraphs;
    """

# 15: the divergence checks look again only at statements that changed or whose delay runs out
# (scheduler/divergence/evaluate.py), instead of every statement with an open finding after every run.
DIVERGENCE_SCHEDULE = """
    ALTER TABLE statements ADD COLUMN divergence_stale INTEGER NOT NULL DEFAULT 0;  -- >0: changed since last evaluated
    ALTER TABLE statements ADD COLUMN divergence_due_at TEXT;  -- UTC: an edit or translation delay runs out then
    CREATE INDEX statements_divergence_stale ON statements(divergence_stale) WHERE divergence_stale > 0;
    CREATE INDEX statements_divergence_due ON statements(divergence_due_at) WHERE divergence_due_at IS NOT NULL;
    CREATE TRIGGER versions_divergence_stale AFTER INSERT ON versions BEGIN
        UPDATE statements SET divergence_stale = divergence_stale + 1 WHERE id = new.statement_id;
    END;
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,                      -- e.g. divergence_rules: the rules the schedule was computed with
        value TEXT NOT NULL
    );
    -- What the old rule re-evaluated after every run is looked at once more, and then only when due.
    UPDATE statements SET divergence_stale = 1
        WHERE id IN (SELECT statement_id FROM divergences WHERE resolved_at IS NULL)
           OR id IN (SELECT statement_id FROM versions
                     WHERE julianday(captured_at) > (SELECT julianday(max(captured_at)) FROM versions) - 40)
           OR julianday(coalesce(published_at, first_seen_at)) > (SELECT julianday(max(captured_at)) FROM versions) - 40;
    """

# 16: the variants that may be due a re-check found through indexes, not a pass over the archive
# (store/recheck.py: the partial indexes' conditions are the ones its query names).
RECHECK_INDEXES = """
    CREATE INDEX variants_checked ON variants(last_checked_at);
    CREATE INDEX variants_changed ON variants(last_changed_at) WHERE last_changed_at IS NOT NULL;
    CREATE INDEX variants_by_first_seen ON variants(first_seen_at);
    CREATE INDEX variants_gone ON variants(statement_id) WHERE last_outcome = 'gone' AND status = 'active';
    CREATE INDEX variants_confirming ON variants(statement_id) WHERE confirm_after IS NOT NULL;
    CREATE INDEX variants_odd_times ON variants(statement_id) WHERE (last_checked_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]*'
        OR first_seen_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]*' OR last_changed_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]*');
    CREATE INDEX statements_odd_published ON statements(id) WHERE published_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]*';
    """

# 17: the views people open answer from indexes and a running count, not a pass over the archive:
# problem_variants through a partial index, coverage from coverage_counts (kept by triggers that fire when a
# variant is added or its status or its statement's month changes, never on check bookkeeping), and
# missing_translations finds the archive's languages by skipping through an index. latest_statements and
# recent_changes lose their ORDER BY (Datasette sorts them, store/datasette-metadata.json), so counting and
# faceting them no longer computes every row's languages and sorts the archive.
VIEWS_AT_SCALE = """
    CREATE INDEX variants_problems ON variants(last_checked_at)
        WHERE status = 'deleted' OR failures > 0 OR last_outcome NOT IN ('ok', 'unchanged', 'not_modified');
    CREATE TABLE coverage_counts (
        month TEXT NOT NULL,                       -- YYYY-MM of publication, or 'unknown'
        lang TEXT NOT NULL,
        statements INTEGER NOT NULL DEFAULT 0,     -- language variants of statements published that month
        active INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (month, lang)
    );
    INSERT INTO coverage_counts (month, lang, statements, active, deleted)
        SELECT coalesce(substr(s.published_at, 1, 7), 'unknown'), va.lang, count(*), sum(va.status = 'active'),
               sum(va.status = 'deleted')
        FROM variants va JOIN statements s ON s.id = va.statement_id GROUP BY 1, 2;
    CREATE TRIGGER variants_coverage_insert AFTER INSERT ON variants BEGIN
        INSERT INTO coverage_counts (month, lang) VALUES ((SELECT coalesce(substr(published_at, 1, 7), 'unknown')
            FROM statements WHERE id = new.statement_id), new.lang) ON CONFLICT DO NOTHING;
        UPDATE coverage_counts SET statements = statements + 1, active = active + (new.status = 'active'),
            deleted = deleted + (new.status = 'deleted')
        WHERE lang = new.lang AND month = (SELECT coalesce(substr(published_at, 1, 7), 'unknown') FROM statements
                                           WHERE id = new.statement_id);
    END;
    CREATE TRIGGER variants_coverage_status AFTER UPDATE OF status ON variants WHEN old.status IS NOT new.status BEGIN
        UPDATE coverage_counts SET active = active + (new.status = 'active') - (old.status = 'active'),
            deleted = deleted + (new.status = 'deleted') - (old.status = 'deleted')
        WHERE lang = new.lang AND month = (SELECT coalesce(substr(published_at, 1, 7), 'unknown') FROM statements
                                           WHERE id = new.statement_id);
    END;
    CREATE TRIGGER statements_coverage_month AFTER UPDATE OF published_at ON statements
        WHEN coalesce(substr(old.published_at, 1, 7), 'unknown') IS NOT coalesce(substr(new.published_at, 1, 7), 'unknown')
    BEGIN
        INSERT INTO coverage_counts (month, lang) SELECT coalesce(substr(new.published_at, 1, 7), 'unknown'), lang
            FROM variants WHERE statement_id = new.id ON CONFLICT DO NOTHING;
        UPDATE coverage_counts SET (statements, active, deleted) = (
            SELECT statements + d * count(*), active + d * sum(v.status = 'active'), deleted + d * sum(v.status = 'deleted')
            FROM variants v, (SELECT CASE WHEN coverage_counts.month = coalesce(substr(old.published_at, 1, 7), 'unknown')
                                      THEN -1 ELSE 1 END AS d)
            WHERE v.statement_id = new.id AND v.lang = coverage_counts.lang)
        WHERE month IN (coalesce(substr(old.published_at, 1, 7), 'unknown'), coalesce(substr(new.published_at, 1, 7), 'unknown'))
          AND lang IN (SELECT lang FROM variants WHERE statement_id = new.id);
        DELETE FROM coverage_counts WHERE statements = 0;
    END;
    DROP VIEW coverage;
    CREATE VIEW coverage AS
        SELECT month, lang, statements, active, deleted FROM coverage_counts WHERE statements > 0
        ORDER BY month DESC, lang;
    DROP VIEW latest_statements;
    CREATE VIEW latest_statements AS
        SELECT s.id AS statement_id, s.published_at, s.kind, s.section, s.title, s.document_number,
               (SELECT group_concat(lang, ' ') FROM (SELECT lang FROM variants WHERE statement_id = s.id
                AND status = 'active' ORDER BY lang)) AS languages,
               (SELECT count(*) FROM variants WHERE statement_id = s.id AND status = 'active') AS n_languages,
               s.status, s.first_seen_at,
               (SELECT url FROM variants WHERE statement_id = s.id ORDER BY lang <> 'ru', lang LIMIT 1) AS url
        FROM statements s;
    DROP VIEW recent_changes;
    CREATE VIEW recent_changes AS
        SELECT c.id AS change_id, c.detected_at, c.kind, c.cosmetic, c.statement_id, c.lang, va.title, c.summary,
               c.from_version, c.to_version, s.published_at, va.url
        FROM changes c
        LEFT JOIN variants va ON va.statement_id = c.statement_id AND va.lang = c.lang
        LEFT JOIN statements s ON s.id = c.statement_id;
    DROP VIEW missing_translations;
    CREATE VIEW missing_translations AS
        WITH RECURSIVE recent AS (
            SELECT * FROM statements WHERE status = 'active'
            AND published_at >= date((SELECT max(published_at) FROM statements), '-30 days')
        ), langs(lang) AS (
            SELECT min(lang) FROM variants
            UNION ALL SELECT (SELECT min(lang) FROM variants WHERE lang > langs.lang) FROM langs WHERE lang IS NOT NULL
        )
        SELECT r.id AS statement_id, r.published_at, r.kind, r.title, l.lang AS missing_lang,
               (SELECT group_concat(lang, ' ') FROM (SELECT lang FROM variants WHERE statement_id = r.id
                AND status = 'active' ORDER BY lang)) AS has_languages
        FROM recent r, langs l
        WHERE l.lang IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM variants va WHERE va.statement_id = r.id AND va.lang = l.lang
                          AND va.status = 'active')
        ORDER BY r.published_at DESC, l.lang;
    """

# 18: bytes per version (issue 17). Where a version's page is archived is said once, by its WARC record:
# versions kept the record's file, offset and payload digest a second time (~100 bytes a version), and those
# columns sat after the body, so reading them walked the text's overflow pages. Versions read them through
# warc_record_id (store/sources.py, the current_texts view). Indexes no query uses go: versions_payload (a
# version is found by its digest through warc_records) and variants_first_seen (the primary key already finds
# the one row). The WARC dedup lookup indexes a 15-character prefix of the digest ("sha1:" and 10 base32
# characters: 50 bits) instead of the whole 37-character string; the query still compares the whole digest.
VERSIONS_WARC_BY_RECORD = """
    UPDATE versions SET warc_record_id = (SELECT w.id FROM warc_records w WHERE w.warc_file = versions.warc_file
                                           AND w.warc_offset = versions.warc_offset)
        WHERE warc_record_id IS NULL AND warc_file IS NOT NULL;
    DROP VIEW IF EXISTS current_texts;
    DROP INDEX IF EXISTS versions_payload;
    DROP INDEX IF EXISTS variants_first_seen;
    ALTER TABLE versions DROP COLUMN warc_file;
    ALTER TABLE versions DROP COLUMN warc_offset;
    ALTER TABLE versions DROP COLUMN payload_digest;
    -- The WARC columns as subqueries, not a join: they are read only for the rows shown, so counting a search's
    -- matches (Datasette counts every one) does not look each one's record up (+70% on 100,000 matches).
    CREATE VIEW current_texts AS
        SELECT v.id AS version_id, va.statement_id, va.lang, v.version, v.title, v.body, s.published_at, s.kind,
               s.section, va.url, va.status, v.captured_at, v.parser_version,
               (SELECT w.warc_file FROM warc_records w WHERE w.id = v.warc_record_id) AS warc_file,
               (SELECT w.warc_offset FROM warc_records w WHERE w.id = v.warc_record_id) AS warc_offset,
               (SELECT w.payload_digest FROM warc_records w WHERE w.id = v.warc_record_id) AS payload_digest
        FROM variants va
        JOIN versions v ON v.statement_id = va.statement_id AND v.lang = va.lang AND v.version = va.current_version
        JOIN statements s ON s.id = va.statement_id;
    DROP INDEX IF EXISTS warc_records_payload;
    CREATE INDEX warc_records_payload ON warc_records(substr(payload_digest, 1, 15)) WHERE record_type = 'response';
    """

# 19: when each variant is next due for a re-check, stored (store/recheck.py), so planning a cycle reads what is
# due, not a day's slice of the archive plus every variant of the last months. A cache of the rule (due_at): the
# triggers empty it when one of the rule's inputs changes, and store/recheck.py works it out again; the policy it
# was worked out with is recorded in settings (recheck_policy). The indexes only the old selection read go.
NEXT_CHECK = """
    DROP INDEX variants_checked;                         -- first: the new index reuses their pages
    DROP INDEX variants_changed;
    DROP INDEX variants_by_first_seen;
    DROP INDEX variants_odd_times;
    DROP INDEX statements_odd_published;
    ALTER TABLE variants ADD COLUMN next_check INTEGER;  -- unix seconds UTC: next due for a re-check; NULL: unknown
    CREATE INDEX variants_next_check ON variants(next_check);
    CREATE TRIGGER variants_next_check_stale
        AFTER UPDATE OF last_checked_at, last_changed_at, first_seen_at, last_outcome, status, confirm_after ON variants
        WHEN new.next_check IS NOT NULL AND (old.last_checked_at IS NOT new.last_checked_at
            OR old.last_changed_at IS NOT new.last_changed_at OR old.first_seen_at IS NOT new.first_seen_at
            OR old.last_outcome IS NOT new.last_outcome OR old.status IS NOT new.status
            OR old.confirm_after IS NOT new.confirm_after)
    BEGIN
        UPDATE variants SET next_check = NULL WHERE rowid = new.rowid;
    END;
    CREATE TRIGGER statements_next_check_stale AFTER UPDATE OF published_at, first_seen_at ON statements
        WHEN old.published_at IS NOT new.published_at OR old.first_seen_at IS NOT new.first_seen_at
    BEGIN
        UPDATE variants SET next_check = NULL WHERE statement_id = new.id AND next_check IS NOT NULL;
    END;
    """

# 20: a search of the current texts counts its matches without reading them (issue 17). Datasette counts every
# match of a table page's ?_search=; the view joined each match to its version, variant and statement, three
# look-ups into large tables for each of 86,000 matches of a common word (~0.5 s at 150,000 statements). Now a
# variant is the row and its version_id is variants.current_version_id, found in a small index: the count reads
# only that index (~50 ms), and the other columns are read by scalar subqueries for the rows shown. (SQLite does
# not drop an unused LEFT JOIN from an aggregate, so joins, even left ones, would still be read for the count.)
CURRENT_TEXTS_BY_VARIANT = """
    DROP VIEW IF EXISTS current_texts;
    CREATE INDEX variants_current_version ON variants(current_version_id) WHERE current_version_id IS NOT NULL;
    CREATE VIEW current_texts AS
        SELECT va.current_version_id AS version_id, va.statement_id, va.lang,
               (SELECT v.version FROM versions v WHERE v.id = va.current_version_id) AS version,
               (SELECT v.title FROM versions v WHERE v.id = va.current_version_id) AS title,
               (SELECT v.body FROM versions v WHERE v.id = va.current_version_id) AS body,
               (SELECT s.published_at FROM statements s WHERE s.id = va.statement_id) AS published_at,
               (SELECT s.kind FROM statements s WHERE s.id = va.statement_id) AS kind,
               (SELECT s.section FROM statements s WHERE s.id = va.statement_id) AS section,
               va.url, va.status,
               (SELECT v.captured_at FROM versions v WHERE v.id = va.current_version_id) AS captured_at,
               (SELECT v.parser_version FROM versions v WHERE v.id = va.current_version_id) AS parser_version,
               (SELECT w.warc_file FROM versions v JOIN warc_records w ON w.id = v.warc_record_id
                 WHERE v.id = va.current_version_id) AS warc_file,
               (SELECT w.warc_offset FROM versions v JOIN warc_records w ON w.id = v.warc_record_id
                 WHERE v.id = va.current_version_id) AS warc_offset,
               (SELECT w.payload_digest FROM versions v JOIN warc_records w ON w.id = v.warc_record_id
                 WHERE v.id = va.current_version_id) AS payload_digest
        FROM variants va
        WHERE va.current_version_id IS NOT NULL;
    """
