using System;
using Microsoft.Data.Sqlite;

namespace IncidentTools.Store
{
    /// <summary>Appends to an incident's activity log. Entries are never updated or deleted.</summary>
    internal static class HistoryLog
    {
        public const string System = "system";

        /// <summary>One entry; the incident's version at the time is read in the same statement.</summary>
        internal const string InsertSql = @"INSERT INTO history (incident_id, time, actor, action, field, old_value, new_value, version)
                  VALUES ($incident, $time, $actor, $action, $field, $old, $new, (SELECT version FROM incidents WHERE id = $incident))";

        public static void Append(IncidentStore store, SqliteTransaction tx, long incidentId, DateTimeOffset time, string actor,
                                  string action, string? field = null, string? oldValue = null, string? newValue = null)
        {
            using var cmd = store.Command(InsertSql,
                tx, ("$incident", incidentId), ("$time", IncidentStore.Ticks(time)), ("$actor", actor), ("$action", action),
                ("$field", field), ("$old", oldValue), ("$new", newValue));
            cmd.ExecuteNonQuery();
        }
    }
}
