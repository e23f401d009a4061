using System;
using System.Collections.Generic;
using System.Linq;
using IncidentTools.Normalisation;
using Newtonsoft.Json.Linq;
using static IncidentTools.Readers.JsonValues;
using static IncidentTools.Readers.ReaderCommon;

namespace IncidentTools.Readers
{
    /// <summary>
    /// Microsoft Sentinel / Log Analytics SecurityAlert table rows: CSV exports (Entities and ExtendedProperties are
    /// JSON inside a field), JSON/NDJSON exports and Event Hub streams. Both the older column set (AlertDisplayName,
    /// Severity, StartTimeUtc) and the newer one (DisplayName, AlertSeverity, StartTime, Tactics, Techniques).
    /// Entities refer to each other with $id/$ref; both JSON strings and already-parsed objects are accepted.
    /// </summary>
    public sealed class SentinelAlertReader : IAlertReader
    {
        public const string Family = "sentinel";
        public string Format => "SentinelSecurityAlert";

        public bool Detect(JObject r)
        {
            if (string.Equals(Str(r, "Type"), "SecurityAlert", StringComparison.OrdinalIgnoreCase)) return true;
            return Get(r, "SystemAlertId") != null
                && (Get(r, "AlertName") != null || Get(r, "AlertDisplayName") != null || Get(r, "DisplayName") != null)
                && (Get(r, "Entities") != null || Get(r, "ExtendedProperties") != null || Get(r, "ProviderName") != null);
        }

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            yield return ReadItem.ForAlert(Map(record), Family, location, record);
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        public static Alert Map(JObject r)
        {
            string id = First(r, "SystemAlertId", "VendorOriginalId", "ProviderAlertId")
                ?? throw new RecordFormatException("missing required field 'SystemAlertId'");
            string title = First(r, "AlertDisplayName", "DisplayName", "AlertName")
                ?? throw new RecordFormatException($"alert '{id}' has none of 'AlertDisplayName', 'DisplayName' and 'AlertName'");
            var tactics = StrArray(Parsed(Get(r, "Tactics")) ?? JValue.CreateNull())
                .SelectMany(t => t.Split(',')).Select(t => t.Trim()).ToArray();
            var techniques = StrArray(Parsed(Get(r, "Techniques")) ?? JValue.CreateNull());
            var alert = new Alert
            {
                ProviderAlertId = id,
                Source = "SentinelSecurityAlert",
                TenantId = Str(r, "TenantId") ?? "",
                Title = title,
                Description = Str(r, "Description"),
                Severity = ValueMaps.Severity(First(r, "AlertSeverity", "Severity")),
                Status = ValueMaps.AlertStatus(Str(r, "Status") ?? "New"),
                Category = Category(tactics),
                MitreTechniques = Techniques(techniques.Concat(StrArray(Parsed(Get(r, "SubTechniques")) ?? JValue.CreateNull()))),
                ServiceSource = ServiceSource(Str(r, "ProductName"), Str(r, "ProviderName")),
                DetectionSource = PascalWords(First(r, "ProductComponentName", "ProviderName")),
                DetectorId = Str(r, "AlertType"),
            };
            Times(alert, Date(r, "TimeGenerated"), Date(r, "StartTime") ?? Date(r, "StartTimeUtc"), Date(r, "EndTime") ?? Date(r, "EndTimeUtc"), "SecurityAlert row");
            Context(alert, "VendorOriginalId", Str(r, "VendorOriginalId"));
            if (Str(r, "ProviderAlertId") != id) Context(alert, "DetectingProductAlertId", Str(r, "ProviderAlertId"));
            Context(alert, "ProviderName", Str(r, "ProviderName"));
            Context(alert, "VendorName", Str(r, "VendorName"));
            Context(alert, "CompromisedEntity", Str(r, "CompromisedEntity"));
            Context(alert, "ConfidenceLevel", Str(r, "ConfidenceLevel"));
            Context(alert, "AlertLink", Str(r, "AlertLink"));
            Context(alert, "WorkspaceSubscriptionId", Str(r, "WorkspaceSubscriptionId"));
            Context(alert, "WorkspaceResourceGroup", Str(r, "WorkspaceResourceGroup"));
            Context(alert, "ProviderStatus", Str(r, "Status"));

            JToken? entities;
            try { entities = Parsed(Get(r, "Entities")); }
            catch (RecordFormatException) { throw new RecordFormatException($"alert '{id}': field 'Entities' holds broken JSON"); }
            if (entities != null && entities.Type != JTokenType.Null && !(entities.Type == JTokenType.String && ((string)entities!).Trim().Length == 0))
            {
                if (entities is JObject single) entities = new JArray(single);
                if (entities is not JArray list) throw new RecordFormatException($"alert '{id}': field 'Entities' is a {entities.Type}, not a list of entities");
                MapEntities(list, alert.Evidence);
            }
            Finish(alert);
            return alert;
        }

