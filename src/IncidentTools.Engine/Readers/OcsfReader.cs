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
    /// OCSF findings: Detection Finding (class_uid 2004, OCSF 1.1+) and the older Security Finding (2001, OCSF 1.0).
    /// Mapped by OCSF attribute names (finding_info / finding, severity_id, status_id, attacks, evidences,
    /// observables, resources, actor, device, src/dst endpoints); attributes this reader does not know, and
    /// everything under "unmapped", stay in the original record.
    /// </summary>
    public sealed class OcsfReader : IAlertReader
    {
        public const string Family = "ocsf";
        public string Format => "OcsfFinding";

        public bool Detect(JObject r)
        {
            var cls = Str(r, "class_uid");
            return (cls == "2004" || cls == "2001") && (Get(r, "finding_info") != null || Get(r, "finding") != null || Get(r, "metadata") != null);
        }

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            var alert = Map(record);
            yield return ReadItem.ForAlert(alert, AwsFindingFamily(alert.ProviderAlertId, Family), location, record);
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        public Alert Map(JObject r)
        {
            var clsToken = Get(r, "class_uid") ?? throw new RecordFormatException("missing required field 'class_uid'");
            if (clsToken.Type != JTokenType.Integer && !(clsToken.Type == JTokenType.String && long.TryParse((string)clsToken!, out _)))
                throw new RecordFormatException($"field 'class_uid' is a {clsToken.Type}, not a number");
            string cls = AsString(clsToken)!;
            if (cls != "2004" && cls != "2001") throw new RecordFormatException($"OCSF class {cls} is not a Detection Finding (2004) or Security Finding (2001)");
            var info = Obj(r, "finding_info") ?? Obj(r, "finding");
            var metadata = Obj(r, "metadata");
            string? title = Str(info, "title") ?? Str(r, "message");
            if (title == null) throw new RecordFormatException("the finding has no 'finding_info.title' (or 'finding.title', 'message')");
            string? uid = Str(info, "uid") ?? Str(metadata, "uid");
            var time = Date(r, "time_dt") ?? Date(r, "time");
            var created = Date(info, "created_time_dt") ?? Date(info, "created_time") ?? time;
            var first = Date(info, "first_seen_time_dt") ?? Date(info, "first_seen_time") ?? Date(r, "start_time_dt") ?? Date(r, "start_time");
            var last = Date(info, "last_seen_time_dt") ?? Date(info, "last_seen_time") ?? Date(r, "end_time_dt") ?? Date(r, "end_time");
            var alert = new Alert
            {
                ProviderAlertId = uid ?? ValueMaps.DerivedId("ocsf", cls, title, AsString(Get(r, "time")), Str(metadata, "product.name"),
                    Get(r, "resources")?.ToString(Newtonsoft.Json.Formatting.None), Get(r, "observables")?.ToString(Newtonsoft.Json.Formatting.None)),
                Source = Format,
                TenantId = First(r, "cloud.account.uid", "metadata.tenant_uid") ?? "",
                Title = title,
                Description = Str(info, "desc") ?? Str(r, "message"),
                Severity = SeverityOf(r),
                Status = StatusOf(r),
                ServiceSource = PascalWords(Str(metadata, "product.name")),
                DetectionSource = PascalWords(Str(metadata, "product.feature.name") ?? Str(metadata, "product.vendor_name")),
                DetectorId = First(info, "analytic.uid", "product_uid") ?? Str(metadata, "event_code") ?? Str(info, "analytic.name")
                    ?? StrArray(info, "types").Select(t => t.Split('/').Last()).FirstOrDefault(),
            };
            Times(alert, created, first ?? created, last ?? first ?? created, "OCSF finding");

            var attacks = Objects(Arr(info, "attacks")).Concat(Objects(Arr(r, "attacks"))).ToList();
            var types = StrArray(info, "types");
            alert.Category = Category(attacks.Select(a => Str(a, "tactic.name")).Concat(attacks.SelectMany(a => Objects(Arr(a, "tactics")).Select(t => Str(t, "name"))))
                .Concat(types.Select(AsffReader.TypeTactic)), false) ?? PascalWords(types.FirstOrDefault());
            alert.MitreTechniques = Techniques(attacks.SelectMany(a => new[] { Str(a, "technique.uid"), Str(a, "sub_technique.uid") }));
            Context(alert, "ProviderStatus", Str(r, "status"));
            Context(alert, "ProviderUrl", Str(info, "src_url"));
            Context(alert, "FindingTypes", types.Length > 0 ? string.Join(";", types) : null);
            Context(alert, "CloudProvider", Str(r, "cloud.provider"));
            Context(alert, "CloudRegion", Str(r, "cloud.region"));
            Context(alert, "OcsfVersion", Str(metadata, "version"));

            var ev = alert.Evidence;
            foreach (var e in Objects(Arr(r, "evidences"))) MapObjects(e, ev);
            MapObjects(r, ev);
            foreach (var o in Objects(Arr(r, "observables"))) MapObservable(o, ev);
            foreach (var res in Objects(Arr(r, "resources"))) MapResource(res, ev);
            foreach (var m in Objects(Arr(r, "malware"))) Add(ev, EvidenceFactory.Simple(EntityType.Malware, Str(m, "name"), Str(m, "name")));
            Finish(alert);
            return alert;
        }

        static Severity SeverityOf(JObject r)
        {
            var id = Str(r, "severity_id");
            if (id != null && int.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
            {
                switch (n)
                {
                    case 1: return Severity.Informational;
                    case 2: return Severity.Low;
                    case 3: return Severity.Medium;
                    case 4: case 5: case 6: return Severity.High;
                    case 0: return Severity.Unknown;
                }
            }
            return ValueMaps.Severity(Str(r, "severity"));
        }

        static AlertStatus StatusOf(JObject r)
        {
            switch (Str(r, "status_id"))
            {
                case "1": return AlertStatus.New;
                case "2": return AlertStatus.InProgress;
                case "3": case "4": return AlertStatus.Resolved;
            }
            return ValueMaps.AlertStatus(Str(r, "status") ?? Str(r, "state"));
        }

        /// <summary>The OCSF objects an event or an evidence carries: actor, user, device, endpoints, process, file, url, email, api.</summary>
        static void MapObjects(JObject o, List<Evidence> ev)
        {
            AddUser(ev, Obj(o, "actor.user"), "actor");
            AddUser(ev, Obj(o, "user"), null);
            AddEndpoint(ev, Obj(o, "device"), null, true);
            AddEndpoint(ev, Obj(o, "src_endpoint"), "source", false);
            AddEndpoint(ev, Obj(o, "dst_endpoint"), "destination", false);
            AddProcess(ev, Obj(o, "process"), Obj(o, "device"));
            AddProcess(ev, Obj(o, "actor.process"), Obj(o, "device"));
            AddFile(ev, Obj(o, "file"));
            Add(ev, EvidenceFactory.Url(Str(o, "url.url_string")));
            foreach (var q in new[] { Obj(o, "query"), Obj(o, "dns_query") }) Add(ev, EvidenceFactory.DomainName(Str(q, "hostname")));
            var email = Obj(o, "email");
            if (email != null)
            {
                Add(ev, EvidenceFactory.Mailbox(Str(email, "from"), null), "sender");
                foreach (var to in StrArray(email, "to")) Add(ev, EvidenceFactory.Mailbox(to, null), "recipient");
                Add(ev, EvidenceFactory.Simple(EntityType.MailMessage, Str(email, "subject") ?? Str(email, "uid"), Str(email, "uid") ?? Str(email, "message_uid")));
            }
        }

        static void AddUser(List<Evidence> ev, JObject? u, string? role)
        {
            if (u == null) return;
            string? name = Str(u, "name");
            string? email = Str(u, "email_addr");
            string? upn = name != null && name.Contains('@') ? name : email;
            var e = EvidenceFactory.User(name, upn, Str(u, "uid") is string s && s.StartsWith("S-1-") ? s : null, null, Str(u, "domain"));
            Prop(e, "uid", Str(u, "uid"));
            if (role != null) Add(ev, e, role); else Add(ev, e);
            var cred = Str(u, "credential_uid");
            if (cred != null) Add(ev, EvidenceFactory.Simple(EntityType.AccessKey, cred, cred));
        }

        static void AddEndpoint(List<Evidence> ev, JObject? ep, string? role, bool isDevice)
        {
            if (ep == null) return;
            string? host = Str(ep, "hostname") ?? Str(ep, "name");
            var ip = EvidenceFactory.Ip(Str(ep, "ip"));
            Prop(ip, "country", Str(ep, "location.country"));
            Prop(ip, "asn", Str(ep, "autonomous_system.number"));
            if (role != null) Add(ev, ip, role); else Add(ev, ip);
            if (isDevice || (host != null && Str(ep, "uid") != null))
                Add(ev, EvidenceFactory.Device(host, null, null, host));
            else if (host != null && host.Contains('.'))
                Add(ev, EvidenceFactory.DomainName(host));
            Add(ev, EvidenceFactory.DomainName(Str(ep, "domain")));
        }

        static void AddProcess(List<Evidence> ev, JObject? p, JObject? device)
        {
            if (p == null) return;
            string? cmd = Str(p, "cmd_line");
            var e = EvidenceFactory.Process(Str(p, "name") ?? Str(p, "file.name"), cmd, Str(device, "uid") ?? Str(device, "hostname"), Str(p, "pid"), Str(p, "created_time_dt") ?? Str(p, "created_time"));
            Add(ev, e);
            AddFile(ev, Obj(p, "file"));
            AddUser(ev, Obj(p, "user"), null);
        }

        static void AddFile(List<Evidence> ev, JObject? f)
        {
            if (f == null) return;
            string? s256 = null, s1 = null, m5 = null;
            foreach (var h in Objects(Arr(f, "hashes")))
            {
                string alg = (Str(h, "algorithm") ?? Str(h, "algorithm_id") ?? "").ToUpperInvariant().Replace("-", "");
                string? v = Str(h, "value");
                if (alg == "SHA256" || alg == "3") s256 = v; else if (alg == "SHA1" || alg == "2") s1 = v; else if (alg == "MD5" || alg == "1") m5 = v;
            }
            string? path = Str(f, "path");
            Add(ev, path != null ? FileFromPath(path, s256, s1, m5) : EvidenceFactory.File(Str(f, "name"), Str(f, "parent_folder"), s256, s1, m5));
        }

        static void MapObservable(JObject o, List<Evidence> ev)
        {
            string? value = Str(o, "value");
            if (value == null) return;
            string type = (Str(o, "type") ?? "").ToLowerInvariant();
            switch (Str(o, "type_id"))
            {
                case "1": Add(ev, EvidenceFactory.DomainName(value)); return;
                case "2": Add(ev, EvidenceFactory.Ip(value)); return;
                case "4": Add(ev, UserFromText(value)); return;
                case "5": Add(ev, EvidenceFactory.Mailbox(value, null)); return;
                case "6": Add(ev, EvidenceFactory.Url(value)); return;
                case "7": Add(ev, FileFromPath(value)); return;
                case "8":
                {
                    string v = value.Trim();
                    Add(ev, EvidenceFactory.File(null, null, v.Length == 64 ? v : null, v.Length == 40 ? v : null, v.Length == 32 ? v : null));
                    return;
                }
                case "9": Add(ev, EvidenceFactory.Process(value, null, null, null, null)); return;
                case "10": AddResourceUid(ev, value, null); return;
                case "13": Add(ev, EvidenceFactory.Process(FileName(value), value, null, null, null)); return;
                case "19": Add(ev, EvidenceFactory.Simple(EntityType.AccessKey, value, value)); return;
                case "28": Add(ev, EvidenceFactory.RegistryKey(null, value)); return;
            }
            if (type.Contains("family") || type.Contains("malware name")) Add(ev, EvidenceFactory.Simple(EntityType.Malware, value, value));
        }

        static void MapResource(JObject res, List<Evidence> ev)
        {
            string? uid = Str(res, "uid");
            string? name = Str(res, "name");
            string? type = Str(res, "type");
            var data = Get(res, "data");
            JObject? details = null;
            try { details = Parsed(data) as JObject; } catch (RecordFormatException) { details = null; }
            if (type != null && type.Equals("AwsIamAccessKey", StringComparison.OrdinalIgnoreCase))
            {
                var key = details?["AwsIamAccessKey"] as JObject;
                AddResourceUid(ev, uid ?? name, Str(key, "AccessKeyId"));
                Add(ev, EvidenceFactory.User(First(key, "UserName", "PrincipalName"), null, null, null, null));
                return;
            }
            if (uid == null && name == null) return;
            AddResourceUid(ev, uid ?? name!, null, name, type);
        }

        /// <summary>A resource uid: an access key, an IP address, else a cloud resource (ARN, resource id).</summary>
        internal static void AddResourceUid(List<Evidence> ev, string? uid, string? accessKeyId, string? name = null, string? type = null)
        {
            if (uid == null && accessKeyId == null) return;
            const string prefix = "AWS::IAM::AccessKey:";
            if (accessKeyId != null || (uid != null && uid.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                string key = accessKeyId ?? uid!.Substring(prefix.Length);
                Add(ev, EvidenceFactory.Make(EntityType.AccessKey, key, EntityNormaliser.IsPlaceholder(key) ? null : key.Trim().ToUpperInvariant()));
                return;
            }
            if (uid != null && System.Net.IPAddress.TryParse(uid.Trim(), out var addr)
                && (uid.Count(c => c == '.') == 3 || addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6))
            { Add(ev, EvidenceFactory.Ip(uid)); return; }
            var e = EvidenceFactory.Simple(EntityType.CloudResource, name ?? uid, uid);
            Prop(e, "resourceType", type);
            Add(ev, e);
        }
    }
}
