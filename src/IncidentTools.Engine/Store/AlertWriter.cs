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
    /// Stores alerts and their entities inside the caller's write transaction, with prepared statements and an
    /// in-memory cache of entity ids; entities' alert counts are added up in memory and written once per batch
    /// (Flush, before the caller commits). Re-importing an alert merges it with what is stored: fields take the new
    /// value unless it is empty, evidence and provider context grow and are never replaced by nothing.
    /// </summary>
    internal sealed class AlertWriter : IDisposable
    {
        readonly IncidentStore _store;
        readonly SqliteTransaction _tx;
        /// <summary>Entity id and stored name by (tenant, type, key).</summary>
        readonly Dictionary<(string, int, string), (long Id, string Name)> _entities = new Dictionary<(string, int, string), (long, string)>();
        /// <summary>Alerts newly linked to each entity in this batch, not yet added to entities.alert_count.</summary>
        readonly Dictionary<long, int> _newLinks = new Dictionary<long, int>();
        readonly SqliteCommand _selectAlert, _insertAlert, _updateAlert, _upsertEntity, _insertName, _insertLink, _updateLink,
                               _linkTimes, _selectEvidence, _selectPending, _deletePending, _insertPending;

        public AlertWriter(IncidentStore store, SqliteTransaction tx)
        {
            _store = store; _tx = tx;
            _selectAlert = Prepare("SELECT title, description, severity, status, category, mitre_techniques, service_source, detection_source, detector_id, created, first_activity, last_activity, provider_context, content_hash, incident_id, provider_alert_id, source FROM alerts WHERE id = $id");
            _insertAlert = Prepare(@"INSERT INTO alerts (id, provider_alert_id, source, tenant_id, incident_id, needs_correlation, title, description, severity, status, category, mitre_techniques, service_source, detection_source, detector_id, created, first_activity, last_activity, provider_context, content_hash, import_id, original)
                VALUES ($id, $provider_alert_id, $source, $tenant_id, NULL, 1, $title, $description, $severity, $status, $category, $mitre, $service_source, $detection_source, $detector_id, $created, $first, $last, $context, $hash, $import_id, $original)");
            _updateAlert = Prepare(@"UPDATE alerts SET title = $title, description = $description, severity = $severity, status = $status, category = $category, mitre_techniques = $mitre,
                service_source = $service_source, detection_source = $detection_source, detector_id = $detector_id, created = $created, first_activity = $first, last_activity = $last,
                provider_context = $context, content_hash = $hash, import_id = $import_id, original = coalesce($original, original), needs_correlation = 1 WHERE id = $id");
            _upsertEntity = Prepare("INSERT INTO entities (tenant_id, type, key, name) VALUES ($tenant, $type, $key, $name) ON CONFLICT (tenant_id, type, key) DO UPDATE SET type = excluded.type RETURNING id, name");
            _insertName = Prepare("INSERT OR IGNORE INTO entity_names (entity_id, name) VALUES ($id, $name)");
            _insertLink = Prepare("INSERT OR IGNORE INTO alert_entities (alert_id, entity_id, name, roles, verdict, properties, first_activity, last_activity) VALUES ($alert, $entity, $name, $roles, $verdict, $props, $first, $last)");
            _updateLink = Prepare("UPDATE alert_entities SET name = $name, roles = $roles, verdict = coalesce($verdict, verdict), properties = $props WHERE alert_id = $alert AND entity_id = $entity");
            _linkTimes = Prepare("UPDATE alert_entities SET first_activity = $first, last_activity = $last WHERE alert_id = $alert");
            _selectEvidence = Prepare("SELECT e.type, e.key, ae.name, ae.roles, ae.verdict, ae.properties FROM alert_entities ae JOIN entities e ON e.id = ae.entity_id WHERE ae.alert_id = $id");
            _selectPending = Prepare("SELECT evidence FROM pending_evidence WHERE alert_id = $id");
            _deletePending = Prepare("DELETE FROM pending_evidence WHERE alert_id = $id");
            _insertPending = Prepare("INSERT INTO pending_evidence (alert_id, evidence, location, import_id) VALUES ($id, $evidence, $location, $import_id)");
        }

        SqliteCommand Prepare(string sql)
        {
            var cmd = _store.Connection.CreateCommand();
            cmd.Transaction = _tx;
            cmd.CommandText = sql;
            return cmd;
        }

        static void Set(SqliteCommand cmd, string name, object? value)
        {
            var p = cmd.Parameters.Contains(name) ? cmd.Parameters[name] : cmd.Parameters.Add(new SqliteParameter(name, null));
            p.Value = value ?? DBNull.Value;
        }

        /// <summary>Stores one alert (Id already set). Returns whether it was new, changed or the same as stored.</summary>
        public AlertWriteResult Write(Alert alert, string? original, string importId)
        {
            var stored = Load(alert.Id);
            var pending = LoadPending(alert.Id);
            if (pending.Count > 0) alert.Evidence = Normalisation.EvidenceFactory.Deduplicate(alert.Evidence.Concat(pending));
            if (stored != null) alert = Merge(stored, alert);
            string hash = ContentHash(alert);
            if (stored != null && hash == stored.Hash && pending.Count == 0) return AlertWriteResult.Unchanged;

            var cmd = stored == null ? _insertAlert : _updateAlert;
            Set(cmd, "$id", alert.Id);
            if (stored == null)
            {
                Set(cmd, "$provider_alert_id", alert.ProviderAlertId);
                Set(cmd, "$source", alert.Source);
                Set(cmd, "$tenant_id", alert.TenantId);
            }
            Set(cmd, "$title", alert.Title);
            Set(cmd, "$description", alert.Description);
            Set(cmd, "$severity", (int)alert.Severity);
            Set(cmd, "$status", (int)alert.Status);
            Set(cmd, "$category", alert.Category);
            Set(cmd, "$mitre", StoredJson.Strings(alert.MitreTechniques));
            Set(cmd, "$service_source", alert.ServiceSource);
            Set(cmd, "$detection_source", alert.DetectionSource);
            Set(cmd, "$detector_id", alert.DetectorId);
            Set(cmd, "$created", IncidentStore.Ticks(alert.CreatedDateTime));
            Set(cmd, "$first", IncidentStore.Ticks(alert.FirstActivityDateTime));
            Set(cmd, "$last", IncidentStore.Ticks(alert.LastActivityDateTime));
            Set(cmd, "$context", StoredJson.Properties(new SortedDictionary<string, string>(alert.ProviderContext, StringComparer.OrdinalIgnoreCase)));
            Set(cmd, "$hash", hash);
            Set(cmd, "$import_id", importId);
            Set(cmd, "$original", original == null ? null : Pack(original));
            cmd.ExecuteNonQuery();

            if (stored != null)
            {
                Set(_linkTimes, "$alert", alert.Id);
                Set(_linkTimes, "$first", IncidentStore.Ticks(alert.FirstActivityDateTime));
                Set(_linkTimes, "$last", IncidentStore.Ticks(alert.LastActivityDateTime));
                _linkTimes.ExecuteNonQuery();
            }
            WriteEvidence(alert, stored == null);
            if (pending.Count > 0) { Set(_deletePending, "$id", alert.Id); _deletePending.ExecuteNonQuery(); }
            return stored == null ? AlertWriteResult.Created : AlertWriteResult.Updated;
        }

        /// <summary>Evidence for an alert that may not be stored yet: merged into it, else kept pending until it arrives.</summary>
        public AlertWriteResult? WriteEvidenceOnly(string alertId, List<Evidence> evidence, string location, string importId)
        {
            var stored = Load(alertId);
            if (stored == null)
            {
                foreach (var ev in evidence)
                {
                    Set(_insertPending, "$id", alertId);
                    Set(_insertPending, "$evidence", JsonConvert.SerializeObject(ev));
                    Set(_insertPending, "$location", location);
                    Set(_insertPending, "$import_id", importId);
                    _insertPending.ExecuteNonQuery();
                }
                return null;
            }
            var alert = stored.Alert;
            alert.Id = alertId;
            alert.Evidence = Normalisation.EvidenceFactory.Deduplicate(stored.Alert.Evidence.Concat(evidence));
            return Write(alert, null, importId);
        }

        void WriteEvidence(Alert alert, bool newAlert)
        {
            if (newAlert) { InsertLinksOfNewAlert(alert); return; }
            long first = IncidentStore.Ticks(alert.FirstActivityDateTime), last = IncidentStore.Ticks(alert.LastActivityDateTime);
            foreach (var ev in alert.Evidence)
            {
                long entityId = EntityId(alert.TenantId, ev);
                string roles = StoredJson.Strings(ev.Roles), properties = StoredJson.Properties(ev.Properties);
                Set(_insertLink, "$alert", alert.Id);
                Set(_insertLink, "$entity", entityId);
                Set(_insertLink, "$name", ev.Name);
                Set(_insertLink, "$roles", roles);
                Set(_insertLink, "$verdict", ev.Verdict);
                Set(_insertLink, "$props", properties);
                Set(_insertLink, "$first", first);
                Set(_insertLink, "$last", last);
                if (_insertLink.ExecuteNonQuery() == 1)
                {
                    _newLinks.TryGetValue(entityId, out int n);
                    _newLinks[entityId] = n + 1;
                    continue;
                }
                // The alert was stored before with this entity: its link takes the new name, roles and properties.
                Set(_updateLink, "$alert", alert.Id);
                Set(_updateLink, "$entity", entityId);
                Set(_updateLink, "$name", ev.Name);
                Set(_updateLink, "$roles", roles);
                Set(_updateLink, "$verdict", ev.Verdict);
                Set(_updateLink, "$props", properties);
                _updateLink.ExecuteNonQuery();
            }
        }

        /// <summary>A new alert's links, up to this many per INSERT: a new alert has no links yet, and one statement per alert costs far less than one per link.</summary>
        const int LinksPerStatement = 16;
        readonly SqliteCommand?[] _insertLinks = new SqliteCommand?[LinksPerStatement + 1];

        void InsertLinksOfNewAlert(Alert alert)
        {
            long first = IncidentStore.Ticks(alert.FirstActivityDateTime), last = IncidentStore.Ticks(alert.LastActivityDateTime);
            for (int start = 0; start < alert.Evidence.Count; start += LinksPerStatement)
            {
                int count = Math.Min(LinksPerStatement, alert.Evidence.Count - start);
                var cmd = _insertLinks[count] ??= PrepareLinkInsert(count);
                var p = cmd.Parameters;
                p[0].Value = alert.Id; p[1].Value = first; p[2].Value = last;
                for (int i = 0; i < count; i++)
                {
                    var ev = alert.Evidence[start + i];
                    long entityId = EntityId(alert.TenantId, ev);
                    int at = 3 + 5 * i;
                    p[at].Value = entityId;
                    p[at + 1].Value = ev.Name;
                    p[at + 2].Value = StoredJson.Strings(ev.Roles);
                    p[at + 3].Value = (object?)ev.Verdict ?? DBNull.Value;
                    p[at + 4].Value = StoredJson.Properties(ev.Properties);
                    _newLinks.TryGetValue(entityId, out int n);
                    _newLinks[entityId] = n + 1;
                }
                cmd.ExecuteNonQuery();
            }
        }

        SqliteCommand PrepareLinkInsert(int count)
        {
            var sql = new StringBuilder("INSERT INTO alert_entities (alert_id, entity_id, name, roles, verdict, properties, first_activity, last_activity) VALUES ");
            for (int i = 0; i < count; i++) sql.Append(i == 0 ? "" : ", ").Append($"($alert, $e{i}, $n{i}, $r{i}, $v{i}, $p{i}, $first, $last)");
            var cmd = Prepare(sql.ToString());
            foreach (var name in new[] { "$alert", "$first", "$last" }) cmd.Parameters.Add(new SqliteParameter(name, null));
            for (int i = 0; i < count; i++)
                foreach (var name in new[] { "$e", "$n", "$r", "$v", "$p" }) cmd.Parameters.Add(new SqliteParameter(name + i, null));
            return cmd;
        }

        /// <summary>Entity counts per UPDATE in Flush: hundreds at a time instead of one statement each, in a few fixed sizes so each is prepared once.</summary>
        static readonly int[] CountsPerStatement = { 256, 32, 4, 1 };
        readonly Dictionary<int, SqliteCommand> _addCounts = new Dictionary<int, SqliteCommand>();

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
                        cmd.Parameters[2 * i].Value = pending[at + i].Key;
                        cmd.Parameters[2 * i + 1].Value = pending[at + i].Value;
                    }
                    cmd.ExecuteNonQuery();
                }
            }
            _newLinks.Clear();
        }

        SqliteCommand PrepareAddCounts(int size)
        {
            var values = string.Join(", ", Enumerable.Range(0, size).Select(i => $"($i{i}, $n{i})"));
            var cmd = Prepare($"UPDATE entities SET alert_count = alert_count + v.n FROM (SELECT column1 AS id, column2 AS n FROM (VALUES {values})) AS v WHERE entities.id = v.id");
            for (int i = 0; i < size; i++)
            {
                cmd.Parameters.Add(new SqliteParameter("$i" + i, null));
                cmd.Parameters.Add(new SqliteParameter("$n" + i, null));
            }
            return cmd;
        }

        /// <summary>The entity's id, stored when new; a name other than its stored one is kept in entity_names, so lookups by name find it.</summary>
        long EntityId(string tenant, Evidence ev)
        {
            var cacheKey = (tenant, (int)ev.Type, ev.Key);
            if (!_entities.TryGetValue(cacheKey, out var entity))
            {
                Set(_upsertEntity, "$tenant", tenant);
                Set(_upsertEntity, "$type", (int)ev.Type);
                Set(_upsertEntity, "$key", ev.Key);
                Set(_upsertEntity, "$name", ev.Name);
                using (var r = _upsertEntity.ExecuteReader())
                {
                    r.Read();
                    entity = (r.GetInt64(0), r.GetString(1));
                }
                if (_entities.Count > 200_000) _entities.Clear(); // bounded memory on huge imports
                _entities[cacheKey] = entity;
            }
            if (!string.Equals(ev.Name, entity.Name, StringComparison.Ordinal))
            {
                Set(_insertName, "$id", entity.Id);
                Set(_insertName, "$name", ev.Name);
                _insertName.ExecuteNonQuery();
            }
            return entity.Id;
        }

        sealed class StoredAlert
        {
            public Alert Alert = new Alert();
            public string Hash = "";
        }

        StoredAlert? Load(string id)
        {
            Set(_selectAlert, "$id", id);
            using var r = _selectAlert.ExecuteReader();
            if (!r.Read()) return null;
            var a = new Alert
            {
                Id = id,
                Title = r.GetString(0),
                Description = r.IsDBNull(1) ? null : r.GetString(1),
                Severity = (Severity)r.GetInt32(2),
                Status = (AlertStatus)r.GetInt32(3),
                Category = r.IsDBNull(4) ? null : r.GetString(4),
                MitreTechniques = JsonConvert.DeserializeObject<string[]>(r.GetString(5)) ?? Array.Empty<string>(),
                ServiceSource = r.IsDBNull(6) ? null : r.GetString(6),
                DetectionSource = r.IsDBNull(7) ? null : r.GetString(7),
                DetectorId = r.IsDBNull(8) ? null : r.GetString(8),
                CreatedDateTime = IncidentStore.Time(r.GetInt64(9)),
                FirstActivityDateTime = IncidentStore.Time(r.GetInt64(10)),
                LastActivityDateTime = IncidentStore.Time(r.GetInt64(11)),
                ProviderContext = IncidentReader.Properties(r.GetString(12)),
                ProviderAlertId = r.GetString(15),
                Source = r.GetString(16),
            };
            var result = new StoredAlert { Alert = a, Hash = r.GetString(13) };
            r.Close();
            a.Evidence = LoadEvidence(id);
            return result;
        }

        List<Evidence> LoadEvidence(string alertId)
        {
            var list = new List<Evidence>();
            Set(_selectEvidence, "$id", alertId);
            using var r = _selectEvidence.ExecuteReader();
            while (r.Read())
                list.Add(new Evidence
                {
                    Type = (EntityType)r.GetInt32(0),
                    Key = r.GetString(1),
                    Name = r.GetString(2),
                    Roles = JsonConvert.DeserializeObject<string[]>(r.GetString(3)) ?? Array.Empty<string>(),
                    Verdict = r.IsDBNull(4) ? null : r.GetString(4),
                    Properties = IncidentReader.Properties(r.GetString(5)),
                });
            return list;
        }

        List<Evidence> LoadPending(string alertId)
        {
            var list = new List<Evidence>();
            Set(_selectPending, "$id", alertId);
            using var r = _selectPending.ExecuteReader();
            while (r.Read())
            {
                var ev = JsonConvert.DeserializeObject<Evidence>(r.GetString(0));
                if (ev != null) list.Add(ev);
            }
            return list;
        }

        /// <summary>The stored alert updated by a new copy: new values win unless empty; evidence and context grow.</summary>
        static Alert Merge(StoredAlert stored, Alert incoming)
        {
            var old = stored.Alert;
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
                MitreTechniques = incoming.MitreTechniques.Length == 0 ? old.MitreTechniques : incoming.MitreTechniques,
                ServiceSource = incoming.ServiceSource ?? old.ServiceSource,
                DetectionSource = incoming.DetectionSource ?? old.DetectionSource,
                DetectorId = incoming.DetectorId ?? old.DetectorId,
                CreatedDateTime = incoming.CreatedDateTime == default ? old.CreatedDateTime : incoming.CreatedDateTime,
                FirstActivityDateTime = incoming.FirstActivityDateTime == default ? old.FirstActivityDateTime : incoming.FirstActivityDateTime,
                LastActivityDateTime = incoming.LastActivityDateTime == default ? old.LastActivityDateTime : incoming.LastActivityDateTime,
                ProviderContext = new Dictionary<string, string>(old.ProviderContext, StringComparer.OrdinalIgnoreCase),
                Evidence = Normalisation.EvidenceFactory.Deduplicate(old.Evidence.Select(Copy).Concat(incoming.Evidence.Select(Copy))),
            };
            foreach (var kv in incoming.ProviderContext) merged.ProviderContext[kv.Key] = kv.Value;
            return merged;
        }

        static Evidence Copy(Evidence e) => new Evidence
        {
            Type = e.Type, Key = e.Key, Name = e.Name, Roles = e.Roles, Verdict = e.Verdict,
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
            foreach (var c in new[] { _selectAlert, _insertAlert, _updateAlert, _upsertEntity, _insertName, _insertLink, _updateLink, _linkTimes, _selectEvidence, _selectPending, _deletePending, _insertPending }.Concat(_insertLinks).Concat(_addCounts.Values))
                c?.Dispose();
        }
    }
}
