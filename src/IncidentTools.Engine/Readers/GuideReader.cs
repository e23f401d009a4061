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
    /// The Microsoft GUIDE dataset (Kaggle "Microsoft Security Incident Prediction", GUIDE_Train/GUIDE_Test CSV): one
    /// row per evidence of a Defender XDR alert, entity values anonymised to integers. An alert is (OrgId, AlertId)
    /// and OrgId is its tenant. Its rows may be scattered anywhere in the file (or across files), so every row is read
    /// as the whole alert as that row sees it, with that row's evidence, and the store merges the rows of one alert by
    /// its key (evidence grows, the activity window widens). The reader keeps nothing between rows, so memory stays
    /// flat however large the file. The kept original record of a GUIDE alert is the last of its rows read.
    /// Each anonymised column has one fixed integer meaning "no value"; those never become entities.
    /// </summary>
    public sealed class GuideReader : IAlertReader
    {
        public const string Family = "guide";
        public string Format => "Guide";

        /// <summary>The fixed "no value" integer of each anonymised column (measured on the dataset; see guide/SOURCES.md).</summary>
        public static readonly IReadOnlyDictionary<string, string> Placeholders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["DeviceId"] = "98799", ["Sha256"] = "138268", ["IpAddress"] = "360606", ["Url"] = "160396",
            ["AccountSid"] = "441377", ["AccountUpn"] = "673934", ["AccountObjectId"] = "425863", ["AccountName"] = "453297",
            ["DeviceName"] = "153085", ["NetworkMessageId"] = "529644", ["RegistryKey"] = "1631", ["RegistryValueName"] = "635",
            ["RegistryValueData"] = "860", ["ApplicationId"] = "2251", ["ApplicationName"] = "3421", ["OAuthApplicationId"] = "881",
            ["FileName"] = "289573", ["FolderPath"] = "117668", ["ResourceIdName"] = "3586", ["OSFamily"] = "5", ["OSVersion"] = "66",
            ["CountryCode"] = "242", ["State"] = "1445", ["City"] = "10630",
        };

        public bool Detect(JObject r)
            => Get(r, "OrgId") != null && Get(r, "AlertId") != null && Get(r, "IncidentId") != null && Get(r, "EntityType") != null;

        /// <summary>A column's value, or null when blank or its "no value" integer.</summary>
        public static string? Val(JObject r, string column)
        {
            var v = Str(r, column)?.Trim();
            if (string.IsNullOrEmpty(v)) return null;
            if (Placeholders.TryGetValue(column, out var ph) && v == ph) return null;
            return v;
        }

        public IEnumerable<ReadItem> Read(JObject r, RecordLocation location)
        {
            string org = Text(r, "OrgId") ?? throw new RecordFormatException("missing required field 'OrgId'");
            string alertId = Text(r, "AlertId") ?? throw new RecordFormatException("missing required field 'AlertId'");
            var evidence = new List<Evidence>();
            MapEvidence(r, evidence);
            evidence = EvidenceFactory.Deduplicate(evidence);
            var time = Date(r, "Timestamp") ?? throw new RecordFormatException($"alert {org}/{alertId} has no 'Timestamp'");
            string? title = Str(r, "AlertTitle");
            var alert = new Alert
            {
                ProviderAlertId = alertId,
                Source = Format,
                TenantId = org,
                Title = title ?? throw new RecordFormatException($"alert {org}/{alertId} has no 'AlertTitle'"),
                Severity = Severity.Unknown,
                Status = AlertStatus.Unknown,
                Category = Category(new[] { Str(r, "Category") }),
                MitreTechniques = Techniques((Str(r, "MitreTechniques") ?? "").Split(';')),
                ServiceSource = null,
                DetectionSource = null,
                DetectorId = Str(r, "DetectorId"),
                Evidence = evidence,
            };
            Times(alert, time, time, time, "GUIDE row");
            Context(alert, "ProviderIncidentId", Str(r, "IncidentId"));
            Context(alert, "ProviderIncidentKey", Str(r, "Id"));
            Context(alert, "ProviderIncidentGrade", Str(r, "IncidentGrade"));
            Context(alert, "ProviderActionGrouped", Str(r, "ActionGrouped"));
            Context(alert, "ProviderActionGranular", Str(r, "ActionGranular"));
            Context(alert, "DatasetUsage", Str(r, "Usage"));
            yield return ReadItem.ForAlert(alert, Family, location, r);
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        /// <summary>
        /// Anonymised values are integers that mean nothing outside the dataset: keys are "anon:&lt;column&gt;:&lt;value&gt;"
        /// so they never collide with a real value of another format (and an integer is never parsed as an IPv4 address).
        /// </summary>
        static Evidence? Anon(EntityType type, string column, string? value, string? shown = null)
            => value == null ? null : EvidenceFactory.Make(type, shown ?? value, "anon:" + column.ToLowerInvariant() + ":" + value);

        static void MapEvidence(JObject r, List<Evidence> into)
        {
            string type = (Str(r, "EntityType") ?? "").ToLowerInvariant();
            switch (type)
            {
                case "user":
                {
                    string? col = new[] { "AccountUpn", "AccountSid", "AccountObjectId", "AccountName" }.FirstOrDefault(c => Val(r, c) != null);
                    var ev = col == null ? null : Anon(EntityType.User, col, Val(r, col), Val(r, "AccountName") ?? Val(r, col));
                    Prop(ev, "accountName", Val(r, "AccountName")); Prop(ev, "userPrincipalName", Val(r, "AccountUpn"));
                    Prop(ev, "userSid", Val(r, "AccountSid")); Prop(ev, "objectId", Val(r, "AccountObjectId"));
                    Add(into, ev);
                    break;
                }
                case "mailbox":
                case "mailboxconfiguration":
                    Add(into, Anon(EntityType.Mailbox, "AccountUpn", Val(r, "AccountUpn")));
                    break;
                case "mailmessage":
                    Add(into, Anon(EntityType.MailMessage, "NetworkMessageId", Val(r, "NetworkMessageId")));
                    Add(into, Anon(EntityType.Mailbox, "AccountUpn", Val(r, "AccountUpn")), "recipient");
                    break;
                case "mailcluster":
                    Add(into, Anon(EntityType.MailCluster, "EmailClusterId", Val(r, "EmailClusterId")));
                    break;
                case "machine":
                {
                    var ev = Val(r, "DeviceName") != null ? Anon(EntityType.Device, "DeviceName", Val(r, "DeviceName")) : Anon(EntityType.Device, "DeviceId", Val(r, "DeviceId"));
                    Prop(ev, "deviceId", Val(r, "DeviceId")); Prop(ev, "osFamily", Val(r, "OSFamily")); Prop(ev, "osVersion", Val(r, "OSVersion"));
                    Add(into, ev);
                    break;
                }
                case "ip":
                {
                    var ev = Anon(EntityType.Ip, "IpAddress", Val(r, "IpAddress"));
                    Prop(ev, "countryCode", Val(r, "CountryCode")); Prop(ev, "state", Val(r, "State")); Prop(ev, "city", Val(r, "City"));
                    Add(into, ev);
                    break;
                }
                case "url":
                    Add(into, Anon(EntityType.Url, "Url", Val(r, "Url")));
                    break;
                case "file":
                case "process":
                case "blob":
                {
                    string? sha = Val(r, "Sha256"), name = Val(r, "FileName"), folder = Val(r, "FolderPath");
                    string? fileKey = sha != null ? "sha256:" + sha : name != null || folder != null ? "path:" + folder + "|" + name : null;
                    if (fileKey != null)
                    {
                        var file = EvidenceFactory.Make(EntityType.File, name ?? sha ?? folder, "anon:" + fileKey);
                        Prop(file, "sha256", sha); Prop(file, "fileName", name); Prop(file, "folderPath", folder);
                        Prop(file, "threatFamily", Str(r, "ThreatFamily"));
                        Add(into, file);
                        if (type == "process") Add(into, EvidenceFactory.Make(EntityType.Process, name ?? sha ?? folder, "anon:process:" + fileKey));
                    }
                    if (type == "blob") Add(into, Anon(EntityType.Url, "Url", Val(r, "Url")));
                    break;
                }
                case "registrykey":
                    Add(into, Anon(EntityType.RegistryKey, "RegistryKey", Val(r, "RegistryKey")));
                    break;
                case "registryvalue":
                {
                    string? k = Val(r, "RegistryKey");
                    if (k == null) break;
                    var ev = EvidenceFactory.Make(EntityType.RegistryValue, k + "\\" + (Val(r, "RegistryValueName") ?? "(default)"),
                        "anon:registrykey:" + k + "\\" + (Val(r, "RegistryValueName") ?? "(default)"));
                    Prop(ev, "valueData", Val(r, "RegistryValueData"));
                    Add(into, ev);
                    break;
                }
                case "cloudapplication":
                    Add(into, Val(r, "ApplicationId") != null
                        ? Anon(EntityType.CloudApplication, "ApplicationId", Val(r, "ApplicationId"), Val(r, "ApplicationName"))
                        : Anon(EntityType.CloudApplication, "ApplicationName", Val(r, "ApplicationName")));
                    break;
                case "oauthapplication":
                    Add(into, Anon(EntityType.OAuthApplication, "OAuthApplicationId", Val(r, "OAuthApplicationId"), Val(r, "ApplicationName")));
                    break;
                case "azureresource":
                    Add(into, Anon(EntityType.CloudResource, "ResourceIdName", Val(r, "ResourceIdName")));
                    break;
                case "malware":
                    Add(into, EvidenceFactory.Simple(EntityType.Malware, Str(r, "ThreatFamily"), Str(r, "ThreatFamily")));
                    break;
                // CloudLogonRequest, CloudLogonSession, GenericEntity: no identifying column in the dataset.
            }
            string? role = Str(r, "EvidenceRole");
            string? verdict = Str(r, "LastVerdict");
            foreach (var ev in into)
            {
                if (role != null && ev.Roles.Length == 0) ev.Roles = new[] { role };
                ev.Verdict ??= verdict;
                Prop(ev, "suspicionLevel", Str(r, "SuspicionLevel"));
                Prop(ev, "guideEntityType", Str(r, "EntityType"));
            }
        }
    }
}
