using System;
using System.Collections.Generic;

namespace IncidentTools.Store
{
    /// <summary>
    /// The store's schema, one migration per version. The version is SQLite's PRAGMA user_version. A later
    /// version adds a migration at the end of the list; existing ones never change.
    /// </summary>
    public static class Schema
    {
        public static readonly IReadOnlyList<string> Migrations = new[]
        {
            // Version 1
            @"
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    display_name_by_user INTEGER NOT NULL DEFAULT 0,
    description TEXT,
    severity INTEGER NOT NULL,
    severity_override INTEGER,
    status INTEGER NOT NULL,
    assigned_to TEXT,
    classification INTEGER NOT NULL DEFAULT 0,
    determination INTEGER NOT NULL DEFAULT 0,
    system_tags TEXT NOT NULL DEFAULT '[]',
    created INTEGER NOT NULL,
    last_update INTEGER NOT NULL,
    first_activity INTEGER NOT NULL,
    last_activity INTEGER NOT NULL,
    alert_count INTEGER NOT NULL DEFAULT 0,
    device_count INTEGER NOT NULL DEFAULT 0,
    user_count INTEGER NOT NULL DEFAULT 0,
    mailbox_count INTEGER NOT NULL DEFAULT 0,
    categories TEXT NOT NULL DEFAULT '[]',
    service_sources TEXT NOT NULL DEFAULT '[]',
    detection_sources TEXT NOT NULL DEFAULT '[]',
    redirect_incident_id INTEGER,
    resolving_comment TEXT,
    priority INTEGER NOT NULL DEFAULT 0,
    priority_factors TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ix_incidents_last_activity ON incidents (last_activity DESC, id DESC);
CREATE INDEX ix_incidents_status ON incidents (status, last_activity DESC);

CREATE TABLE incident_tags (
    incident_id INTEGER NOT NULL,
    tag TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (incident_id, tag)
) WITHOUT ROWID;
CREATE INDEX ix_incident_tags_tag ON incident_tags (tag);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    provider_alert_id TEXT NOT NULL,
    source TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    incident_id INTEGER,
    needs_correlation INTEGER NOT NULL DEFAULT 1,
    title TEXT NOT NULL,
    description TEXT,
    severity INTEGER NOT NULL,
    status INTEGER NOT NULL,
    category TEXT,
    mitre_techniques TEXT NOT NULL DEFAULT '[]',
    service_source TEXT,
    detection_source TEXT,
    detector_id TEXT,
    created INTEGER NOT NULL,
    first_activity INTEGER NOT NULL,
    last_activity INTEGER NOT NULL,
    provider_context TEXT NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    import_id TEXT,
    original BLOB
);
CREATE INDEX ix_alerts_incident ON alerts (incident_id, first_activity);
CREATE INDEX ix_alerts_to_correlate ON alerts (first_activity, id) WHERE needs_correlation = 1;
CREATE INDEX ix_alerts_tenant_time ON alerts (tenant_id, first_activity);

CREATE TABLE entities (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    type INTEGER NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    alert_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, type, key)
);
CREATE INDEX ix_entities_name ON entities (name COLLATE NOCASE);
CREATE INDEX ix_entities_key ON entities (key);

CREATE TABLE alert_entities (
    alert_id TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '[]',
    verdict TEXT,
    properties TEXT NOT NULL DEFAULT '{}',
    first_activity INTEGER NOT NULL,
    last_activity INTEGER NOT NULL,
    PRIMARY KEY (alert_id, entity_id)
) WITHOUT ROWID;
CREATE INDEX ix_alert_entities_entity ON alert_entities (entity_id, last_activity);

CREATE TABLE pending_evidence (
    alert_id TEXT NOT NULL,
    evidence TEXT NOT NULL,
    location TEXT NOT NULL,
    import_id TEXT
);
CREATE INDEX ix_pending_evidence_alert ON pending_evidence (alert_id);

CREATE TABLE correlation_links (
    incident_id INTEGER NOT NULL,
    alert_id TEXT NOT NULL,
    linked_alert_id TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    rule TEXT NOT NULL,
    gap_seconds INTEGER NOT NULL
);
CREATE INDEX ix_correlation_links_incident ON correlation_links (incident_id);
CREATE INDEX ix_correlation_links_alert ON correlation_links (alert_id);

CREATE TABLE correlation_refusals (
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    alert_id TEXT NOT NULL,
    incident_id INTEGER NOT NULL,
    other_incident_id INTEGER,
    reason TEXT NOT NULL
);
CREATE INDEX ix_correlation_refusals_incident ON correlation_refusals (incident_id);
CREATE INDEX ix_correlation_refusals_other ON correlation_refusals (other_incident_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL,
    comment TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX ix_comments_incident ON comments (incident_id);

CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL,
    time INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    field TEXT,
    old_value TEXT,
    new_value TEXT,
    version INTEGER NOT NULL
);
CREATE INDEX ix_history_incident ON history (incident_id, id);

CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    started INTEGER NOT NULL,
    finished INTEGER,
    summary TEXT
);

