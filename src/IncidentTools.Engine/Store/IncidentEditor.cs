using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Data.Sqlite;

namespace IncidentTools.Store
{
    /// <summary>A PATCH to an incident: only the properties that are set change.</summary>
    public sealed class IncidentChange
    {
        public string? DisplayName { get; set; }
        /// <summary>Empty string unassigns.</summary>
        public string? AssignedTo { get; set; }
        public IncidentStatus? Status { get; set; }
        public Severity? Severity { get; set; }
        /// <summary>Drops a person's severity so it follows the alerts again.</summary>
        public bool ClearSeverity { get; set; }
        public Classification? Classification { get; set; }
        public Determination? Determination { get; set; }
        public string[]? Tags { get; set; }
        public string[]? AddTags { get; set; }
        public string[]? RemoveTags { get; set; }
        public string? ResolvingComment { get; set; }
        public string? Comment { get; set; }
        /// <summary>The Version the caller last saw; a field changed by someone else since then is a conflict.</summary>
        public long? ExpectedVersion { get; set; }
        public string Actor { get; set; } = Environment.UserName;

        public bool IsEmpty => DisplayName == null && AssignedTo == null && Status == null && Severity == null && !ClearSeverity
            && Classification == null && Determination == null && Tags == null && AddTags == null && RemoveTags == null
            && ResolvingComment == null && Comment == null;
    }

    /// <summary>Someone else changed the same fields since the caller read the incident.</summary>
    public sealed class IncidentConflictException : Exception
    {
        public IncidentConflictException(long incidentId, IReadOnlyList<HistoryEntry> changes)
            : base($"Incident {incidentId} was changed since you read it: " + string.Join("; ",
                changes.Select(c => $"{c.Field} set to '{c.NewValue}' by {c.Actor} at {c.Time:u}")) + ". Get the incident again and retry.")
        {
            IncidentId = incidentId; Changes = changes;
        }
        public long IncidentId { get; }
        public IReadOnlyList<HistoryEntry> Changes { get; }
    }

    /// <summary>Applies people's changes to incidents, validating first and logging every field changed.</summary>
    public sealed class IncidentEditor
    {
        /// <summary>The Graph pairing of classification and determination.</summary>
        public static readonly IReadOnlyDictionary<Classification, Determination[]> Determinations = new Dictionary<Classification, Determination[]>
        {
            [IncidentTools.Classification.Unknown] = new[] { IncidentTools.Determination.Unknown },
            [IncidentTools.Classification.TruePositive] = new[] { IncidentTools.Determination.Unknown, IncidentTools.Determination.MultiStagedAttack, IncidentTools.Determination.MaliciousUserActivity,
                IncidentTools.Determination.CompromisedAccount, IncidentTools.Determination.Malware, IncidentTools.Determination.Phishing, IncidentTools.Determination.UnwantedSoftware, IncidentTools.Determination.Other },
            [IncidentTools.Classification.InformationalExpectedActivity] = new[] { IncidentTools.Determination.Unknown, IncidentTools.Determination.SecurityTesting,
                IncidentTools.Determination.LineOfBusinessApplication, IncidentTools.Determination.ConfirmedActivity, IncidentTools.Determination.Other },
            [IncidentTools.Classification.FalsePositive] = new[] { IncidentTools.Determination.Unknown, IncidentTools.Determination.NotMalicious,
                IncidentTools.Determination.NotEnoughDataToValidate, IncidentTools.Determination.Other },
        };

        public const int MaxCommentLength = 30000;
        /// <summary>As long as an imported title may be by default (Import-Alert -MaxTitleLength).</summary>
        public const int MaxDisplayNameLength = 1024;

        readonly IncidentStore _store;
        public IncidentEditor(IncidentStore store) { _store = store; }

