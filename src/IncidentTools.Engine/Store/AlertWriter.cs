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
    /// in-memory cache of entity ids. Re-importing an alert merges it with what is stored: fields take the new
    /// value unless it is empty, evidence and provider context grow and are never replaced by nothing.
    /// </summary>
    internal sealed class AlertWriter : IDisposable
    {
        readonly IncidentStore _store;
        readonly SqliteTransaction _tx;
        readonly Dictionary<(string, int, string), long> _entityIds = new Dictionary<(string, int, string), long>();
        readonly SqliteCommand _selectAlert, _insertAlert, _updateAlert, _insertEntity, _selectAlias, _insertAlias, _insertLink, _updateLink, _bumpEntity,
                               _linkTimes, _selectEvidence, _selectPending, _deletePending, _insertPending;

        readonly Import.ImportLimits _limits;

        public AlertWriter(IncidentStore store, SqliteTransaction tx, Import.ImportLimits limits)
        {
            _store = store; _tx = tx; _limits = limits;
            _selectAlert = Prepare("SELECT title, description, severity, status, category, mitre_techniques, service_source, detection_source, detector_id, created, first_activity, last_activity, provider_context, content_hash, incident_id, provider_alert_id, source, truncated FROM alerts WHERE id = $id");
            _insertAlert = Prepare(@"INSERT INTO alerts (id, provider_alert_id, source, tenant_id, incident_id, needs_correlation, title, description, severity, status, category, mitre_techniques, service_source, detection_source, detector_id, created, first_activity, last_activity, provider_context, content_hash, import_id, created_import_id, original, truncated)
                VALUES ($id, $provider_alert_id, $source, $tenant_id, NULL, 1, $title, $description, $severity, $status, $category, $mitre, $service_source, $detection_source, $detector_id, $created, $first, $last, $context, $hash, $import_id, $import_id, $original, $truncated)");
            _updateAlert = Prepare(@"UPDATE alerts SET title = $title, description = $description, severity = $severity, status = $status, category = $category, mitre_techniques = $mitre,
                service_source = $service_source, detection_source = $detection_source, detector_id = $detector_id, created = $created, first_activity = $first, last_activity = $last,
                provider_context = $context, content_hash = $hash, import_id = $import_id, original = coalesce($original, original), truncated = $truncated, needs_correlation = 1 WHERE id = $id");
            _insertEntity = Prepare("INSERT INTO entities (tenant_id, type, key, name) VALUES ($tenant, $type, $key, $name) RETURNING id");
            _selectAlias = Prepare("SELECT entity_id FROM entity_aliases WHERE tenant_id = $tenant AND type = $type AND alias = $alias");
            _insertAlias = Prepare("INSERT OR IGNORE INTO entity_aliases (tenant_id, type, alias, entity_id) VALUES ($tenant, $type, $alias, $entity)");
            _insertLink = Prepare("INSERT OR IGNORE INTO alert_entities (alert_id, entity_id, key, name, roles, verdict, properties, first_activity, last_activity) VALUES ($alert, $entity, $key, $name, $roles, $verdict, $props, $first, $last)");
            _updateLink = Prepare("UPDATE alert_entities SET key = $key, name = $name, roles = $roles, verdict = coalesce($verdict, verdict), properties = $props WHERE alert_id = $alert AND entity_id = $entity");
            _bumpEntity = Prepare("UPDATE entities SET alert_count = alert_count + 1 WHERE id = $id");
            _linkTimes = Prepare("UPDATE alert_entities SET first_activity = $first, last_activity = $last WHERE alert_id = $alert");
            _selectEvidence = Prepare(IncidentReader.EvidenceSql);
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
            _limits.CapEvidence(alert); // merged evidence of several records may pass the cap each record kept to
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
            Set(cmd, "$mitre", JsonConvert.SerializeObject(alert.MitreTechniques));
            Set(cmd, "$service_source", alert.ServiceSource);
            Set(cmd, "$detection_source", alert.DetectionSource);
            Set(cmd, "$detector_id", alert.DetectorId);
            Set(cmd, "$created", IncidentStore.Ticks(alert.CreatedDateTime));
            Set(cmd, "$first", IncidentStore.Ticks(alert.FirstActivityDateTime));
            Set(cmd, "$last", IncidentStore.Ticks(alert.LastActivityDateTime));
            Set(cmd, "$context", JsonConvert.SerializeObject(new SortedDictionary<string, string>(alert.ProviderContext, StringComparer.OrdinalIgnoreCase)));
            Set(cmd, "$hash", hash);
            Set(cmd, "$import_id", importId);
            Set(cmd, "$original", original == null ? null : Pack(original));
            Set(cmd, "$truncated", JsonConvert.SerializeObject(alert.Truncated));
            cmd.ExecuteNonQuery();

            if (stored != null)
            {
                Set(_linkTimes, "$alert", alert.Id);
                Set(_linkTimes, "$first", IncidentStore.Ticks(alert.FirstActivityDateTime));
                Set(_linkTimes, "$last", IncidentStore.Ticks(alert.LastActivityDateTime));
                _linkTimes.ExecuteNonQuery();
            }
            WriteEvidence(alert);
            if (pending.Count > 0) { Set(_deletePending, "$id", alert.Id); _deletePending.ExecuteNonQuery(); }
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
            alert.Truncated = Import.ImportLimits.Merge(alert.Truncated, truncated);
            return Write(alert, null, importId);
        }

        void WriteEvidence(Alert alert)
        {
            foreach (var ev in alert.Evidence)
            {
                long entityId = EntityId(alert.TenantId, ev);
                foreach (var cmd in new[] { _insertLink, _updateLink })
                {
                    Set(cmd, "$alert", alert.Id);
                    Set(cmd, "$entity", entityId);
                    Set(cmd, "$key", ev.Key);
                    Set(cmd, "$name", ev.Name);
                    Set(cmd, "$roles", JsonConvert.SerializeObject(ev.Roles));
                    Set(cmd, "$verdict", ev.Verdict);
                    Set(cmd, "$props", JsonConvert.SerializeObject(ev.Properties));
                }
                Set(_insertLink, "$first", IncidentStore.Ticks(alert.FirstActivityDateTime));
                Set(_insertLink, "$last", IncidentStore.Ticks(alert.LastActivityDateTime));
                if (_insertLink.ExecuteNonQuery() == 1)
                {
                    Set(_bumpEntity, "$id", entityId);
                    _bumpEntity.ExecuteNonQuery();
                }
                else _updateLink.ExecuteNonQuery();
            }
        }

        /// <summary>
        /// The entity an evidence item is, found by any of its identifiers. When its identifiers belong to entities
        /// stored apart so far (one alert saw a user by UPN, another by SID, and this one gives both), the data has
        /// tied them and they become one entity: the oldest, which takes the others' aliases and alerts.
        /// </summary>
        long EntityId(string tenant, Evidence ev)
        {
            var identifiers = ev.Aliases.Length == 0 ? new[] { ev.Key } : new[] { ev.Key }.Concat(ev.Aliases).Distinct(StringComparer.Ordinal).ToArray();
            var cacheKey = (tenant, (int)ev.Type, string.Join("\n", identifiers));
            if (_entityIds.TryGetValue(cacheKey, out var id)) return id;

            var found = new SortedSet<long>();
            Set(_selectAlias, "$tenant", tenant);
            Set(_selectAlias, "$type", (int)ev.Type);
            foreach (var alias in identifiers)
            {
                Set(_selectAlias, "$alias", alias);
                if (_selectAlias.ExecuteScalar() is long known) found.Add(known);
            }
            if (found.Count == 0)
            {
                Set(_insertEntity, "$tenant", tenant);
                Set(_insertEntity, "$type", (int)ev.Type);
                Set(_insertEntity, "$key", ev.Key);
                Set(_insertEntity, "$name", ev.Name);
                id = Convert.ToInt64(_insertEntity.ExecuteScalar());
            }
            else
            {
                id = found.Min;
                if (found.Count > 1)
                {
                    EntityTies.Tie(_store, _tx, id, found.Where(f => f != id));
                    _entityIds.Clear(); // cached ids of the entities just tied are gone
                }
            }
            Set(_insertAlias, "$tenant", tenant);
            Set(_insertAlias, "$type", (int)ev.Type);
            Set(_insertAlias, "$entity", id);
            foreach (var alias in identifiers)
            {
                Set(_insertAlias, "$alias", alias);
                _insertAlias.ExecuteNonQuery();
            }
            if (_entityIds.Count > 200_000) _entityIds.Clear(); // bounded memory on huge imports
            _entityIds[cacheKey] = id;
            return id;
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
                Truncated = JsonConvert.DeserializeObject<Truncation[]>(r.GetString(17)) ?? Array.Empty<Truncation>(),
            };
            var result = new StoredAlert { Alert = a, Hash = r.GetString(13) };
            r.Close();
            a.Evidence = LoadEvidence(id);
            return result;
        }

        List<Evidence> LoadEvidence(string alertId)
        {
            Set(_selectEvidence, "$id", alertId);
            using var r = _selectEvidence.ExecuteReader();
            return IncidentReader.ReadEvidence(r);
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

        /// <summary>A hash of everything stored about the alert, in a canonical order: equal hash, nothing to update.</summary>
        static string ContentHash(Alert a)
        {
            var canonical = new
            {
                a.Title, a.Description, Truncated = a.Truncated.Select(t => t.ToString()), a.Severity, a.Status, a.Category, a.MitreTechniques, a.ServiceSource, a.DetectionSource, a.DetectorId,
                Created = a.CreatedDateTime.UtcTicks, First = a.FirstActivityDateTime.UtcTicks, Last = a.LastActivityDateTime.UtcTicks,
                Context = new SortedDictionary<string, string>(a.ProviderContext, StringComparer.OrdinalIgnoreCase),
                Evidence = a.Evidence.OrderBy(e => (int)e.Type).ThenBy(e => e.Key, StringComparer.Ordinal)
                    .Select(e => new { e.Type, e.Key, e.Name, Roles = e.Roles.OrderBy(x => x, StringComparer.Ordinal), e.Verdict, Props = new SortedDictionary<string, string>(e.Properties, StringComparer.OrdinalIgnoreCase) }),
            };
            using var sha = SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(canonical))));
        }

        /// <summary>The original record, compressed: kept whole for retrieval at a fraction of its size.</summary>
        internal static byte[] Pack(string text)
        {
            using var ms = new MemoryStream();
            using (var z = new BrotliStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                z.Write(bytes, 0, bytes.Length);
            }
            return ms.ToArray();
        }

        internal static string Unpack(byte[] packed)
        {
            using var z = new BrotliStream(new MemoryStream(packed), CompressionMode.Decompress);
            using var r = new StreamReader(z, Encoding.UTF8);
            return r.ReadToEnd();
        }

        public void Dispose()
        {
            foreach (var c in new[] { _selectAlert, _insertAlert, _updateAlert, _insertEntity, _selectAlias, _insertAlias, _insertLink, _updateLink, _bumpEntity, _linkTimes, _selectEvidence, _selectPending, _deletePending, _insertPending })
                c.Dispose();
        }
    }
}