        static string? ServiceSource(string? productName, string? providerName)
        {
            string p = (productName ?? providerName ?? "").ToLowerInvariant();
            if (p.Length == 0) return null;
            if (p.Contains("sentinel") || p == "customalertrule" || p.Contains("scheduled")) return "MicrosoftSentinel";
            if (p.Contains("defender for endpoint") || p.Contains("advanced threat protection") || p == "mdatp") return "MicrosoftDefenderForEndpoint";
            if (p.Contains("defender for identity") || p.Contains("azure advanced threat")) return "MicrosoftDefenderForIdentity";
            if (p.Contains("defender for cloud apps") || p.Contains("cloud app security")) return "MicrosoftDefenderForCloudApps";
            if (p.Contains("defender for office") || p.Contains("office 365")) return "MicrosoftDefenderForOffice365";
            if (p.Contains("security center") || p.Contains("defender for cloud") || p == "detection") return "MicrosoftDefenderForCloud";
            if (p.Contains("identity protection")) return "AzureAdIdentityProtection";
            return PascalWords(productName ?? providerName);
        }

        /// <summary>Maps a Sentinel entity list; $ref objects are resolved against every $id seen in the list.</summary>
        public static void MapEntities(JArray list, List<Evidence> into)
        {
            var byId = new Dictionary<string, JObject>();
            var all = new List<JObject>();
            Collect(list, byId, all);
            var done = new HashSet<JObject>();
            foreach (var e in all)
            {
                if (!done.Add(e)) continue;
                MapEntity(e, byId, into);
            }
        }

        static void Collect(JToken t, Dictionary<string, JObject> byId, List<JObject> all)
        {
            if (t is JArray a) { foreach (var x in a) Collect(x, byId, all); return; }
            if (t is not JObject o) return;
            if (o["$ref"] != null) return;
            var id = AsString(o["$id"]);
            if (id != null && !byId.ContainsKey(id)) byId[id] = o;
            if (Str(o, "Type") != null && (id != null || o.Parent is JArray)) all.Add(o);
            foreach (var p in o.Properties()) if (p.Value is JObject || p.Value is JArray) Collect(p.Value, byId, all);
        }

        static JObject? Resolve(JToken? t, Dictionary<string, JObject> byId)
        {
            if (t is not JObject o) return null;
            var r = AsString(o["$ref"]);
            if (r == null) return o;
            return byId.TryGetValue(r, out var target) ? target : null;
        }

        static string? HostDns(JObject? h)
        {
            if (h == null) return null;
            string? host = First(h, "HostName", "NetBiosName");
            string? fqdn = Str(h, "FQDN");
            string? domain = Str(h, "DnsDomain");
            if (fqdn != null) return fqdn;
            if (host != null && domain != null && !host.Contains('.')) return host + "." + domain;
            return host;
        }

