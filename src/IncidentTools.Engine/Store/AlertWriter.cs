using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json;

namespace IncidentTools.Store
{
    public enum AlertWriteResult { Created, Updated, Unchanged }

    /// <summary>
    /// Entity ids by identifiers, kept for a whole import rather than one batch: the users, devices and IPs of one
    /// attack recur across batches, and each lookup by alias costs a query. The ids stay valid while no other
    /// connection writes the store (another import may tie or remove entities): SQLite's data_version says whether one
    /// did since the last batch, and then the cache starts again.
    /// </summary>
    internal sealed class EntityIdCache
    {
        readonly Dictionary<(string, int, string), (long Id, string Name)> _ids = new Dictionary<(string, int, string), (long, string)>();
        long _dataVersion = -1;

        /// <summary>The cache, emptied first when another connection has written the store. Call inside the write transaction.</summary>
        public Dictionary<(string, int, string), (long Id, string Name)> ValidIn(IncidentStore store, SqliteTransaction tx)
        {
            long version = Convert.ToInt64(store.Scalar("PRAGMA data_version;", tx));
            if (version != _dataVersion) _ids.Clear();
            _dataVersion = version;
            return _ids;
        }

        /// <summary>Forgets every id: a batch that wrote some of them was rolled back.</summary>
        public void Clear() => _ids.Clear();
    }

    /// <summary>
    /// The JSON text an alert's row and its evidence links store. Worked out off the store thread while the import
    /// reads ahead (ImportSession prepares each alert as read); the writer works them out itself for an alert it
    /// merged with a stored copy. Roles and Properties are in the order of the alert's Evidence.
    /// </summary>
    internal sealed class AlertColumns
    {
        public string Mitre = "", Context = "", Truncated = "";
        public string[] Roles = Array.Empty<string>(), Properties = Array.Empty<string>();

        public static AlertColumns Of(Alert alert) => new AlertColumns
        {
            Mitre = StoredJson.Strings(alert.MitreTechniques),
            Context = StoredJson.Properties(new SortedDictionary<string, string>(alert.ProviderContext, StringComparer.OrdinalIgnoreCase)),
            Truncated = StoredJson.Truncations(alert.Truncated),
            Roles = alert.Evidence.Select(ev => StoredJson.Strings(ev.Roles)).ToArray(),
            Properties = alert.Evidence.Select(ev => StoredJson.Properties(ev.Properties)).ToArray(),
        };
    }

    /// <summary>
    /// Stores alerts and their entities inside the caller's write transaction, with prepared statements and an
    /// in-memory cache of entity ids; entities' alert counts are added up in memory and written once per batch
    /// (Flush, before the caller commits). Re-importing an alert merges it with what is stored: fields take the new
    /// value unless it is empty, evidence and provider context grow and are never replaced by nothing.
    /// </summary>
    internal sealed class AlertWriter : IDisposable
    {
        readonly IncidentStore _store;
        readonly SqliteTransaction _tx;
        /// <summary>Entity id and stored name by (tenant, type, key and aliases): the import's cache, valid in this transaction.</summary>
        /// <remarks>At most MaxCachedEntities entries (about 12 MB): 200,000 cost 90 MB of peak memory on large imports.</remarks>
        readonly Dictionary<(string, int, string), (long Id, string Name)> _entities;
        const int MaxCachedEntities = 50_000;
        /// <summary>Alerts newly linked to each entity in this batch, not yet added to entities.alert_count.</summary>
        readonly Dictionary<long, int> _newLinks = new Dictionary<long, int>();
        /// <summary>How many times entities were tied together: ids resolved before a tie may be gone.</summary>
        int _ties;
        readonly Statement _selectAlert, _insertAlert, _updateAlert, _insertEntity, _selectAlias, _insertAlias, _insertName, _insertLink, _updateLink,
                           _linkTimes, _selectPending, _deletePending, _insertPending, _setOriginal;
        /// <summary>Read with IncidentReader.ReadEvidence, as everywhere else; only updates of stored alerts run it.</summary>
        readonly SqliteCommand _selectEvidence;

