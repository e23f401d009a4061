using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using IncidentTools.Normalisation;
using Newtonsoft.Json.Linq;
using static IncidentTools.Readers.JsonValues;
using static IncidentTools.Readers.ReaderCommon;

namespace IncidentTools.Readers
{
    /// <summary>
    /// Wazuh alerts (alerts.json lines, or an indexer hit's _source): rule.description is the title, rule.level
    /// (0–15) the severity, rule.mitre the tactic and techniques; agent.* is the device; data.srcip/dstip/srcuser/
    /// dstuser, Windows eventdata, syscheck and osquery columns become entities.
    /// </summary>
    public sealed class WazuhReader : IAlertReader
    {
        public const string Family = "wazuh";
        public string Format => "Wazuh";

        public bool Detect(JObject r)
        {
            var s = Source(r);
            return Get(s, "rule.level") != null && Get(s, "rule.description") != null && (Get(s, "agent") != null || Get(s, "manager") != null);
        }

        static JObject Source(JObject r) => Get(r, "_source") is JObject s && Get(r, "_index") != null ? s : r;

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            yield return ReadItem.ForAlert(Map(record), Family, location, record);
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        /// <summary>Wazuh levels: 0–3 notices, 4–7 low-relevance errors and attacks, 8–11 first-seen/multiple errors/integrity, 12–15 high-importance and severe attacks.</summary>
        public static Severity Level(JToken? level)
        {
            if (level == null || level.Type == JTokenType.Null) return Severity.Unknown;
            string s = AsString(level) ?? "";
            if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 0 || n > 16)
                throw new RecordFormatException($"field 'rule.level' has '{Shorten(s)}', which is not a Wazuh level (0–15)");
            return n <= 3 ? Severity.Informational : n <= 7 ? Severity.Low : n <= 11 ? Severity.Medium : Severity.High;
        }

        public Alert Map(JObject record)
        {
            var r = Source(record);
            var rule = Obj(r, "rule") ?? throw new RecordFormatException("missing required field 'rule'");
            string title = Text(rule, "description") ?? throw new RecordFormatException("missing required field 'rule.description'");
            var time = Date(r, "timestamp") ?? Date(r, "@timestamp") ?? throw new RecordFormatException("missing required field 'timestamp'");
            string? agentName = Str(r, "agent.name");
            var alert = new Alert
            {
                ProviderAlertId = Str(r, "id") ?? ValueMaps.DerivedId("wazuh", ValueMaps.Instant(Date(r, "timestamp")), Str(r, "agent.id"), Str(rule, "id"), Str(r, "full_log")),
                Source = Format,
                TenantId = "",
                Title = title,
                Severity = Level(Get(rule, "level")),
                Status = AlertStatus.New,
                Category = Category(StrArray(rule, "mitre.tactic"), false),
                MitreTechniques = Techniques(StrArray(rule, "mitre.id")),
                ServiceSource = "Wazuh",
                DetectionSource = PascalWords(Str(r, "decoder.name") ?? Str(r, "location")),
                DetectorId = Str(rule, "id"),
                Description = Str(r, "full_log"),
            };
            Times(alert, time, time, time, "Wazuh alert");
            Context(alert, "RuleLevel", Str(rule, "level"));
            Context(alert, "RuleGroups", string.Join(";", StrArray(rule, "groups")));
            Context(alert, "RuleFiredTimes", Str(rule, "firedtimes"));
            Context(alert, "Manager", Str(r, "manager.name"));
            Context(alert, "Location", Str(r, "location"));
            Context(alert, "AgentId", Str(r, "agent.id"));

            var ev = alert.Evidence;
            var device = EvidenceFactory.Device(agentName, null, null, agentName);
            Prop(device, "agentId", Str(r, "agent.id"));
            Add(ev, device);
            Add(ev, EvidenceFactory.Ip(Str(r, "agent.ip")), "agent");
            var data = Obj(r, "data");
            Add(ev, EvidenceFactory.Ip(Str(data, "srcip")), "source");
            Add(ev, EvidenceFactory.Ip(Str(data, "dstip")), "destination");
            Add(ev, UserFromText(Str(data, "srcuser")), "source");
            Add(ev, UserFromText(Str(data, "dstuser")), "destination");
            Add(ev, EvidenceFactory.Url(Str(data, "url") is string u && u.Contains("://") ? u : null));
            // Windows event channel (data.win.system / data.win.eventdata: camelCase Sysmon/Security names).
            var win = Obj(data, "win");
            if (win != null)
            {
                var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var p in Obj(win, "eventdata")?.Properties() ?? Enumerable.Empty<JProperty>()) d[p.Name] = AsString(p.Value) ?? "";
                string? computer = Str(win, "system.computer");
                WindowsEventEntities.Map(d, computer, ev);
            }
            // File integrity monitoring.
            var sc = Obj(r, "syscheck");
            if (sc != null) Add(ev, FileFromPath(Str(sc, "path"), Str(sc, "sha256_after"), Str(sc, "sha1_after"), Str(sc, "md5_after")));
            // osquery results (columns of the query's table).
            var cols = Obj(data, "osquery.columns");
            if (cols != null)
            {
                Add(ev, EvidenceFactory.User(Str(cols, "username") ?? Str(cols, "user"), null, null, null, null));
                string? cmd = Str(cols, "cmdline");
                string? path = Str(cols, "path");
                if (cmd != null || Str(cols, "pid") != null)
                    Add(ev, EvidenceFactory.Process(Str(cols, "name") ?? FileName(path), cmd ?? path, agentName, null, null));
                if (path != null && (cmd != null || Str(cols, "sha256") != null)) Add(ev, FileFromPath(path, Str(cols, "sha256"), Str(cols, "sha1"), Str(cols, "md5")));
                Add(ev, EvidenceFactory.Ip(Str(cols, "remote_address")), "remote");
            }
            Finish(alert);
            return alert;
        }
    }
}
