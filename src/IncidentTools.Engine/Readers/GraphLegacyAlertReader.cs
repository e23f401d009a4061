using System;
using System.Collections.Generic;
using Newtonsoft.Json.Linq;
using static IncidentTools.Readers.JsonValues;

namespace IncidentTools.Readers
{
    /// <summary>
    /// The legacy Microsoft Graph /security/alerts (v1) schema (vendorInformation, fileStates, hostStates, ...), which
    /// Microsoft deprecated. It is recognised so that it is refused with a clear error per alert, never half-read.
    /// </summary>
    public sealed class GraphLegacyAlertReader : IAlertReader
    {
        public string Format => "GraphLegacyAlert";

        public bool Detect(JObject r)
        {
            var context = Str(r, "@odata.context") ?? "";
            if (context.IndexOf("#Security/alerts/", StringComparison.OrdinalIgnoreCase) >= 0
                || context.EndsWith("#Security/alerts", StringComparison.OrdinalIgnoreCase)) return true;
            if (string.Equals(Str(r, "@odata.type"), "#microsoft.graph.alert", StringComparison.OrdinalIgnoreCase)) return true;
            return Get(r, "vendorInformation") is JObject && Get(r, "eventDateTime") != null
                   && (Get(r, "azureTenantId") != null || Get(r, "hostStates") != null || Get(r, "userStates") != null || Get(r, "fileStates") != null);
        }

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            string id = Str(record, "id") ?? "(no id)";
            throw new RecordFormatException(
                $"alert {id} is in the legacy Microsoft Graph /security/alerts (v1) format, which Microsoft has deprecated and IncidentTools does not import; " +
                "export the alerts from /security/alerts_v2 instead (for example Get-MgSecurityAlertV2, or GET https://graph.microsoft.com/v1.0/security/alerts_v2).");
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();
    }
}
