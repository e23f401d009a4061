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
    /// Defender XDR advanced hunting AlertInfo and AlertEvidence rows (CSV or JSON exports, in one file or two, in any
    /// order) and the streaming API / Event Hub envelope {"category":"AdvancedHunting-AlertInfo","properties":{...}}.
    /// AlertInfo rows become alerts; AlertEvidence rows become evidence for their AlertId, which the importer
    /// attaches to the alert, or keeps pending until the alert arrives. Alert ids are the same as Graph alerts_v2's.
    /// </summary>
    public sealed class AdvancedHuntingReader : IAlertReader
    {
        public string Format => "AdvancedHunting";

        public bool Detect(JObject r)
        {
            var category = Str(r, "category");
            if (category != null && Get(r, "properties") is JObject
                && category.StartsWith("AdvancedHunting-Alert", StringComparison.OrdinalIgnoreCase)) return true;
            if (Get(r, "AlertId") == null || Get(r, "OrgId") != null) return false;
            return IsEvidenceRow(r) || IsInfoRow(r);
        }

        static bool IsEvidenceRow(JObject r) => Get(r, "EntityType") != null && Get(r, "EvidenceRole") != null;
        static bool IsInfoRow(JObject r) => Get(r, "Title") != null && (Get(r, "DetectionSource") != null || Get(r, "ServiceSource") != null || Get(r, "AttackTechniques") != null);

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            var row = record;
            string? table = null;
            string tenant = "";
            if (Str(record, "category") is string category && Get(record, "properties") is JObject props)
            {
                row = props;
                table = category.Substring(category.IndexOf('-') + 1);
                tenant = First(record, "tenantId", "TenantId") ?? "";
                if (!table.Equals("AlertInfo", StringComparison.OrdinalIgnoreCase) && !table.Equals("AlertEvidence", StringComparison.OrdinalIgnoreCase))
                {
                    yield return ReadItem.Skip(location, $"advanced hunting {table} row: not an alert table (only AlertInfo and AlertEvidence are imported)");
                    yield break;
                }
            }
            tenant = Str(row, "TenantId") ?? tenant;
            bool evidence = table != null ? table.Equals("AlertEvidence", StringComparison.OrdinalIgnoreCase) : IsEvidenceRow(row);
            string id = Text(row, "AlertId") ?? throw new RecordFormatException("missing required field 'AlertId'");
            if (evidence)
            {
                var holder = new Alert { ProviderAlertId = id, TenantId = tenant, Source = Format };
                MapEvidence(row, holder.Evidence);
                Finish(holder);
                yield return ReadItem.ForEvidence(holder, GraphAlertReader.Family, location);
                yield break;
            }
            yield return ReadItem.ForAlert(MapInfo(row, id, tenant), GraphAlertReader.Family, location, record);
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        Alert MapInfo(JObject r, string id, string tenant)
        {
            string title = Text(r, "Title") ?? throw new RecordFormatException($"AlertInfo row '{id}' has no 'Title'");
            var time = Date(r, "Timestamp") ?? throw new RecordFormatException($"AlertInfo row '{id}' has no 'Timestamp'");
            var alert = new Alert
            {
                ProviderAlertId = id,
                Source = Format,
                TenantId = tenant,
                Title = title,
                Severity = ValueMaps.Severity(Str(r, "Severity")),
                Status = AlertStatus.Unknown,
                Category = Category(new[] { Str(r, "Category") }),
                MitreTechniques = Techniques(StrArray(r, "AttackTechniques")),
                ServiceSource = PascalWords(Str(r, "ServiceSource")),
                DetectionSource = PascalWords(Str(r, "DetectionSource")),
                DetectorId = Str(r, "DetectorId"),
            };
            Times(alert, time, time, time, "AlertInfo row");
            Context(alert, "MachineGroup", Str(r, "MachineGroup"));
            return alert;
        }

        /// <summary>One AlertEvidence row → its entities (by EntityType, plus whatever identifying columns it has).</summary>
        public static void MapEvidence(JObject r, List<Evidence> into)
        {
            string type = (Str(r, "EntityType") ?? "").ToLowerInvariant();
            string? role = Str(r, "EvidenceRole");
            string? deviceId = Str(r, "DeviceId");
            int before = into.Count;
            switch (type)
            {
                case "machine":
                case "device":
                    Add(into, EvidenceFactory.Device(Str(r, "DeviceName"), deviceId, null, Str(r, "DeviceName")));
                    break;
                case "user":
                    Add(into, EvidenceFactory.User(Str(r, "AccountName"), Str(r, "AccountUpn"), Str(r, "AccountSid"), Str(r, "AccountObjectId"), Str(r, "AccountDomain")));
                    break;
                case "mailbox":
                    Add(into, EvidenceFactory.Mailbox(Str(r, "AccountUpn"), Str(r, "AccountName")));
                    break;
                case "ip":
                    Add(into, EvidenceFactory.Ip(Str(r, "RemoteIP") ?? Str(r, "LocalIP")));
                    break;
                case "url":
                    Add(into, EvidenceFactory.Url(Str(r, "RemoteUrl")));
                    break;
                case "file":
                    AddFile(r, into);
                    break;
                case "process":
                {
                    string? cmd = Str(r, "ProcessCommandLine");
                    JObject? extra;
                    try { extra = Parsed(Get(r, "AdditionalFields")) as JObject; } catch (RecordFormatException) { extra = null; }
                    Add(into, EvidenceFactory.Process(Str(r, "FileName") ?? FileName(cmd), cmd, deviceId, Str(extra, "ProcessId"), Str(extra, "CreationTimeUtc")));
                    AddFile(r, into);
                    break;
                }
                case "registryvalue":
                    Add(into, EvidenceFactory.RegistryValue(null, Str(r, "RegistryKey"), Str(r, "RegistryValueName"), Str(r, "RegistryValueData")));
                    break;
                case "registrykey":
                    Add(into, EvidenceFactory.RegistryKey(null, Str(r, "RegistryKey")));
                    break;
                case "mailmessage":
                    Add(into, EvidenceFactory.Simple(EntityType.MailMessage, Str(r, "EmailSubject") ?? Str(r, "NetworkMessageId"), Str(r, "NetworkMessageId")));
                    Add(into, EvidenceFactory.Mailbox(Str(r, "AccountUpn"), null), "recipient");
                    break;
                case "cloudapplication":
                    Add(into, EvidenceFactory.CloudApplication(Str(r, "Application"), Str(r, "ApplicationId")));
                    break;
                case "oauthapplication":
                    Add(into, EvidenceFactory.Simple(EntityType.OAuthApplication, Str(r, "Application") ?? Str(r, "OAuthApplicationId"), Str(r, "OAuthApplicationId")));
                    break;
                case "malware":
                    Add(into, EvidenceFactory.Simple(EntityType.Malware, Str(r, "ThreatFamily"), Str(r, "ThreatFamily")));
                    break;
            }
            // The columns around the entity (the device it was seen on, the account) are evidence too.
            Add(into, EvidenceFactory.Device(Str(r, "DeviceName"), deviceId, null, Str(r, "DeviceName")));
            if (type != "mailbox" && type != "mailmessage")
                Add(into, EvidenceFactory.User(Str(r, "AccountName"), Str(r, "AccountUpn"), Str(r, "AccountSid"), Str(r, "AccountObjectId"), Str(r, "AccountDomain")));
            Add(into, EvidenceFactory.Ip(Str(r, "LocalIP")), "local");
            Add(into, EvidenceFactory.Ip(Str(r, "RemoteIP")), "remote");
            if (role != null)
                for (int i = before; i < into.Count; i++)
                    if (!into[i].Roles.Contains(role, StringComparer.OrdinalIgnoreCase)) into[i].Roles = new[] { role }.Concat(into[i].Roles).ToArray();
        }

        static void AddFile(JObject r, List<Evidence> into)
        {
            var ev = EvidenceFactory.File(Str(r, "FileName"), Str(r, "FolderPath"), Str(r, "SHA256"), Str(r, "SHA1"), Str(r, "MD5"));
            Prop(ev, "fileSize", Str(r, "FileSize"));
            Prop(ev, "threatFamily", Str(r, "ThreatFamily"));
            Add(into, ev);
        }
    }
}