        /// <summary>Throws ArgumentException when the change cannot apply to this incident; changes nothing then.</summary>
        public static void Validate(Incident current, IncidentChange change)
        {
            if (change.Status == IncidentStatus.Redirected)
                throw new ArgumentException("Status Redirected is set only by merging incidents (Merge-Incident). Use Active, InProgress or Resolved.");
            if (current.Status == IncidentStatus.Redirected && !change.IsEmpty && (change.Comment == null || change.Status != null || change.DisplayName != null))
                throw new ArgumentException($"Incident {current.Id} is Redirected into incident {current.RedirectIncidentId}: change that incident instead.");
            var classification = change.Classification ?? current.Classification;
            var determination = change.Determination ?? (change.Classification != null && !Determinations[classification].Contains(current.Determination) ? IncidentTools.Determination.Unknown : current.Determination);
            if (!Determinations[classification].Contains(determination))
                throw new ArgumentException($"Determination {determination} does not belong to classification {classification}. Allowed with {classification}: {string.Join(", ", Determinations[classification])}.");
            if (change.DisplayName != null && change.DisplayName.Trim().Length == 0)
                throw new ArgumentException("DisplayName cannot be empty.");
            if (change.DisplayName != null && change.DisplayName.Trim().Length > MaxDisplayNameLength)
                throw new ArgumentException($"A DisplayName holds at most {MaxDisplayNameLength} characters; this one has {change.DisplayName.Trim().Length}.");
            if (change.Tags != null && (change.AddTags != null || change.RemoveTags != null))
                throw new ArgumentException("Give either -Tag (it replaces every tag) or -AddTag/-RemoveTag, not both.");
            if (change.Severity != null && change.ClearSeverity)
                throw new ArgumentException("Give either -Severity or -ClearSeverity, not both.");
            var both = (change.AddTags ?? Array.Empty<string>()).Select(t => t.Trim())
                .Intersect((change.RemoveTags ?? Array.Empty<string>()).Select(t => t.Trim()), StringComparer.OrdinalIgnoreCase).ToList();
            if (both.Count > 0)
                throw new ArgumentException($"The tag(s) {string.Join(", ", both.Select(t => "'" + t + "'"))} are both added and removed: give each tag once.");
            foreach (var c in new[] { change.Comment, change.ResolvingComment })
                if (c != null && c.Length > MaxCommentLength)
                    throw new ArgumentException($"A comment holds at most {MaxCommentLength} characters; this one has {c.Length}.");
            foreach (var t in (change.Tags ?? Array.Empty<string>()).Concat(change.AddTags ?? Array.Empty<string>()))
                if (string.IsNullOrWhiteSpace(t)) throw new ArgumentException("A tag cannot be empty.");
        }

        /// <summary>Applies the change; returns the incident as stored afterwards.</summary>
        public Incident Apply(long incidentId, IncidentChange change, DateTimeOffset? now = null)
        {
            var time = now ?? DateTimeOffset.UtcNow;
            using var tx = _store.BeginWrite();
            var current = Load(tx, incidentId) ?? throw new KeyNotFoundException($"There is no incident {incidentId} in the store '{_store.Path}'.");
            Validate(current, change);
            CheckConflicts(tx, current, change);

            var fields = new List<(string Column, string Field, object? Value, string? Old, string? New)>();
            void Field(string column, string field, object? value, string? oldText, string? newText)
            {
                if (oldText != newText) fields.Add((column, field, value, oldText, newText));
            }
            if (change.DisplayName != null)
            {
                Field("display_name", "DisplayName", change.DisplayName.Trim(), current.DisplayName, change.DisplayName.Trim());
                fields.Add(("display_name_by_user", "", 1, null, null));
            }
            if (change.AssignedTo != null)
            {
                string? assignee = change.AssignedTo.Trim().Length == 0 ? null : change.AssignedTo.Trim();
                Field("assigned_to", "AssignedTo", assignee, current.AssignedTo, assignee);
            }
            if (change.Status != null) Field("status", "Status", (int)change.Status.Value, current.Status.ToString(), change.Status.Value.ToString());
            if (change.ClearSeverity) Field("severity_override", "SeverityOverride", null, current.SeverityOverride?.ToString(), null);
            if (change.Severity != null)
            {
                Field("severity_override", "SeverityOverride", (int)change.Severity.Value, current.SeverityOverride?.ToString(), change.Severity.Value.ToString());
                Field("severity", "Severity", (int)change.Severity.Value, current.Severity.ToString(), change.Severity.Value.ToString());
            }
            var classification = change.Classification ?? current.Classification;
            var determination = change.Determination ?? (Determinations[classification].Contains(current.Determination) ? current.Determination : IncidentTools.Determination.Unknown);
            Field("classification", "Classification", (int)classification, current.Classification.ToString(), classification.ToString());
            Field("determination", "Determination", (int)determination, current.Determination.ToString(), determination.ToString());
            if (change.ResolvingComment != null) Field("resolving_comment", "ResolvingComment", change.ResolvingComment, current.ResolvingComment, change.ResolvingComment);

            var tags = new SortedSet<string>(current.Tags, StringComparer.OrdinalIgnoreCase);
            if (change.Tags != null) tags = new SortedSet<string>(change.Tags.Select(t => t.Trim()), StringComparer.OrdinalIgnoreCase);
            foreach (var t in change.AddTags ?? Array.Empty<string>()) tags.Add(t.Trim());
            foreach (var t in change.RemoveTags ?? Array.Empty<string>()) tags.Remove(t.Trim());
            bool tagsChanged = !tags.SetEquals(current.Tags);
            bool anything = fields.Any(f => f.Field.Length > 0) || tagsChanged || change.Comment != null;
            if (!anything) { tx.Commit(); return current; }

            var sets = fields.Select((f, i) => $"{f.Column} = $v{i}").ToList();
            sets.Add("version = version + 1");
            sets.Add("last_update = $now");
            var ps = fields.Select((f, i) => ($"$v{i}", f.Value)).ToList();
            ps.Add(("$id", incidentId));
            ps.Add(("$now", IncidentStore.Ticks(time)));
            using (var cmd = _store.Command($"UPDATE incidents SET {string.Join(", ", sets)} WHERE id = $id", tx, ps.ToArray())) cmd.ExecuteNonQuery();

            foreach (var f in fields.Where(f => f.Field.Length > 0 && f.Field != "SeverityOverride"))
                HistoryLog.Append(_store, tx, incidentId, time, change.Actor, "Updated", f.Field, f.Old, f.New);
            if (tagsChanged)
            {
                using (var del = _store.Command("DELETE FROM incident_tags WHERE incident_id = $id", tx, ("$id", incidentId))) del.ExecuteNonQuery();
                foreach (var t in tags)
                    using (var ins = _store.Command("INSERT OR IGNORE INTO incident_tags (incident_id, tag) VALUES ($id, $t)", tx, ("$id", incidentId), ("$t", t))) ins.ExecuteNonQuery();
                HistoryLog.Append(_store, tx, incidentId, time, change.Actor, "Updated", "Tags", string.Join(", ", current.Tags), string.Join(", ", tags));
            }
            if (change.Status == IncidentStatus.Resolved && current.Status != IncidentStatus.Resolved)
                using (var cmd = _store.Command("UPDATE alerts SET status = $resolved WHERE incident_id = $id", tx, ("$resolved", (int)AlertStatus.Resolved), ("$id", incidentId))) cmd.ExecuteNonQuery();
            if (change.Severity != null || change.ClearSeverity)
            {
                using var aggregator = new IncidentAggregator(_store, tx, time);
                aggregator.Recompute(incidentId);
            }
            else if (change.Status != null && change.Status != current.Status)
            {
                using var aggregator = new IncidentAggregator(_store, tx, time);
                aggregator.SettlePriority(incidentId);
            }
            if (change.Comment != null) AddComment(tx, incidentId, change.Comment, change.Actor, time);
            tx.Commit();
            return new IncidentReader(_store).Incident(incidentId)!;
        }

