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
    /// AWS Security Hub findings in the AWS Security Finding Format (ASFF): GetFindings responses ({"Findings":[...]},
    /// also under "data" as boto recordings), EventBridge events (detail.findings), arrays and single findings.
    /// GuardDuty's remote IPs come from ProductFields (.../remoteIpDetails/ipAddressV4) or Action; resources become
    /// access keys, users, devices (EC2 instances) and cloud resources.
    /// </summary>
    public sealed class AsffReader : IAlertReader
    {
        public const string Family = "asff";
        public string Format => "AwsSecurityHub";

        public bool Detect(JObject r)
        {
            if (Get(r, "detail.findings") is JArray) return true;
            return Get(r, "SchemaVersion") != null && Get(r, "ProductArn") != null && Get(r, "Id") != null
                   && (Get(r, "AwsAccountId") != null || Get(r, "Resources") != null);
        }

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            if (Get(record, "detail.findings") is JArray findings)
            {
                foreach (var f in findings)
                {
                    if (f is not JObject fo) throw new RecordFormatException($"detail.findings holds a JSON {f.Type}, not a finding");
                    yield return ForFinding(Map(fo), location, fo);
                }
                yield break;
            }
            yield return ForFinding(Map(record), location, record);
        }

        static ReadItem ForFinding(Alert alert, RecordLocation location, JObject original)
            => ReadItem.ForAlert(alert, AwsFindingFamily(alert.ProviderAlertId, Family), location, original);

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        /// <summary>"TTPs/Defense Evasion/Stealth:IAMUser-..." → "DefenseEvasion" (ASFF finding type taxonomy).</summary>
        internal static string? TypeTactic(string? type)
        {
            if (type == null) return null;
            var parts = type.Split('/');
            if (parts.Length >= 2 && parts[0].Equals("TTPs", StringComparison.OrdinalIgnoreCase)) return Tactic(parts[1]) ?? PascalWords(parts[1]);
            if (parts.Length >= 2 && parts[0].Equals("Effects", StringComparison.OrdinalIgnoreCase)) return Tactic(parts[1]);
            return null;
        }

        public Alert Map(JObject f)
        {
            string id = Text(f, "Id") ?? throw new RecordFormatException("missing required field 'Id'");
            string title = Text(f, "Title") ?? throw new RecordFormatException($"finding '{id}' has no 'Title'");
            var pf = Obj(f, "ProductFields");
            var types = StrArray(f, "Types").Concat(StrArray(f, "FindingProviderFields.Types")).Distinct().ToArray();
            string? product = Str(f, "ProductName") ?? Str(pf, "aws/securityhub/ProductName") ?? Str(f, "ProductArn")?.Split('/').Last();
            string? generator = Str(f, "GeneratorId");
            string? findingType = types.Select(t => t.Split('/').Last()).FirstOrDefault();
            var alert = new Alert
            {
                ProviderAlertId = id,
                Source = Format,
                TenantId = Str(f, "AwsAccountId") ?? "",
                Title = title,
                Description = Str(f, "Description"),
                Severity = SeverityOf(f, pf),
                Status = ValueMaps.AlertStatus(StatusWord(Str(f, "Workflow.Status") ?? Str(f, "WorkflowState"))),
                Category = Category(types.Select(TypeTactic), false) ?? PascalWords(types.FirstOrDefault()?.Split('/')[0]),
                ServiceSource = PascalWords(product),
                DetectionSource = "AwsSecurityHub",
                DetectorId = generator != null && generator.Contains(":detector/") && findingType != null ? findingType : generator ?? findingType,
            };
            Times(alert, Date(f, "CreatedAt"), Date(f, "FirstObservedAt"), Date(f, "LastObservedAt"), "ASFF finding");
            alert.MitreTechniques = Techniques(types);
            Context(alert, "ProviderStatus", Str(f, "Workflow.Status") ?? Str(f, "WorkflowState"));
            Context(alert, "RecordState", Str(f, "RecordState"));
            Context(alert, "UpdatedAt", Str(f, "UpdatedAt"));
            Context(alert, "Region", Str(f, "Region") ?? Str(Objects(Arr(f, "Resources")).FirstOrDefault(), "Region"));
            Context(alert, "FindingType", findingType);
            Context(alert, "ProviderUrl", Str(f, "SourceUrl"));
            if (Str(f, "Sample") == "True" || Str(f, "Sample") == "true") alert.ProviderContext["Sample"] = "true";

            var ev = alert.Evidence;
            foreach (var res in Objects(Arr(f, "Resources"))) MapResource(res, ev);
            // GuardDuty (and others) flatten the action into ProductFields: ".../remoteIpDetails/ipAddressV4".
            if (pf != null)
                foreach (var p in pf.Properties())
                {
                    string n = p.Name.ToLowerInvariant();
                    if (n.EndsWith("ipaddressv4") || n.EndsWith("ipaddressv6"))
                    {
                        string role = n.Contains("remoteip") ? "remote" : n.Contains("localip") ? "local" : "related";
                        var ip = EvidenceFactory.Ip(AsString(p.Value));
                        string prefix = p.Name.Substring(0, p.Name.LastIndexOf('/') + 1);
                        Prop(ip, "asnOrg", Str(pf, prefix + "organization/asnOrg"));
                        Prop(ip, "country", Str(pf, prefix + "country/countryName"));
                        Prop(ip, "city", Str(pf, prefix + "city/cityName"));
                        Add(ev, ip, role);
                    }
                    else if (n.EndsWith("/domain") || n.EndsWith("dnsrequestaction/domain"))
                        Add(ev, EvidenceFactory.DomainName(AsString(p.Value)));
                }
            // Newer ASFF: Action.*.RemoteIpDetails, Network, Process, Malware, Threats.
            var action = Obj(f, "Action");
            if (action != null)
                foreach (var kind in action.Properties().Select(p => p.Value).OfType<JObject>())
                {
                    Add(ev, EvidenceFactory.Ip(Str(kind, "RemoteIpDetails.IpAddressV4")), "remote");
                    Add(ev, EvidenceFactory.DomainName(Str(kind, "Domain")));
                }
            var net = Obj(f, "Network");
            if (net != null)
            {
                Add(ev, EvidenceFactory.Ip(First(net, "SourceIpV4", "SourceIpV6")), "source");
                Add(ev, EvidenceFactory.Ip(First(net, "DestinationIpV4", "DestinationIpV6")), "destination");
                Add(ev, EvidenceFactory.DomainName(Str(net, "SourceDomain")), "source");
                Add(ev, EvidenceFactory.DomainName(Str(net, "DestinationDomain")), "destination");
            }
            var proc = Obj(f, "Process");
            if (proc != null)
            {
                Add(ev, EvidenceFactory.Process(Str(proc, "Name") ?? FileName(Str(proc, "Path")), Str(proc, "Path"), null, Str(proc, "Pid"), Str(proc, "LaunchedAt")));
                Add(ev, FileFromPath(Str(proc, "Path")));
            }
            foreach (var m in Objects(Arr(f, "Malware"))) Add(ev, EvidenceFactory.Simple(EntityType.Malware, Str(m, "Name"), Str(m, "Name")));
            foreach (var t in Objects(Arr(f, "Threats")))
                foreach (var fp in Objects(Arr(t, "FilePaths")))
                    Add(ev, FileFromPath(Str(fp, "FilePath"), Str(fp, "Hash")?.Length == 64 ? Str(fp, "Hash") : null));
            Finish(alert);
            return alert;
        }

        static string? StatusWord(string? s)
        {
            switch ((s ?? "").ToUpperInvariant())
            {
                case "NEW": return "new";
                case "NOTIFIED": case "ASSIGNED": case "IN_PROGRESS": return "inProgress";
                case "RESOLVED": case "SUPPRESSED": return "resolved";
                default: return s;
            }
        }

        static Severity SeverityOf(JObject f, JObject? pf)
        {
            string? label = Str(f, "Severity.Label") ?? Str(f, "FindingProviderFields.Severity.Label") ?? Str(pf, "aws/securityhub/SeverityLabel");
            if (label != null) return ValueMaps.Severity(label);
            string? normalized = Str(f, "Severity.Normalized");
            if (normalized != null)
            {
                if (!double.TryParse(normalized, NumberStyles.Float, CultureInfo.InvariantCulture, out double n))
                    throw new RecordFormatException($"field 'Severity.Normalized' has '{Shorten(normalized)}', which is not a number");
                // ASFF: 0 informational, 1–39 low, 40–69 medium, 70–89 high, 90–100 critical.
                return n == 0 ? Severity.Informational : n < 40 ? Severity.Low : n < 70 ? Severity.Medium : Severity.High;
            }
            return Severity.Unknown;
        }

        static void MapResource(JObject res, List<Evidence> ev)
        {
            string type = Str(res, "Type") ?? "";
            string? rid = Str(res, "Id");
            var details = Obj(res, "Details");
            switch (type)
            {
                case "AwsIamAccessKey":
                {
                    var k = Obj(details, "AwsIamAccessKey");
                    OcsfReader.AddResourceUid(ev, rid, Str(k, "AccessKeyId"));
                    var user = EvidenceFactory.User(First(k, "UserName", "PrincipalName"), null, null, null, null);
                    Prop(user, "principalId", Str(k, "PrincipalId"));
                    Prop(user, "principalType", Str(k, "PrincipalType"));
                    Add(ev, user);
                    return;
                }
                case "AwsIamUser":
                    Add(ev, EvidenceFactory.User(Str(details, "AwsIamUser.UserName") ?? rid?.Split('/').Last(), null, null, null, null));
                    break;
                case "AwsEc2Instance":
                {
                    var i = Obj(details, "AwsEc2Instance");
                    string? instanceId = rid?.Split('/').Last();
                    Add(ev, EvidenceFactory.Device(instanceId, null, null, instanceId));
                    foreach (var ip in StrArray(i, "IpV4Addresses").Concat(StrArray(i, "IpV6Addresses"))) Add(ev, EvidenceFactory.Ip(ip));
                    break;
                }
            }
            if (rid == null) return;
            if (type == "AwsEc2Instance" || type == "AwsIamUser") return;
            var e = EvidenceFactory.Simple(EntityType.CloudResource, rid, rid);
            Prop(e, "resourceType", type);
            Prop(e, "region", Str(res, "Region"));
            Add(ev, e);
        }
    }
}
