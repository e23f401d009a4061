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
    /// Suricata EVE JSON (eve.json lines). Only event_type "alert" becomes an alert; flow, dns, tls, http, fileinfo,
    /// stats and other events are skipped and counted. Source/destination IPs and the hostnames and URLs of the
    /// alert's http/tls/dns fields become entities.
    /// </summary>
    public sealed class SuricataReader : IAlertReader
    {
        public const string Family = "suricata";
        public string Format => "SuricataEve";

        public bool Detect(JObject r)
            => Get(r, "event_type") != null && Get(r, "timestamp") != null
               && (Get(r, "flow_id") != null || Get(r, "src_ip") != null || Get(r, "alert") is JObject || Get(r, "stats") != null || Get(r, "in_iface") != null);

        public IEnumerable<ReadItem> Read(JObject r, RecordLocation location)
        {
            string type = Text(r, "event_type") ?? throw new RecordFormatException("missing required field 'event_type'");
            if (!type.Equals("alert", StringComparison.OrdinalIgnoreCase))
            {
                yield return ReadItem.Skip(location, $"Suricata '{type}' event: not an alert");
                yield break;
            }
            yield return ReadItem.ForAlert(Map(r), Family, location, r);
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        public Alert Map(JObject r)
        {
            var a = Obj(r, "alert") ?? throw new RecordFormatException("alert event has no 'alert' object");
            string signature = Text(a, "signature") ?? throw new RecordFormatException("alert event has no 'alert.signature'");
            var time = Date(r, "timestamp") ?? throw new RecordFormatException("alert event has no 'timestamp'");
            string? sid = Str(a, "signature_id");
            var meta = Obj(a, "metadata");
            var alert = new Alert
            {
                ProviderAlertId = ValueMaps.DerivedId("suricata", ValueMaps.Instant(time), Str(r, "flow_id"), Str(r, "pcap_cnt"), Str(a, "gid"), sid, Str(a, "rev"),
                    Str(r, "src_ip"), Str(r, "src_port"), Str(r, "dest_ip"), Str(r, "dest_port"), Str(r, "tx_id"), Str(r, "host")),
                Source = Format,
                TenantId = "",
                Title = signature,
                Severity = SeverityOf(Str(a, "severity")),
                Status = AlertStatus.New,
                Category = Category(StrArray(meta, "mitre_tactic_name").Concat(StrArray(meta, "mitre_tactic_id")), false)
                           ?? CategoryTactic(Str(a, "category")) ?? PascalWords(Str(a, "category")),
                MitreTechniques = Techniques(StrArray(meta, "mitre_technique_id")),
                ServiceSource = "Suricata",
                DetectionSource = "NetworkIds",
                DetectorId = sid == null ? null : Str(a, "gid") + ":" + sid,
                Description = Str(a, "category"),
            };
            Times(alert, time, Date(Obj(r, "flow"), "start") is DateTimeOffset s && s <= time ? s : time, time, "Suricata alert");
            Context(alert, "FlowId", Str(r, "flow_id"));
            Context(alert, "Action", Str(a, "action"));
            Context(alert, "SignatureRevision", Str(a, "rev"));
            Context(alert, "Sensor", Str(r, "host"));
            Context(alert, "MalwareFamily", string.Join(";", StrArray(meta, "malware_family")));
            Context(alert, "SignatureSeverity", string.Join(";", StrArray(meta, "signature_severity")));

            var ev = alert.Evidence;
            Add(ev, EvidenceFactory.Ip(Str(r, "src_ip")), "source");
            Add(ev, EvidenceFactory.Ip(Str(r, "dest_ip")), "destination");
            var http = Obj(r, "http");
            string? host = Str(http, "hostname");
            Add(ev, EvidenceFactory.DomainName(host));
            string? url = Str(http, "url");
            if (url != null) Add(ev, EvidenceFactory.Url(url.Contains("://") ? url : host != null ? "http://" + host + (url.StartsWith("/") ? "" : "/") + url : null));
            var tls = Obj(r, "tls");
            Add(ev, EvidenceFactory.DomainName(Str(tls, "sni")));
            var dns = Obj(r, "dns");
            Add(ev, EvidenceFactory.DomainName(Str(dns, "rrname")));
            foreach (var q in Objects(Arr(dns, "query")).Concat(Objects(Arr(dns, "queries")))) Add(ev, EvidenceFactory.DomainName(Str(q, "rrname")));
            var file = Obj(r, "fileinfo");
            if (file != null) Add(ev, FileFromPath(Str(file, "filename"), Str(file, "sha256"), Str(file, "sha1"), Str(file, "md5")));
            Finish(alert);
            return alert;
        }

        /// <summary>Suricata priority: 1 is the most severe.</summary>
        static Severity SeverityOf(string? s)
        {
            if (s == null) return Severity.Unknown;
            if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
                throw new RecordFormatException($"field 'alert.severity' has '{Shorten(s)}', which is not a number");
            return n <= 1 ? Severity.High : n == 2 ? Severity.Medium : n == 3 ? Severity.Low : Severity.Informational;
        }

        /// <summary>The tactic a classtype most likely stands for (ET/Snort classification.config wording).</summary>
        static string? CategoryTactic(string? category)
        {
            if (category == null) return null;
            string c = category.ToLowerInvariant();
            if (c.Contains("command and control")) return "CommandAndControl";
            if (c.Contains("trojan") || c.Contains("malware")) return "Malware";
            if (c.Contains("exploit") || c.Contains("attempted administrator") || c.Contains("attempted user") || c.Contains("web application attack")) return "InitialAccess";
            if (c.Contains("scan")) return "Discovery";
            if (c.Contains("denial of service")) return "Impact";
            if (c.Contains("information leak")) return "Exfiltration";
            if (c.Contains("credential") || c.Contains("password")) return "CredentialAccess";
            return null;
        }
    }
}