        static void MapEntity(JObject e, Dictionary<string, JObject> byId, List<Evidence> into)
        {
            string type = (Str(e, "Type") ?? "").ToLowerInvariant();
            switch (type)
            {
                case "host":
                {
                    string? dns = HostDns(e);
                    var ev = EvidenceFactory.Device(dns, First(e, "MdatpDeviceId"), Str(e, "AadDeviceId"), dns, Str(e, "HostName"));
                    if (ev != null)
                    {
                        Prop(ev, "osFamily", Str(e, "OSFamily")); Prop(ev, "osVersion", Str(e, "OSVersion"));
                        Prop(ev, "azureId", Str(e, "AzureID")); Prop(ev, "omsAgentId", Str(e, "OMSAgentID"));
                        Prop(ev, "ntDomain", Str(e, "NTDomain"));
                    }
                    Add(into, ev);
                    break;
                }
                case "account":
                {
                    string? name = Str(e, "Name");
                    string? suffix = Str(e, "UPNSuffix");
                    string? upn = name != null && suffix != null ? name + "@" + suffix : null;
                    var ev = EvidenceFactory.User(name, upn, Str(e, "Sid"), First(e, "AadUserId", "ObjectGuid"), First(e, "NTDomain", "DnsDomain"));
                    if (ev != null) { Prop(ev, "displayName", Str(e, "DisplayName")); Prop(ev, "logonId", Str(e, "LogonId")); }
                    Add(into, ev);
                    break;
                }
                case "ip":
                    Add(into, EvidenceFactory.Ip(Str(e, "Address")));
                    break;
                case "file":
                {
                    string? s256 = null, s1 = null, m5 = null;
                    foreach (var h in Objects(Arr(e, "FileHashes")).Select(x => Resolve(x, byId)).Where(x => x != null))
                    {
                        string alg = (Str(h, "Algorithm") ?? "").ToUpperInvariant();
                        if (alg == "SHA256") s256 = Str(h, "Value"); else if (alg == "SHA1") s1 = Str(h, "Value"); else if (alg == "MD5") m5 = Str(h, "Value");
                    }
                    Add(into, EvidenceFactory.File(Str(e, "Name"), Str(e, "Directory"), s256, s1, m5));
                    break;
                }
                case "filehash":
                {
                    string alg = (Str(e, "Algorithm") ?? "").ToUpperInvariant();
                    string? v = Str(e, "Value");
                    Add(into, EvidenceFactory.File(null, null, alg == "SHA256" ? v : null, alg == "SHA1" ? v : null, alg == "MD5" ? v : null));
                    break;
                }
                case "process":
                {
                    var image = Resolve(e["ImageFile"], byId);
                    var host = Resolve(e["Host"], byId);
                    string? cmd = Str(e, "CommandLine");
                    string? name = Str(image, "Name") ?? FileName(cmd);
                    var ev = EvidenceFactory.Process(name, cmd, HostDns(host), Str(e, "ProcessId"), Str(e, "CreationTimeUtc"));
                    if (ev != null) { Prop(ev, "processId", Str(e, "ProcessId")); Prop(ev, "creationTimeUtc", Str(e, "CreationTimeUtc")); Prop(ev, "elevationToken", Str(e, "ElevationToken")); }
                    Add(into, ev);
                    break;
                }
                case "registry-key":
                    Add(into, EvidenceFactory.RegistryKey(Str(e, "Hive"), Str(e, "Key")));
                    break;
                case "registry-value":
                {
                    var key = Resolve(e["Key"], byId);
                    Add(into, EvidenceFactory.RegistryValue(Str(key, "Hive"), Str(key, "Key"), Str(e, "Name"), Str(e, "Value")));
                    break;
                }
                case "url":
                    Add(into, EvidenceFactory.Url(Str(e, "Url")));
                    break;
                case "dns":
                    Add(into, EvidenceFactory.DomainName(First(e, "DomainName", "Name")));
                    break;
                case "mailbox":
                    Add(into, EvidenceFactory.Mailbox(Str(e, "MailboxPrimaryAddress"), Str(e, "DisplayName")));
                    break;
                case "mailmessage":
                    Add(into, EvidenceFactory.Simple(EntityType.MailMessage, First(e, "Subject", "NetworkMessageId"), First(e, "NetworkMessageId", "InternetMessageId")));
                    Add(into, EvidenceFactory.Mailbox(Str(e, "Recipient"), null), "recipient");
                    Add(into, EvidenceFactory.Ip(Str(e, "SenderIP")), "sender");
                    break;
                case "mailcluster":
                    Add(into, EvidenceFactory.Simple(EntityType.MailCluster, Str(e, "Source") ?? Str(e, "Query"), Str(e, "Query")));
                    break;
                case "cloud-application":
                    Add(into, EvidenceFactory.CloudApplication(Str(e, "Name") ?? Str(e, "AppId"), First(e, "AppId", "InstanceName")));
                    break;
                case "azure-resource":
                    Add(into, EvidenceFactory.Simple(EntityType.CloudResource, Str(e, "ResourceId"), Str(e, "ResourceId")));
                    break;
                case "malware":
                    Add(into, EvidenceFactory.Simple(EntityType.Malware, Str(e, "Name"), Str(e, "Name")));
                    break;
                case "security-group":
                    Add(into, EvidenceFactory.Simple(EntityType.SecurityGroup, Str(e, "DistinguishedName") ?? Str(e, "ObjectGuid"), First(e, "ObjectGuid", "Sid", "DistinguishedName")));
                    break;
                case "host-logon-session":
                case "network-connection":
                    // Links between other entities (already mapped through their $id); nothing of their own to correlate.
                    break;
                default:
                {
                    var copy = (JObject)e.DeepClone();
                    copy.Remove("$id");
                    var ev = EvidenceFactory.Simple(EntityType.Other, type.Length > 0 ? type : "entity", ValueMaps.DerivedId(copy.ToString(Newtonsoft.Json.Formatting.None)));
                    if (ev != null) { ev.Properties["sentinelType"] = type; into.Add(ev); }
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Sentinel incidents (the REST resource Microsoft.SecurityInsights/incidents and SecurityIncident table rows)
    /// carry alert ids, not alerts: counted, not created.
    /// </summary>
    public sealed class SentinelIncidentReader : IAlertReader
    {
        public string Format => "SentinelIncident";

        public bool Detect(JObject r)
        {
            var type = Str(r, "type") ?? "";
            if (type.EndsWith("Microsoft.SecurityInsights/incidents", StringComparison.OrdinalIgnoreCase)) return true;
            if (string.Equals(type, "SecurityIncident", StringComparison.OrdinalIgnoreCase)) return true;
            return Get(r, "IncidentNumber") != null && Get(r, "AlertIds") != null;
        }

        public IEnumerable<ReadItem> Read(JObject r, RecordLocation location)
        {
            string number = First(r, "properties.incidentNumber", "IncidentNumber", "name", "IncidentName") ?? "?";
            yield return ReadItem.Skip(location,
                $"Sentinel incident {number} carries alert ids, not alerts: counted, not created (export its alerts from the SecurityAlert table, or the incident's alerts from the Sentinel API, to import them)");
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();
    }
}
