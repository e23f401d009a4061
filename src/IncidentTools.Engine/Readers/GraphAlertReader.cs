using System;
using System.Collections.Generic;
using System.Linq;
using IncidentTools.Normalisation;
using Newtonsoft.Json.Linq;
using static IncidentTools.Readers.JsonValues;

namespace IncidentTools.Readers
{
    /// <summary>
    /// Microsoft Graph security alerts (/security/alerts_v2): a list response, a single alert, an array, NDJSON, or
    /// objects from Get-MgSecurityAlertV2 / ConvertFrom-Json (property names match case-insensitively).
    /// </summary>
    public sealed class GraphAlertReader : IAlertReader
    {
        /// <summary>Defender XDR alert ids are unique across its products and exports: one family for all of them.</summary>
        public const string Family = "defender";

        public string Format => "GraphAlertV2";

        public bool Detect(JObject record)
        {
            var odataType = Str(record, "@odata.type");
            if (odataType != null) return odataType.EndsWith("security.alert", StringComparison.OrdinalIgnoreCase);
            return Get(record, "id") != null && Get(record, "title") != null
                && (Get(record, "evidence") != null || Get(record, "serviceSource") != null || Get(record, "detectorId") != null
                    || Get(record, "providerAlertId") != null || Get(record, "alertWebUrl") != null);
        }

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            yield return ReadItem.ForAlert(Map(record), Family, location, record);
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        /// <summary>Maps one alerts_v2 alert. Throws RecordFormatException when a required field is missing or wrong.</summary>
        public static Alert Map(JObject a)
        {
            string id = Text(a, "id") ?? throw new RecordFormatException("missing required field 'id'");
            string title = Text(a, "title") ?? throw new RecordFormatException($"alert '{id}' has no 'title'");
            var created = Date(a, "createdDateTime");
            var first = Date(a, "firstActivityDateTime") ?? created;
            var last = Date(a, "lastActivityDateTime") ?? first;
            if (first == null) throw new RecordFormatException($"alert '{id}' has none of 'firstActivityDateTime' and 'createdDateTime'");
            var alert = new Alert
            {
                ProviderAlertId = id,
                Source = "GraphAlertV2",
                TenantId = Text(a, "tenantId") ?? "",
                Title = title,
                Description = Str(a, "description"),
                Severity = ValueMaps.Severity(Str(a, "severity")),
                Status = ValueMaps.AlertStatus(Str(a, "status")),
                Category = ValueMaps.Pascal(Str(a, "category")),
                MitreTechniques = StrArray(a, "mitreTechniques"),
                ServiceSource = ValueMaps.Pascal(Str(a, "serviceSource")),
                DetectionSource = ValueMaps.Pascal(Str(a, "detectionSource")),
                DetectorId = Str(a, "detectorId"),
                CreatedDateTime = created ?? first.Value,
                FirstActivityDateTime = first.Value,
                LastActivityDateTime = last!.Value < first.Value ? first.Value : last.Value,
            };
            // The alerts_v2 id is the one Defender shows everywhere; providerAlertId is the detecting product's own.
            var productAlertId = Str(a, "providerAlertId");
            if (productAlertId != id) Context(alert, "DetectingProductAlertId", productAlertId);
            Context(alert, "ProviderIncidentId", Str(a, "incidentId"));
            Context(alert, "ProviderAssignedTo", Str(a, "assignedTo"));
            Context(alert, "ProviderClassification", Str(a, "classification"));
            Context(alert, "ProviderDetermination", Str(a, "determination"));
            Context(alert, "AlertWebUrl", Str(a, "alertWebUrl"));
            Context(alert, "ThreatFamilyName", Str(a, "threatFamilyName"));
            Context(alert, "ThreatDisplayName", Str(a, "threatDisplayName"));
            Context(alert, "ActorDisplayName", Str(a, "actorDisplayName"));
            Context(alert, "LastUpdateDateTime", Str(a, "lastUpdateDateTime"));
            Context(alert, "ResolvedDateTime", Str(a, "resolvedDateTime"));
            var systemTags = StrArray(a, "systemTags");
            if (systemTags.Length > 0) Context(alert, "SystemTags", string.Join(";", systemTags));

            var evidence = Arr(a, "evidence");
            if (evidence != null)
            {
                int n = 0;
                foreach (var e in evidence)
                {
                    n++;
                    if (e is not JObject eo) throw new RecordFormatException($"alert '{id}': evidence item {n} is a JSON {e.Type}, not an object");
                    GraphEvidenceMapper.Map(eo, alert.Evidence);
                }
            }
            return alert;
        }

        internal static void Context(Alert alert, string key, string? value)
        {
            if (value != null && !EntityNormaliser.IsPlaceholder(value) && !string.Equals(value, "unknown", StringComparison.OrdinalIgnoreCase))
                alert.ProviderContext[key] = value;
        }
    }

    /// <summary>
    /// Microsoft Graph security incidents. With $expand=alerts each alert is imported like any other and keeps the
    /// incident's id, assignee, classification and tags as provider context; an incident without alerts is
    /// counted, not created (there is nothing to correlate).
    /// </summary>
    public sealed class GraphIncidentReader : IAlertReader
    {
        public string Format => "GraphIncident";

        public bool Detect(JObject record)
        {
            var odataType = Str(record, "@odata.type");
            if (odataType != null) return odataType.EndsWith("security.incident", StringComparison.OrdinalIgnoreCase);
            return Get(record, "id") != null && Get(record, "title") == null
                && (Get(record, "alerts") is JArray || (Get(record, "displayName") != null && Get(record, "incidentWebUrl") != null));
        }

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            string id = Text(record, "id") ?? throw new RecordFormatException("missing required field 'id'");
            var alerts = Arr(record, "alerts");
            if (alerts == null || alerts.Count == 0)
            {
                yield return ReadItem.Skip(location,
                    $"Graph incident {id} carries no alerts: counted, not created (export it with $expand=alerts to import its alerts)");
                yield break;
            }
            int n = 0;
            foreach (var token in alerts)
            {
                n++;
                if (token is not JObject a) throw new RecordFormatException($"incident {id}: alert {n} is a JSON {token.Type}, not an object");
                Alert alert;
                try { alert = GraphAlertReader.Map(a); }
                catch (RecordFormatException ex) { throw new RecordFormatException($"incident {id}, alert {n}: {ex.Message}"); }
                if (alert.TenantId.Length == 0) alert.TenantId = Text(record, "tenantId") ?? "";
                // The incident's own id; the alert's incidentId field (which Graph samples show can differ) stays ProviderIncidentId.
                alert.ProviderContext["ExpandedFromIncidentId"] = id;
                GraphAlertReader.Context(alert, "ProviderIncidentName", Str(record, "displayName"));
                GraphAlertReader.Context(alert, "ProviderAssignedTo", Str(record, "assignedTo"));
                GraphAlertReader.Context(alert, "ProviderClassification", Str(record, "classification"));
                GraphAlertReader.Context(alert, "ProviderDetermination", Str(record, "determination"));
                GraphAlertReader.Context(alert, "ProviderIncidentStatus", Str(record, "status"));
                var tags = StrArray(record, "tags").Concat(StrArray(record, "customTags")).ToArray();
                if (tags.Length > 0) alert.ProviderContext["ProviderTags"] = string.Join(";", tags);
                var comments = Arr(record, "comments");
                if (comments != null && comments.Count > 0) alert.ProviderContext["ProviderComments"] = comments.ToString(Newtonsoft.Json.Formatting.None);
                yield return ReadItem.ForAlert(alert, GraphAlertReader.Family, location, a);
            }
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();
    }
}