        readonly Import.ImportLimits _limits;
        /// <summary>
        /// Whether any evidence waits for its alert. Almost never: only some formats deliver evidence before the alert.
        /// While none does, no alert looks for it, which saves a query per alert. No other connection can add some
        /// during the writer's transaction.
        /// </summary>
        bool _anyPending;

        public AlertWriter(IncidentStore store, SqliteTransaction tx, Import.ImportLimits limits, EntityIdCache entityIds)
        {
            _store = store; _tx = tx; _limits = limits;
            _entities = entityIds.ValidIn(store, tx);
            _selectAlert = Prepare("SELECT title, description, severity, status, category, mitre_techniques, service_source, detection_source, detector_id, created, first_activity, last_activity, provider_context, content_hash, incident_id, provider_alert_id, source, truncated, seq FROM alerts WHERE id = $id");
            _insertAlert = Prepare(@"INSERT INTO alerts (id, provider_alert_id, source, tenant_id, incident_id, needs_correlation, title, description, severity, status, category, mitre_techniques, service_source, detection_source, detector_id, created, first_activity, last_activity, provider_context, content_hash, import_id, created_import_id, truncated)
                VALUES ($id, $provider_alert_id, $source, $tenant_id, NULL, 1, $title, $description, $severity, $status, $category, $mitre, $service_source, $detection_source, $detector_id, $created, $first, $last, $context, $hash, $import_id, $import_id, $truncated)");
            _updateAlert = Prepare(@"UPDATE alerts SET title = $title, description = $description, severity = $severity, status = $status, category = $category, mitre_techniques = $mitre,
                service_source = $service_source, detection_source = $detection_source, detector_id = $detector_id, created = $created, first_activity = $first, last_activity = $last,
                provider_context = $context, content_hash = $hash, import_id = $import_id, truncated = $truncated, needs_correlation = 1 WHERE id = $id");
            _setOriginal = Prepare("INSERT OR REPLACE INTO alert_originals (alert_seq, original) VALUES ($seq, $original)");
            _insertEntity = Prepare("INSERT INTO entities (tenant_id, type, key, name) VALUES ($tenant, $type, $key, $name)");
            _selectAlias = Prepare("SELECT x.entity_id, e.name FROM entity_aliases x JOIN entities e ON e.id = x.entity_id WHERE x.tenant_id = $tenant AND x.type = $type AND x.alias = $alias");
            _insertAlias = Prepare("INSERT OR IGNORE INTO entity_aliases (tenant_id, type, alias, entity_id) VALUES ($tenant, $type, $alias, $entity)");
            _insertName = Prepare("INSERT OR IGNORE INTO entity_names (entity_id, name) VALUES ($id, $name)");
            _insertLink = Prepare("INSERT OR IGNORE INTO alert_entities (alert_seq, entity_id, key, name, roles, verdict, properties, first_activity, last_activity) VALUES ($alert, $entity, $key, $name, $roles, $verdict, $props, $first, $last)");
            _updateLink = Prepare("UPDATE alert_entities SET key = $key, name = $name, roles = $roles, verdict = coalesce($verdict, verdict), properties = $props WHERE alert_seq = $alert AND entity_id = $entity");
            _linkTimes = Prepare("UPDATE alert_entities SET first_activity = $first, last_activity = $last WHERE alert_seq = $alert");
            _selectEvidence = _store.Connection.CreateCommand();
            _selectEvidence.Transaction = _tx;
            _selectEvidence.CommandText = IncidentReader.EvidenceSql;
            _selectPending = Prepare("SELECT evidence FROM pending_evidence WHERE alert_id = $id");
            _deletePending = Prepare("DELETE FROM pending_evidence WHERE alert_id = $id");
            _insertPending = Prepare("INSERT INTO pending_evidence (alert_id, evidence, location, import_id) VALUES ($id, $evidence, $location, $import_id)");
            _anyPending = Convert.ToInt64(_store.Scalar("SELECT EXISTS (SELECT 1 FROM pending_evidence)", _tx)) != 0;
        }

        Statement Prepare(string sql) => new Statement(_store, sql);

        /// <summary>Stores one alert (Id already set). Returns whether it was new, changed or the same as stored.</summary>
        /// <param name="packedOriginal">The original record, compressed by Pack; null when there is none.</param>
        /// <param name="contentHash">ContentHash of the alert as given, when the caller worked it out already.</param>
        /// <param name="columns">AlertColumns.Of the alert as given, when the caller worked them out already.</param>
        public AlertWriteResult Write(Alert alert, byte[]? packedOriginal, string? contentHash, string importId, AlertColumns? columns = null)
        {
            var stored = Load(alert.Id);
            var pending = LoadPending(alert.Id);
            if (pending.Count > 0) alert.Evidence = Normalisation.EvidenceFactory.Deduplicate(alert.Evidence.Concat(pending));
            if (stored != null || pending.Count > 0 || contentHash == null)
            {
                if (stored != null) alert = Merge(stored, alert);
                _limits.CapEvidence(alert); // merged evidence of several records may pass the cap each record kept to
                contentHash = ContentHash(alert);
                columns = null; // worked out for the alert as given, not as merged
            }
            string hash = contentHash;
            if (stored != null && hash == stored.Hash && pending.Count == 0) return AlertWriteResult.Unchanged;

            columns ??= AlertColumns.Of(alert);
            var cmd = stored == null ? _insertAlert : _updateAlert;
            cmd.Set("$id", alert.Id);
            if (stored == null)
            {
                cmd.Set("$provider_alert_id", alert.ProviderAlertId);
                cmd.Set("$source", alert.Source);
                cmd.Set("$tenant_id", alert.TenantId);
            }
            cmd.Set("$title", alert.Title);
            cmd.Set("$description", alert.Description);
            cmd.Set("$severity", (int)alert.Severity);
            cmd.Set("$status", (int)alert.Status);
            cmd.Set("$category", alert.Category);
            cmd.Set("$mitre", columns.Mitre);
            cmd.Set("$service_source", alert.ServiceSource);
            cmd.Set("$detection_source", alert.DetectionSource);
            cmd.Set("$detector_id", alert.DetectorId);
            cmd.Set("$created", IncidentStore.Ticks(alert.CreatedDateTime));
            cmd.Set("$first", IncidentStore.Ticks(alert.FirstActivityDateTime));
            cmd.Set("$last", IncidentStore.Ticks(alert.LastActivityDateTime));
            cmd.Set("$context", columns.Context);
            cmd.Set("$hash", hash);
            cmd.Set("$import_id", importId);
            cmd.Set("$truncated", columns.Truncated);
            cmd.Run();
            long seq = stored?.Seq ?? _insertAlert.LastInsertRowId;
            if (packedOriginal != null) _setOriginal.Set("$seq", seq).Set("$original", packedOriginal).Run(); // the latest copy's record

            if (stored != null)
            {
                _linkTimes.Set("$alert", seq);
                _linkTimes.Set("$first", IncidentStore.Ticks(alert.FirstActivityDateTime));
                _linkTimes.Set("$last", IncidentStore.Ticks(alert.LastActivityDateTime));
                _linkTimes.Run();
            }
            WriteEvidence(alert, columns, seq, stored == null);
            if (pending.Count > 0) { _deletePending.Set("$id", alert.Id); _deletePending.Run(); }
            return stored == null ? AlertWriteResult.Created : AlertWriteResult.Updated;
        }

        /// <summary>Evidence for an alert that may not be stored yet: merged into it, else kept pending until it arrives.</summary>
        public AlertWriteResult? WriteEvidenceOnly(string alertId, List<Evidence> evidence, IEnumerable<Truncation> truncated, string location, string importId)
        {
            var stored = Load(alertId);
            if (stored == null)
            {
                foreach (var ev in evidence)
                {
                    _insertPending.Set("$id", alertId);
                    _insertPending.Set("$evidence", JsonConvert.SerializeObject(ev));
                    _insertPending.Set("$location", location);
                    _insertPending.Set("$import_id", importId);
                    _insertPending.Run();
                }
                _anyPending = true;
                return null;
            }
            var alert = stored.Alert;
            alert.Id = alertId;
            alert.Evidence = Normalisation.EvidenceFactory.Deduplicate(stored.Alert.Evidence.Concat(evidence));
            alert.Truncated = Import.ImportLimits.Merge(alert.Truncated, truncated);
            return Write(alert, null, null, importId);
        }

        /// <param name="seq">The alert's number in the store (alerts.seq), which its links are keyed by.</param>
        void WriteEvidence(Alert alert, AlertColumns columns, long seq, bool newAlert)
        {
            if (newAlert) { InsertLinksOfNewAlert(alert, columns, seq); return; }
            long first = IncidentStore.Ticks(alert.FirstActivityDateTime), last = IncidentStore.Ticks(alert.LastActivityDateTime);
            for (int i = 0; i < alert.Evidence.Count; i++)
            {
                var ev = alert.Evidence[i];
                long entityId = EntityId(alert.TenantId, ev);
                if (SetLink(_insertLink, seq, entityId, ev, columns, i).Set("$first", first).Set("$last", last).Run() == 1)
                {
                    _newLinks.TryGetValue(entityId, out int n);
                    _newLinks[entityId] = n + 1;
                    continue;
                }
                // The alert was stored before with this entity: its link takes the new name, roles and properties.
                SetLink(_updateLink, seq, entityId, ev, columns, i).Run();
            }
        }

        /// <summary>Binds what a link holds of the alert's i-th evidence item, for the link's insert and its update alike.</summary>
        static Statement SetLink(Statement statement, long alertSeq, long entityId, Evidence ev, AlertColumns columns, int i)
            => statement.Set("$alert", alertSeq).Set("$entity", entityId).Set("$key", ev.Key).Set("$name", ev.Name)
                        .Set("$roles", columns.Roles[i]).Set("$verdict", ev.Verdict).Set("$props", columns.Properties[i]);

        /// <summary>A new alert's links, up to this many per INSERT: a new alert has no links yet, and one statement per alert costs far less than one per link.</summary>
        const int LinksPerStatement = 16;
        readonly Statement?[] _insertLinks = new Statement?[LinksPerStatement + 1];

        void InsertLinksOfNewAlert(Alert alert, AlertColumns columns, long seq)
        {
            long first = IncidentStore.Ticks(alert.FirstActivityDateTime), last = IncidentStore.Ticks(alert.LastActivityDateTime);
            // Resolve every entity first: a later evidence item may tie two entities and retire an id resolved
            // before it, and two items the data ties (a user by UPN and by SID) are one entity, linked once.
            int ties = _ties;
            var resolved = alert.Evidence.Select((ev, i) => (Evidence: ev, Index: i, Id: EntityId(alert.TenantId, ev))).ToList();
            if (_ties != ties) resolved = alert.Evidence.Select((ev, i) => (Evidence: ev, Index: i, Id: EntityId(alert.TenantId, ev))).ToList();
            var links = resolved.GroupBy(x => x.Id).Select(g => g.First()).ToList();
            for (int start = 0; start < links.Count; start += LinksPerStatement)
            {
                int count = Math.Min(LinksPerStatement, links.Count - start);
                var cmd = _insertLinks[count] ??= PrepareLinkInsert(count);
                cmd.Set("$alert", seq).Set("$first", first).Set("$last", last);
                for (int i = 0; i < count; i++)
                {
                    var (ev, index, entityId) = links[start + i];
                    var names = LinkParameterNames[i];
                    cmd.Set(names[0], entityId).Set(names[1], ev.Key).Set(names[2], ev.Name).Set(names[3], columns.Roles[index])
                       .Set(names[4], ev.Verdict).Set(names[5], columns.Properties[index]);
                    _newLinks.TryGetValue(entityId, out int n);
                    _newLinks[entityId] = n + 1;
                }
                cmd.Run();
            }
        }

        /// <summary>The parameter names of the i-th link of a multi-row link insert: entity, key, name, roles, verdict, properties.</summary>
        static readonly string[][] LinkParameterNames = Enumerable.Range(0, LinksPerStatement)
            .Select(i => new[] { "$e", "$k", "$n", "$r", "$v", "$p" }.Select(n => n + i).ToArray()).ToArray();

        Statement PrepareLinkInsert(int count)
        {
            var sql = new StringBuilder("INSERT INTO alert_entities (alert_seq, entity_id, key, name, roles, verdict, properties, first_activity, last_activity) VALUES ");
            for (int i = 0; i < count; i++) sql.Append(i == 0 ? "" : ", ").Append($"($alert, $e{i}, $k{i}, $n{i}, $r{i}, $v{i}, $p{i}, $first, $last)");
            return Prepare(sql.ToString());
        }

        /// <summary>Entity counts per UPDATE in Flush: hundreds at a time instead of one statement each, in a few fixed sizes so each is prepared once.</summary>
        static readonly int[] CountsPerStatement = { 256, 32, 4, 1 };
        readonly Dictionary<int, Statement> _addCounts = new Dictionary<int, Statement>();

        /// <summary>Writes what this batch held in memory (entities' alert counts). Call before committing.</summary>
        public void Flush()
        {
            var pending = _newLinks.ToList();
            int at = 0;
            foreach (int size in CountsPerStatement)
            {
                for (; pending.Count - at >= size; at += size)
                {
                    if (!_addCounts.TryGetValue(size, out var cmd)) _addCounts[size] = cmd = PrepareAddCounts(size);
                    for (int i = 0; i < size; i++)
                    {
                        cmd.Set("$i" + i, pending[at + i].Key).Set("$n" + i, pending[at + i].Value);
                    }
                    cmd.Run();
                }
            }
            _newLinks.Clear();
        }

        Statement PrepareAddCounts(int size)
        {
            var values = string.Join(", ", Enumerable.Range(0, size).Select(i => $"($i{i}, $n{i})"));
            return Prepare($"UPDATE entities SET alert_count = alert_count + v.n FROM (SELECT column1 AS id, column2 AS n FROM (VALUES {values})) AS v WHERE entities.id = v.id");
        }

        /// <summary>
        /// The entity an evidence item is, found by any of its identifiers; stored when new. When its identifiers
        /// belong to entities stored apart so far (one alert saw a user by UPN, another by SID, and this one gives
        /// both), the data has tied them and they become one entity: the oldest, which takes the others' aliases and
        /// alerts. A name other than the entity's stored one is kept in entity_names, so lookups by name find it.
        /// </summary>
        long EntityId(string tenant, Evidence ev)
        {
            var identifiers = ev.Aliases.Length == 0 ? new[] { ev.Key } : new[] { ev.Key }.Concat(ev.Aliases).Distinct(StringComparer.Ordinal).ToArray();
            var cacheKey = (tenant, (int)ev.Type, string.Join("\n", identifiers));
            if (!_entities.TryGetValue(cacheKey, out var entity))
            {
                var found = new SortedDictionary<long, string>(); // entity id → its stored name
                var unknown = new List<string>(); // identifiers no entity has yet
                _selectAlias.Set("$tenant", tenant);
                _selectAlias.Set("$type", (int)ev.Type);
                foreach (var alias in identifiers)
                {
                    _selectAlias.Set("$alias", alias);
                    bool known = false;
                    foreach (var row in _selectAlias.Rows())
                    {
                        found[row.Int64(0)] = row.Text(1);
                        known = true;
                        break;
                    }
                    if (!known) unknown.Add(alias);
                }
                if (found.Count == 0)
                {
                    _insertEntity.Set("$tenant", tenant);
                    _insertEntity.Set("$type", (int)ev.Type);
                    _insertEntity.Set("$key", ev.Key);
                    _insertEntity.Set("$name", ev.Name);
                    _insertEntity.Run();
                    entity = (_insertEntity.LastInsertRowId, ev.Name);
                }
                else
                {
                    entity = (found.Keys.First(), found.Values.First()); // the oldest survives a tie
                    if (found.Count > 1)
                    {
                        Flush(); // the tie recounts the survivor's alerts from its links: no count may be pending
                        EntityTies.Tie(_store, _tx, entity.Id, found.Keys.Skip(1));
                        _entities.Clear(); // cached ids of the entities just tied are gone
                        _ties++;
                    }
                }
                _insertAlias.Set("$tenant", tenant);
                _insertAlias.Set("$type", (int)ev.Type);
                _insertAlias.Set("$entity", entity.Id);
                foreach (var alias in unknown) // the known ones belong to the entity already (a tie moved them to it)
                {
                    _insertAlias.Set("$alias", alias);
                    _insertAlias.Run();
                }
                if (_entities.Count > MaxCachedEntities) _entities.Clear(); // bounded memory on huge imports
                _entities[cacheKey] = entity;
            }
            if (!string.Equals(ev.Name, entity.Name, StringComparison.Ordinal))
            {
                _insertName.Set("$id", entity.Id);
                _insertName.Set("$name", ev.Name);
                _insertName.Run();
            }
            return entity.Id;
        }

        sealed class StoredAlert
        {
            public Alert Alert = new Alert();
            public string Hash = "";
            public long Seq;
        }

        StoredAlert? Load(string id)
        {
            StoredAlert? result = null;
            foreach (var r in _selectAlert.Set("$id", id).Rows())
            {
                var a = new Alert
                {
                    Id = id,
                    Title = r.Text(0),
                    Description = r.TextOrNull(1),
                    Severity = (Severity)r.Int32(2),
                    Status = (AlertStatus)r.Int32(3),
                    Category = r.TextOrNull(4),
                    MitreTechniques = JsonConvert.DeserializeObject<string[]>(r.Text(5)) ?? Array.Empty<string>(),
                    ServiceSource = r.TextOrNull(6),
                    DetectionSource = r.TextOrNull(7),
                    DetectorId = r.TextOrNull(8),
                    CreatedDateTime = IncidentStore.Time(r.Int64(9)),
                    FirstActivityDateTime = IncidentStore.Time(r.Int64(10)),
                    LastActivityDateTime = IncidentStore.Time(r.Int64(11)),
                    ProviderContext = IncidentReader.Properties(r.Text(12)),
                    ProviderAlertId = r.Text(15),
                    Source = r.Text(16),
                    Truncated = JsonConvert.DeserializeObject<Truncation[]>(r.Text(17)) ?? Array.Empty<Truncation>(),
                };
                result = new StoredAlert { Alert = a, Hash = r.Text(13), Seq = r.Int64(18) };
                break;
            }
            if (result != null) result.Alert.Evidence = LoadEvidence(id);
            return result;
        }

        List<Evidence> LoadEvidence(string alertId)
        {
            _selectEvidence.Parameters.Clear();
            _selectEvidence.Parameters.AddWithValue("$id", alertId);
            using var r = _selectEvidence.ExecuteReader();
            return IncidentReader.ReadEvidence(r);
        }

        List<Evidence> LoadPending(string alertId)
        {
            var list = new List<Evidence>();
            if (!_anyPending) return list;
            foreach (var r in _selectPending.Set("$id", alertId).Rows())
            {
                var ev = JsonConvert.DeserializeObject<Evidence>(r.Text(0));
                if (ev != null) list.Add(ev);
            }
            return list;
        }

        /// <summary>The stored alert updated by a new copy: new values win unless empty; evidence and context grow.</summary>
        static Alert Merge(StoredAlert stored, Alert incoming)
        {
            var old = stored.Alert;
            // A field the new copy fills replaces the old value, and with it any record of the old value's truncation.
            var replaced = new HashSet<string>(StringComparer.Ordinal);
            if (!string.IsNullOrEmpty(incoming.Title)) replaced.Add("Title");
            if (incoming.Description != null) replaced.Add("Description");
            var merged = new Alert
            {
                Id = incoming.Id,
                ProviderAlertId = old.ProviderAlertId,
                Source = old.Source,
                TenantId = incoming.TenantId,
                Title = string.IsNullOrEmpty(incoming.Title) ? old.Title : incoming.Title,
                Description = incoming.Description ?? old.Description,
                Severity = incoming.Severity == Severity.Unknown ? old.Severity : incoming.Severity,
                Status = incoming.Status == AlertStatus.Unknown ? old.Status : incoming.Status,
                Category = incoming.Category ?? old.Category,
                MitreTechniques = incoming.MitreTechniques.Count == 0 ? old.MitreTechniques : incoming.MitreTechniques,
                ServiceSource = incoming.ServiceSource ?? old.ServiceSource,
                DetectionSource = incoming.DetectionSource ?? old.DetectionSource,
                DetectorId = incoming.DetectorId ?? old.DetectorId,
                CreatedDateTime = incoming.CreatedDateTime == default ? old.CreatedDateTime : incoming.CreatedDateTime,
                // The activity window only widens: rows of one alert read apart (GUIDE) each carry their own time.
                FirstActivityDateTime = incoming.FirstActivityDateTime == default || old.FirstActivityDateTime < incoming.FirstActivityDateTime ? old.FirstActivityDateTime : incoming.FirstActivityDateTime,
                LastActivityDateTime = incoming.LastActivityDateTime == default || old.LastActivityDateTime > incoming.LastActivityDateTime ? old.LastActivityDateTime : incoming.LastActivityDateTime,
                ProviderContext = new Dictionary<string, string>(old.ProviderContext, StringComparer.OrdinalIgnoreCase),
                Evidence = Normalisation.EvidenceFactory.Deduplicate(old.Evidence.Select(Copy).Concat(incoming.Evidence.Select(Copy))),
            };
            foreach (var kv in incoming.ProviderContext) merged.ProviderContext[kv.Key] = kv.Value;
            merged.Truncated = Import.ImportLimits.Merge(old.Truncated.Where(t => !replaced.Contains(t.Field)), incoming.Truncated);
            return merged;
        }

        static Evidence Copy(Evidence e) => new Evidence
        {
            Type = e.Type, Key = e.Key, Name = e.Name, Aliases = e.Aliases, Roles = e.Roles, Verdict = e.Verdict,
            Properties = new Dictionary<string, string>(e.Properties, StringComparer.OrdinalIgnoreCase),
        };

        /// <summary>
        /// A hash of everything stored about the alert, in a canonical order: equal hash, nothing to update. The
        /// canonical text is written field by field (stores keep these hashes, so its exact form never changes).
        /// </summary>
        internal static string ContentHash(Alert a)
        {
            var text = new StringWriter(new StringBuilder(1024), System.Globalization.CultureInfo.InvariantCulture);
            using (var w = new JsonTextWriter(text))
            {
                w.WriteStartObject();
                w.WritePropertyName("Title"); w.WriteValue(a.Title);
                w.WritePropertyName("Description"); w.WriteValue(a.Description);
                w.WritePropertyName("Truncated"); WriteStrings(w, a.Truncated.Select(t => t.ToString()));
                w.WritePropertyName("Severity"); w.WriteValue((int)a.Severity);
                w.WritePropertyName("Status"); w.WriteValue((int)a.Status);
                w.WritePropertyName("Category"); w.WriteValue(a.Category);
                w.WritePropertyName("MitreTechniques"); WriteStrings(w, a.MitreTechniques);
                w.WritePropertyName("ServiceSource"); w.WriteValue(a.ServiceSource);
                w.WritePropertyName("DetectionSource"); w.WriteValue(a.DetectionSource);
                w.WritePropertyName("DetectorId"); w.WriteValue(a.DetectorId);
                w.WritePropertyName("Created"); w.WriteValue(a.CreatedDateTime.UtcTicks);
                w.WritePropertyName("First"); w.WriteValue(a.FirstActivityDateTime.UtcTicks);
                w.WritePropertyName("Last"); w.WriteValue(a.LastActivityDateTime.UtcTicks);
                w.WritePropertyName("Context"); WriteSorted(w, a.ProviderContext);
                w.WritePropertyName("Evidence");
                w.WriteStartArray();
                foreach (var e in a.Evidence.OrderBy(e => (int)e.Type).ThenBy(e => e.Key, StringComparer.Ordinal))
                {
                    w.WriteStartObject();
                    w.WritePropertyName("Type"); w.WriteValue((int)e.Type);
                    w.WritePropertyName("Key"); w.WriteValue(e.Key);
                    w.WritePropertyName("Name"); w.WriteValue(e.Name);
                    w.WritePropertyName("Roles"); WriteStrings(w, e.Roles.OrderBy(x => x, StringComparer.Ordinal));
                    w.WritePropertyName("Verdict"); w.WriteValue(e.Verdict);
                    w.WritePropertyName("Props"); WriteSorted(w, e.Properties);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        }

        static void WriteStrings(JsonTextWriter w, IEnumerable<string> values)
        {
            w.WriteStartArray();
            foreach (var v in values) w.WriteValue(v);
            w.WriteEndArray();
        }

        static void WriteSorted(JsonTextWriter w, IDictionary<string, string> map)
        {
            w.WriteStartObject();
            foreach (var kv in map.Count < 2 ? map : new SortedDictionary<string, string>(map, StringComparer.OrdinalIgnoreCase))
            {
                w.WritePropertyName(kv.Key);
                w.WriteValue(kv.Value);
            }
            w.WriteEndObject();
        }

        /// <summary>
        /// The original record, compressed: kept whole for retrieval at a fraction of its size. Brotli at its
        /// fastest quality in one call; a 64 KB window is plenty for one record and is quick to set up per record.
        /// </summary>
        internal static byte[] Pack(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var packed = new byte[BrotliEncoder.GetMaxCompressedLength(bytes.Length)];
            if (!BrotliEncoder.TryCompress(bytes, packed, out int length, quality: 1, window: 16))
                throw new InvalidOperationException("Brotli could not compress an original record."); // cannot happen: the buffer has the maximum size
            return packed.AsSpan(0, length).ToArray();
        }

        internal static string Unpack(byte[] packed)
        {
            using var z = new BrotliStream(new MemoryStream(packed), CompressionMode.Decompress);
            using var r = new StreamReader(z, Encoding.UTF8);
            return r.ReadToEnd();
        }

        public void Dispose()
        {
            foreach (var statement in new[] { _selectAlert, _insertAlert, _updateAlert, _insertEntity, _selectAlias, _insertAlias, _insertName, _insertLink, _updateLink, _linkTimes, _selectPending, _deletePending, _insertPending, _setOriginal }.Concat(_insertLinks).Concat(_addCounts.Values))
                statement?.Dispose();
            _selectEvidence.Dispose();
        }
    }
}
