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
    /// Elastic Security detection alerts (.alerts-security.alerts-* documents, as exported or as search hits'
    /// _source), with dotted ("kibana.alert.rule.name") and nested keys mixed; the older .siem-signals form
    /// (signal.rule.*) too. ECS host/user/process/source/destination/file/dns/url fields become entities,
    /// threat[] (or kibana.alert.rule.threat) the MITRE tactic and techniques.
    /// </summary>
    public sealed class ElasticAlertReader : IAlertReader
    {
        public const string Family = "elastic";
        public string Format => "ElasticSecurity";

        public bool Detect(JObject r)
        {
            var src = Source(r);
            return Get(src, "kibana.alert.rule.name") != null || Get(src, "kibana.alert.uuid") != null
                   || (Get(src, "signal.rule.name") != null && Get(src, "@timestamp") != null);
        }

        static JObject Source(JObject r) => Get(r, "_source") is JObject s && Get(r, "_index") != null ? s : r;

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            yield return ReadItem.ForAlert(Map(record), Family, location, record);
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        public Alert Map(JObject record)
        {
            var r = Source(record);
            string title = First(r, "kibana.alert.rule.name", "signal.rule.name")
                ?? throw new RecordFormatException("missing required field 'kibana.alert.rule.name'");
            var original = Date(r, "kibana.alert.original_time") ?? Date(r, "signal.original_time");
            var timestamp = Date(r, "@timestamp");
            var created = Date(r, "kibana.alert.start") ?? timestamp;
            string? id = First(r, "kibana.alert.uuid", "signal.uuid") ?? (record != r ? Str(record, "_id") : null);
            var threat = Objects(Arr(r, "threat")).ToList();
            if (threat.Count == 0) threat = Objects(Arr(r, "kibana.alert.rule.threat")).Concat(Objects(Arr(r, "signal.rule.threat"))).ToList();
            var alert = new Alert
            {
                ProviderAlertId = id ?? ValueMaps.DerivedId("elastic", title, ValueMaps.Instant(timestamp), Str(r, "host.name"), Str(r, "event.id")),
                Source = Format,
                TenantId = First(r, "organization.id", "cloud.account.id") ?? "",
                Title = title,
                Description = First(r, "kibana.alert.reason", "signal.reason", "kibana.alert.rule.description", "rule.description"),
                Severity = ValueMaps.Severity(First(r, "kibana.alert.severity", "signal.rule.severity", "kibana.alert.rule.severity")),
                Status = ValueMaps.AlertStatus(First(r, "kibana.alert.workflow_status", "signal.status")),
                Category = Category(threat.Select(t => Str(t, "tactic.name")), false),
                MitreTechniques = Techniques(threat.SelectMany(t => Objects(Arr(t, "technique")))
                    .SelectMany(t => new[] { Str(t, "id") }.Concat(Objects(Arr(t, "subtechnique")).Select(s => Str(s, "id"))))),
                ServiceSource = "ElasticSecurity",
                DetectionSource = PascalWords(First(r, "kibana.alert.original_event.module", "event.module") ?? First(r, "kibana.alert.rule.type")),
                DetectorId = First(r, "kibana.alert.rule.rule_id", "signal.rule.rule_id", "kibana.alert.rule.uuid"),
            };
            if (alert.Severity == Severity.Unknown && Str(r, "kibana.alert.risk_score") is string rs
                && double.TryParse(rs, NumberStyles.Float, CultureInfo.InvariantCulture, out double score))
                alert.Severity = SeverityFromScore(score);
            Times(alert, created, original ?? timestamp, Date(r, "event.end") ?? original ?? timestamp, "Elastic alert");
            Context(alert, "RiskScore", Str(r, "kibana.alert.risk_score"));
            Context(alert, "ProviderStatus", Str(r, "kibana.alert.workflow_status"));
            Context(alert, "AlertUrl", Str(r, "kibana.alert.url"));
            Context(alert, "EndpointRuleId", Str(r, "rule.id"));
            Context(alert, "EndpointRuleName", Str(r, "rule.name"));
            var assignees = StrArray(r, "kibana.alert.workflow_assignee_ids");
            if (assignees.Length > 0) Context(alert, "ProviderAssignedTo", string.Join(";", assignees));
            var tags = StrArray(r, "kibana.alert.workflow_tags");
            if (tags.Length > 0) Context(alert, "ProviderTags", string.Join(";", tags));

            var ev = alert.Evidence;
            string? hostName = First(r, "host.name", "host.hostname");
            var device = EvidenceFactory.Device(hostName, null, null, hostName);
            Prop(device, "hostId", Str(r, "host.id"));
            Prop(device, "os", Str(r, "host.os.full") ?? Str(r, "host.os.name"));
            Add(ev, device);
            foreach (var ip in StrArray(r, "host.ip")) Add(ev, EvidenceFactory.Ip(ip), "host");
            AddUser(ev, r, "user", null);
            AddProcess(ev, Obj(r, "process"), hostName, null);
            AddProcess(ev, Obj(r, "process.parent"), hostName, "parent");
            Add(ev, EvidenceFactory.Ip(Str(r, "source.ip")), "source");
            Add(ev, EvidenceFactory.Ip(Str(r, "destination.ip")), "destination");
            Add(ev, EvidenceFactory.DomainName(Str(r, "source.domain")), "source");
            Add(ev, EvidenceFactory.DomainName(Str(r, "destination.domain")), "destination");
            Add(ev, EvidenceFactory.DomainName(Str(r, "dns.question.name")));
            Add(ev, EvidenceFactory.Url(Str(r, "url.full") ?? Str(r, "url.original")));
            var file = Obj(r, "file");
            if (file != null) Add(ev, FileFromPath(Str(file, "path") ?? Str(file, "name"), Str(file, "hash.sha256"), Str(file, "hash.sha1"), Str(file, "hash.md5")));
            string? regPath = Str(r, "registry.path");
            if (regPath != null)
            {
                if (Str(r, "registry.value") is string value && Str(r, "registry.key") is string key)
                    Add(ev, EvidenceFactory.RegistryValue(Str(r, "registry.hive"), key, value, Str(r, "registry.data.strings")));
                else Add(ev, EvidenceFactory.RegistryKey(null, regPath));
            }
            AddUser(ev, r, "source.user", "source");
            AddUser(ev, r, "destination.user", "destination");
            foreach (var to in StrArray(r, "email.to.address")) Add(ev, EvidenceFactory.Mailbox(to, null), "recipient");
            foreach (var from in StrArray(r, "email.from.address")) Add(ev, EvidenceFactory.Mailbox(from, null), "sender");
            Add(ev, EvidenceFactory.Simple(EntityType.CloudResource, Str(r, "cloud.instance.name") ?? Str(r, "cloud.instance.id"), Str(r, "cloud.instance.id")));
            Finish(alert);
            return alert;
        }

        static void AddUser(List<Evidence> ev, JObject r, string prefix, string? role)
        {
            string? name = Str(r, prefix + ".name");
            string? email = Str(r, prefix + ".email");
            string? domain = Str(r, prefix + ".domain");
            string? id = Str(r, prefix + ".id");
            var u = EvidenceFactory.User(name ?? email, email, id != null && id.StartsWith("S-1-") ? id : null, null, domain);
            Prop(u, "uid", id);
            if (role != null) Add(ev, u, role); else Add(ev, u);
        }

        static void AddProcess(List<Evidence> ev, JObject? p, string? host, string? role)
        {
            if (p == null) return;
            string? exe = Str(p, "executable");
            string? cmd = Str(p, "command_line") ?? (StrArray(p, "args") is string[] a && a.Length > 0 ? string.Join(" ", a) : null);
            var proc = EvidenceFactory.Process(Str(p, "name") ?? FileName(exe), cmd, host, Str(p, "pid"), Str(p, "start"));
            Prop(proc, "processId", Str(p, "pid"));
            Prop(proc, "entityId", Str(p, "entity_id"));
            var file = FileFromPath(exe, Str(p, "hash.sha256"), Str(p, "hash.sha1"), Str(p, "hash.md5"));
            if (role != null) { Add(ev, proc, role); Add(ev, file, role); }
            else { Add(ev, proc); Add(ev, file); }
        }
    }
}
