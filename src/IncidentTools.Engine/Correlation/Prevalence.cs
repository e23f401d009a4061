using System;
using System.Collections.Generic;
using IncidentTools.Store;
using Microsoft.Data.Sqlite;

namespace IncidentTools.Correlation
{
    /// <summary>
    /// The noise rule for common entities: an entity seen on more than the policy's share of a tenant's alerts
    /// does not link them. Both counts are taken over the window that ends at the alert's first activity (by event
    /// time, never by import time), so the decision depends only on the alerts themselves: imported at once or one
    /// by one in time order, the same entity is common or not for the same alert.
    /// </summary>
    internal sealed class Prevalence
    {
        readonly IncidentStore _store;
        readonly CorrelationPolicy _policy;
        // Sorted first-activity times of the alerts that can count for the alerts being correlated (those that
        // start in [_from, _to]: from the window before the batch's earliest start to its latest start), loaded as
        // needed for one correlation batch, so memory follows that time range, not the size of the store.
        readonly Dictionary<string, long[]> _tenantTimes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        readonly Dictionary<long, long[]> _entityTimes = new Dictionary<long, long[]>();
        long _entityTimesHeld;
        const long MaxEntityTimesHeld = 1_000_000; // bounded memory: about 8 MB of cached times
        long _from = long.MaxValue, _to = long.MinValue, _longestSpan;

        public Prevalence(IncidentStore store, CorrelationPolicy policy) { _store = store; _policy = policy; }

        /// <summary>
        /// Makes ready for alerts that start between firstStart and lastStart (a correlation batch, in time order):
        /// the times cached for an earlier range are dropped. longestSpan is the longest activity span of any stored
        /// alert, which bounds the lookup of an entity's alerts by their last activity.
        /// </summary>
        public void Cover(long firstStart, long lastStart, long longestSpan)
        {
            long from = firstStart - _policy.Window.Ticks;
            if (from >= _from && lastStart <= _to && longestSpan == _longestSpan) return;
            _tenantTimes.Clear();
            _entityTimes.Clear();
            _entityTimesHeld = 0;
            _from = from; _to = lastStart; _longestSpan = longestSpan;
        }

        public bool IsTooCommon(SqliteTransaction tx, string tenant, long entityId, int entityAlertsEver, long alertFirst)
        {
            // Cheap exits first: the rule needs a minimum of alerts in the window, and an entity seen on fewer
            // alerts than the threshold of that minimum can never pass it.
            if (entityAlertsEver <= _policy.PrevalenceThreshold * _policy.PrevalenceMinimumAlerts) return false;
            // The window is [first activity - window, first activity): alerts that started at the very same moment
            // are left out on both sides, so which of them was imported first cannot matter; the alert itself counts.
            long from = alertFirst - _policy.Window.Ticks;
            if (from < _from || alertFirst > _to) Cover(alertFirst, alertFirst, _longestSpan); // an alert outside the batch's range
            int tenantAlerts = CountIn(TenantTimes(tx, tenant), from, alertFirst - 1) + 1;
            if (tenantAlerts < _policy.PrevalenceMinimumAlerts) return false;
            double limit = _policy.PrevalenceThreshold * tenantAlerts;
            if (entityAlertsEver <= limit) return false;
            return CountIn(EntityTimes(tx, entityId), from, alertFirst - 1) + 1 > limit;
        }

        long[] TenantTimes(SqliteTransaction tx, string tenant)
        {
            if (!_tenantTimes.TryGetValue(tenant, out var times))
                _tenantTimes[tenant] = times = Load(tx, "SELECT first_activity FROM alerts WHERE tenant_id = $k AND first_activity BETWEEN $from AND $to ORDER BY first_activity", tenant);
            return times;
        }

        long[] EntityTimes(SqliteTransaction tx, long entityId)
        {
            if (_entityTimes.TryGetValue(entityId, out var times)) return times;
            // The entity index is ordered by last activity: an alert that starts in the range ends at most the
            // longest span after its end (and never before it starts: every reader makes last >= first).
            times = Load(tx, @"SELECT first_activity FROM alert_entities WHERE entity_id = $k AND last_activity BETWEEN $from AND $to + $span
                               AND first_activity BETWEEN $from AND $to ORDER BY first_activity", entityId);
            if (_entityTimesHeld + times.Length > MaxEntityTimesHeld) { _entityTimes.Clear(); _entityTimesHeld = 0; }
            _entityTimes[entityId] = times;
            _entityTimesHeld += times.Length;
            return times;
        }

        long[] Load(SqliteTransaction tx, string sql, object key)
        {
            var list = new List<long>();
            using var cmd = _store.Command(sql, tx, ("$k", key), ("$from", _from), ("$to", _to), ("$span", _longestSpan));
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add(r.GetInt64(0));
            return list.ToArray();
        }

        /// <summary>How many of the sorted times lie in [from, to].</summary>
        static int CountIn(long[] sorted, long from, long to) => UpperBound(sorted, to) - LowerBound(sorted, from);

        static int LowerBound(long[] a, long v)
        {
            int lo = 0, hi = a.Length;
            while (lo < hi) { int mid = (lo + hi) >> 1; if (a[mid] < v) lo = mid + 1; else hi = mid; }
            return lo;
        }

        static int UpperBound(long[] a, long v)
        {
            int lo = 0, hi = a.Length;
            while (lo < hi) { int mid = (lo + hi) >> 1; if (a[mid] <= v) lo = mid + 1; else hi = mid; }
            return lo;
        }
    }
}