CREATE TABLE imported_files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    hash TEXT NOT NULL,
    import_id TEXT NOT NULL
);

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
",
            // Version 2: entities tied by aliases (a user's UPN, SID and DOMAIN\name; a device's ids and names),
            // each alert's own key for an entity, and people's merges and moves kept as constraints for replays.
            @"
CREATE TABLE entity_aliases (
    tenant_id TEXT NOT NULL,
    type INTEGER NOT NULL,
    alias TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, type, alias)
) WITHOUT ROWID;
CREATE INDEX ix_entity_aliases_entity ON entity_aliases (entity_id);
CREATE INDEX ix_entity_aliases_alias ON entity_aliases (alias);
INSERT INTO entity_aliases (tenant_id, type, alias, entity_id) SELECT tenant_id, type, key, id FROM entities;

ALTER TABLE alert_entities ADD COLUMN key TEXT;

CREATE TABLE correlation_constraints (
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    anchor_alert_id TEXT,
    incident_id INTEGER NOT NULL
);
CREATE INDEX ix_correlation_constraints_alert ON correlation_constraints (alert_id);
",
            // Version 3: the import that first stored each alert, so Remove-Alert -ImportId undoes exactly what an
            // import added (import_id is the last import that changed the alert; alerts stored before keep their last
            // import as the best knowledge there is), and indexes that let removals find links, refusals and
            // redirected incidents without scanning.
            @"
ALTER TABLE alerts ADD COLUMN created_import_id TEXT;
UPDATE alerts SET created_import_id = import_id;
CREATE INDEX ix_alerts_created_import ON alerts (created_import_id);
CREATE INDEX ix_alerts_last_activity ON alerts (last_activity);
CREATE INDEX ix_correlation_links_linked ON correlation_links (linked_alert_id);
CREATE INDEX ix_correlation_refusals_alert ON correlation_refusals (alert_id);
CREATE INDEX ix_incidents_redirect ON incidents (redirect_incident_id) WHERE redirect_incident_id IS NOT NULL;
",
            // Version 4: what the import limits cut from an alert (JSON array of {Field, OriginalLength, KeptLength}).
            @"ALTER TABLE alerts ADD COLUMN truncated TEXT NOT NULL DEFAULT '[]';",
            // Version 5: closed incidents (Resolved, Redirected) have priority 0, the Closed factor cancelling the others.
            @"
UPDATE incidents SET priority_factors = json_set(priority_factors, '$.Closed', -priority), priority = 0
WHERE status IN (2, 3) AND priority > 0;
",
            // Version 6: indexes that match the queries. Correlation looks up an entity's alerts by activity window:
            // with first_activity in the index it never reads the table row. Get-Incident -Entity and
            // Get-IncidentEntity -Name compare keys case-insensitively, which only a NOCASE index serves. The other
            // names alerts gave an entity (its own name is the first one seen) are kept apart, so that a lookup by
            // any of them is an index search instead of a scan of every alert-entity link.
            @"
DROP INDEX ix_alert_entities_entity;
CREATE INDEX ix_alert_entities_entity ON alert_entities (entity_id, last_activity, first_activity);
DROP INDEX ix_entities_key;
CREATE INDEX ix_entities_key ON entities (key COLLATE NOCASE);
CREATE TABLE entity_names (
    entity_id INTEGER NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (entity_id, name)
) WITHOUT ROWID;
CREATE INDEX ix_entity_names_name ON entity_names (name);
INSERT OR IGNORE INTO entity_names (entity_id, name)
    SELECT DISTINCT ae.entity_id, ae.name FROM alert_entities ae JOIN entities e ON e.id = ae.entity_id WHERE ae.name <> e.name;
",
            // Version 7: the longest activity span of any alert, read from an index in one step. Correlation looks up
            // an entity's alerts whose activity overlaps a window; the entity index is ordered by last activity, so
            // without an upper bound on it the lookup read every later alert of the entity to the end of the store
            // (thousands per lookup for a busy entity, growing with the store). An alert ends at most this span after
            // it starts, which bounds the range.
            @"