        void CheckConflicts(SqliteTransaction tx, Incident current, IncidentChange change)
        {
            if (change.ExpectedVersion is not long seen || seen >= current.Version) return;
            var written = new HashSet<string>(StringComparer.Ordinal);
            if (change.DisplayName != null) written.Add("DisplayName");
            if (change.AssignedTo != null) written.Add("AssignedTo");
            if (change.Status != null) written.Add("Status");
            if (change.Severity != null || change.ClearSeverity) written.Add("Severity");
            if (change.Classification != null) written.Add("Classification");
            if (change.Determination != null || change.Classification != null) written.Add("Determination");
            if (change.Tags != null) written.Add("Tags"); // replacing tags conflicts; adding or removing does not
            if (change.ResolvingComment != null) written.Add("ResolvingComment");
            var conflicts = new List<HistoryEntry>();
            using var cmd = _store.Command("SELECT incident_id, time, actor, action, field, old_value, new_value, version FROM history WHERE incident_id = $id AND version > $v AND actor <> 'system' AND field IS NOT NULL ORDER BY id",
                tx, ("$id", current.Id), ("$v", seen));
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                string field = r.GetString(4);
                if (!written.Contains(field)) continue;
                conflicts.Add(new HistoryEntry
                {
                    IncidentId = r.GetInt64(0), Time = IncidentStore.Time(r.GetInt64(1)), Actor = r.GetString(2), Action = r.GetString(3),
                    Field = field, OldValue = r.IsDBNull(5) ? null : r.GetString(5), NewValue = r.IsDBNull(6) ? null : r.GetString(6), Version = r.GetInt64(7),
                });
            }
            if (conflicts.Count > 0) throw new IncidentConflictException(current.Id, conflicts);
        }

        public IncidentComment AddComment(long incidentId, string text, string author, DateTimeOffset? now = null)
        {
            if (text.Length > MaxCommentLength) throw new ArgumentException($"A comment holds at most {MaxCommentLength} characters; this one has {text.Length}.");
            var time = now ?? DateTimeOffset.UtcNow;
            using var tx = _store.BeginWrite();
            if (Load(tx, incidentId) == null) throw new KeyNotFoundException($"There is no incident {incidentId} in the store '{_store.Path}'.");
            var c = AddComment(tx, incidentId, text, author, time);
            tx.Commit();
            return c;
        }

        IncidentComment AddComment(SqliteTransaction tx, long incidentId, string text, string author, DateTimeOffset time)
        {
            using (var cmd = _store.Command("INSERT INTO comments (incident_id, comment, created_by, created) VALUES ($id, $c, $by, $t)", tx,
                ("$id", incidentId), ("$c", text), ("$by", author), ("$t", IncidentStore.Ticks(time)))) cmd.ExecuteNonQuery();
            HistoryLog.Append(_store, tx, incidentId, time, author, "CommentAdded", null, null, text.Length > 200 ? text.Substring(0, 200) + "…" : text);
            return new IncidentComment { IncidentId = incidentId, Comment = text, CreatedByDisplayName = author, CreatedDateTime = time };
        }

        Incident? Load(SqliteTransaction tx, long id)
        {
            using var cmd = _store.Command("SELECT " + IncidentReader.IncidentColumns + " FROM incidents i WHERE i.id = $id", tx, ("$id", id));
            using var r = cmd.ExecuteReader();
            return r.Read() ? IncidentReader.ReadIncident(r) : null;
        }
    }
}
