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
    /// Google SecOps (Chronicle) rule detections (type RULE_DETECTION): the detection's rule is the title, its
    /// severity label the severity; entities come from the UDM event(s) — principal, src, target, about,
    /// intermediary nouns (hostnames, IPs, users, files, processes, registry, URLs) and network DNS/email.
    /// Both the Elastic-integration shape ({detection:{...}, event:{...}}) and the API shape
    /// ({detection:[{...}], collectionElements:[{references:[{event}]}]}) are read.
    /// </summary>
    public sealed class GoogleSecOpsReader : IAlertReader
    {
        public const string Family = "googlesecops";
        public string Format => "GoogleSecOps";

        public bool Detect(JObject r)
            => (Str(r, "type") ?? "").EndsWith("_DETECTION", StringComparison.OrdinalIgnoreCase)
               && Get(r, "detection") != null && Get(r, "id") != null;

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            yield return ReadItem.ForAlert(Map(record), Family, location, record);
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        public Alert Map(JObject r)
        {
            string id = Text(r, "id") ?? throw new RecordFormatException("missing required field 'id'");
            var dt = Get(r, "detection");
            var det = dt as JObject ?? (dt as JArray)?.OfType<JObject>().FirstOrDefault()
                ?? throw new RecordFormatException($"detection '{id}': field 'detection' is not an object or a list of objects");
            string title = Text(det, "ruleName") ?? throw new RecordFormatException($"detection '{id}' has no 'detection.ruleName'");
            var labels = Objects(Arr(det, "ruleLabels")).ToDictionary(l => Str(l, "key") ?? "", l => Str(l, "value"), StringComparer.OrdinalIgnoreCase);
            labels.TryGetValue("severity", out var sev);
            labels.TryGetValue("tactic", out var tactic);
            labels.TryGetValue("technique", out var technique);
            var alert = new Alert
            {
                ProviderAlertId = id,
                Source = Format,
                TenantId = "",
                Title = title,
                Description = Str(det, "description"),
                Severity = ValueMaps.Severity(sev ?? Str(det, "severity")),
                Status = string.Equals(Str(det, "alertState"), "ALERTING", StringComparison.OrdinalIgnoreCase) ? AlertStatus.New : AlertStatus.Unknown,
                Category = Category(new[] { tactic }, false),
                MitreTechniques = Techniques(new[] { technique, tactic }),
                ServiceSource = "GoogleSecOps",
                DetectionSource = PascalWords(Str(det, "ruleType")),
                DetectorId = Str(det, "ruleId"),
            };
            Times(alert, Date(r, "createdTime") ?? Date(r, "detectionTime"), Date(r, "timeWindow.startTime") ?? Date(r, "detectionTime"),
                Date(r, "timeWindow.endTime") ?? Date(r, "detectionTime"), "Google SecOps detection");
            Context(alert, "RuleVersion", Str(det, "ruleVersion"));
            Context(alert, "ProviderUrl", Str(det, "urlBackToProduct"));
            Context(alert, "RiskScore", Str(det, "riskScore"));

            var events = new List<JObject>();
            if (Obj(r, "event") is JObject e) events.Add(e);
            foreach (var ce in Objects(Arr(r, "collectionElements")))
                foreach (var rf in Objects(Arr(ce, "references")))
                    if (Obj(rf, "event") is JObject ee) events.Add(ee);
            foreach (var udm in events)
            {
                MapNoun(Obj(udm, "principal"), alert.Evidence, "principal");
                MapNoun(Obj(udm, "src"), alert.Evidence, "source");
                MapNoun(Obj(udm, "target"), alert.Evidence, "target");
                foreach (var n in Objects(Arr(udm, "about")).Concat(Objects(Arr(udm, "intermediary")))) MapNoun(n, alert.Evidence, "related");
                var net = Obj(udm, "network");
                Add(alert.Evidence, EvidenceFactory.DomainName(Str(net, "dnsDomain")));
                foreach (var q in Objects(Arr(net, "dns.questions"))) Add(alert.Evidence, EvidenceFactory.DomainName(Str(q, "name")));
                Add(alert.Evidence, EvidenceFactory.Mailbox(Str(net, "email.from"), null), "sender");
                foreach (var to in StrArray(net, "email.to")) Add(alert.Evidence, EvidenceFactory.Mailbox(to, null), "recipient");
            }
            Finish(alert);
            return alert;
        }

        static void MapNoun(JObject? n, List<Evidence> ev, string role)
        {
            if (n == null) return;
            string? host = Str(n, "hostname") ?? Str(n, "asset.hostname");
            Add(ev, EvidenceFactory.Device(host, null, null, host), role);
            if (Str(n, "asset.hostname") is string ah && ah != host) Add(ev, EvidenceFactory.Device(ah, null, null, ah), role);
            foreach (var ip in StrArray(n, "ip").Concat(StrArray(n, "asset.ip")).Distinct()) Add(ev, EvidenceFactory.Ip(ip), role);
            var u = Obj(n, "user");
            if (u != null)
            {
                string? email = StrArray(u, "emailAddresses").FirstOrDefault();
                var user = EvidenceFactory.User(Str(u, "userid") ?? email, email, Str(u, "windowsSid"), Str(u, "productObjectId"), null);
                Prop(user, "displayName", Str(u, "userDisplayName"));
                Add(ev, user, role);
            }
            var f = Obj(n, "file");
            if (f != null) Add(ev, FileFromPath(Str(f, "fullPath"), Str(f, "sha256"), Str(f, "sha1"), Str(f, "md5")), role);
            var p = Obj(n, "process");
            for (int depth = 0; p != null && depth < 8; depth++, p = Obj(p, "parentProcess"))
            {
                var pf = Obj(p, "file");
                string? path = Str(pf, "fullPath");
                string? cmd = Str(p, "commandLine");
                string prole = depth == 0 ? role : "parent";
                Add(ev, EvidenceFactory.Process(StrArray(pf, "names").FirstOrDefault() ?? FileName(path ?? cmd), cmd, host, Str(p, "pid"), null), prole);
                if (pf != null) Add(ev, FileFromPath(path ?? StrArray(pf, "names").FirstOrDefault(), Str(pf, "sha256"), Str(pf, "sha1"), Str(pf, "md5")), prole);
            }
            var reg = Obj(n, "registry");
            if (reg != null)
            {
                if (Str(reg, "registryValueName") != null)
                    Add(ev, EvidenceFactory.RegistryValue(null, Str(reg, "registryKey"), Str(reg, "registryValueName"), Str(reg, "registryValueData")), role);
                else Add(ev, EvidenceFactory.RegistryKey(null, Str(reg, "registryKey")), role);
            }
            Add(ev, EvidenceFactory.Url(Str(n, "url")), role);
            var res = Obj(n, "resource");
            if (res != null) Add(ev, EvidenceFactory.Simple(EntityType.CloudResource, Str(res, "name"), Str(res, "productObjectId") ?? Str(res, "name")), role);
        }
    }
}