CREATE INDEX ix_alerts_span ON alerts (last_activity - first_activity);
",
            // Version 8: alerts get a number of their own (seq, the rowid, in the order they were stored), and an
            // alert's entity links are keyed by it instead of the alert's text id (about 77 characters). The links are
            // the store's largest B-tree and the one correlation searches most: keyed by the text id, every new link
            // went to a random page of the table and its entity index carried the whole id; keyed by the number, a new
            // alert's links are appended at the table's end, the entity index is a quarter of its size, and a
            // candidate joins its alert by rowid. SQLite cannot change a table's key in place: both tables are rebuilt.
            // The original records (two thirds of an alert's row) move to a table of their own: correlation reads
            // and updates every alert row, and SQLite rewrites a whole row, overflow pages and all, on any update.
            // An entity is found by its identifiers in entity_aliases, and its own key is one of them: the unique index
            // on (tenant, type, key) and the key index duplicated that index, and a new entity paid for all three. The
            // entities table is rebuilt without them; lookups by key go through the alias index, now case-insensitive.
            @"
CREATE TABLE alerts_v8 (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    provider_alert_id TEXT NOT NULL,
    source TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    incident_id INTEGER,
    needs_correlation INTEGER NOT NULL DEFAULT 1,
    title TEXT NOT NULL,
    description TEXT,
    severity INTEGER NOT NULL,
    status INTEGER NOT NULL,
    category TEXT,
    mitre_techniques TEXT NOT NULL DEFAULT '[]',
    service_source TEXT,
    detection_source TEXT,
    detector_id TEXT,
    created INTEGER NOT NULL,
    first_activity INTEGER NOT NULL,
    last_activity INTEGER NOT NULL,
    provider_context TEXT NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    import_id TEXT,
    created_import_id TEXT,
    truncated TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO alerts_v8 (id, provider_alert_id, source, tenant_id, incident_id, needs_correlation, title, description, severity, status, category,
                       mitre_techniques, service_source, detection_source, detector_id, created, first_activity, last_activity, provider_context,
                       content_hash, import_id, created_import_id, truncated)
    SELECT id, provider_alert_id, source, tenant_id, incident_id, needs_correlation, title, description, severity, status, category,
           mitre_techniques, service_source, detection_source, detector_id, created, first_activity, last_activity, provider_context,
           content_hash, import_id, created_import_id, truncated
    FROM alerts ORDER BY rowid;
CREATE TABLE alert_originals (
    alert_seq INTEGER PRIMARY KEY,
    original BLOB NOT NULL
);
INSERT INTO alert_originals (alert_seq, original)
    SELECT n.seq, o.original FROM alerts o JOIN alerts_v8 n ON n.id = o.id WHERE o.original IS NOT NULL ORDER BY n.seq;
DROP TABLE alerts;
ALTER TABLE alerts_v8 RENAME TO alerts;
CREATE INDEX ix_alerts_incident ON alerts (incident_id, first_activity);
CREATE INDEX ix_alerts_to_correlate ON alerts (first_activity, id) WHERE needs_correlation = 1;
CREATE INDEX ix_alerts_tenant_time ON alerts (tenant_id, first_activity);
CREATE INDEX ix_alerts_created_import ON alerts (created_import_id);
CREATE INDEX ix_alerts_last_activity ON alerts (last_activity);
CREATE INDEX ix_alerts_span ON alerts (last_activity - first_activity);

CREATE TABLE alert_entities_v8 (
    alert_seq INTEGER NOT NULL,
    entity_id INTEGER NOT NULL,
    key TEXT,
    name TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '[]',
    verdict TEXT,
    properties TEXT NOT NULL DEFAULT '{}',
    first_activity INTEGER NOT NULL,
    last_activity INTEGER NOT NULL,
    PRIMARY KEY (alert_seq, entity_id)
) WITHOUT ROWID;
INSERT INTO alert_entities_v8 (alert_seq, entity_id, key, name, roles, verdict, properties, first_activity, last_activity)
    SELECT a.seq, ae.entity_id, ae.key, ae.name, ae.roles, ae.verdict, ae.properties, ae.first_activity, ae.last_activity
    FROM alert_entities ae JOIN alerts a ON a.id = ae.alert_id ORDER BY a.seq, ae.entity_id;
DROP TABLE alert_entities;
ALTER TABLE alert_entities_v8 RENAME TO alert_entities;
CREATE INDEX ix_alert_entities_entity ON alert_entities (entity_id, last_activity, first_activity);

INSERT OR IGNORE INTO entity_aliases (tenant_id, type, alias, entity_id) SELECT tenant_id, type, key, id FROM entities;
CREATE TABLE entities_v8 (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    type INTEGER NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    alert_count INTEGER NOT NULL DEFAULT 0
);
INSERT INTO entities_v8 (id, tenant_id, type, key, name, alert_count) SELECT id, tenant_id, type, key, name, alert_count FROM entities ORDER BY id;
DROP TABLE entities;
ALTER TABLE entities_v8 RENAME TO entities;
CREATE INDEX ix_entities_name ON entities (name COLLATE NOCASE);
DROP INDEX ix_entity_aliases_alias;
CREATE INDEX ix_entity_aliases_alias ON entity_aliases (alias COLLATE NOCASE);
",
        };

        public static int CurrentVersion => Migrations.Count;
    }
}
