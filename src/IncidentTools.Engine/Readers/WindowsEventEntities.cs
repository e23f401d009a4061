using System;
using System.Collections.Generic;
using System.Linq;
using IncidentTools.Normalisation;
using static IncidentTools.Readers.ReaderCommon;

namespace IncidentTools.Readers
{
    /// <summary>
    /// Entities of a Windows event (Security, Sysmon, PowerShell), from its EventData field names; shared by the
    /// Sigma-over-EVTX readers (Hayabusa, Chainsaw). Hayabusa's abbreviated Details names are translated first.
    /// </summary>
    internal static class WindowsEventEntities
    {
        static readonly Dictionary<string, string> HayabusaNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["CmdLine"] = "CommandLine", ["Cmdline"] = "CommandLine", ["Proc"] = "Image", ["Path"] = "Image", ["PID"] = "ProcessId",
            ["TgtUser"] = "TargetUserName", ["SrcUser"] = "SubjectUserName", ["SrcIP"] = "SourceIp", ["TgtIP"] = "DestinationIp",
            ["SrcComp"] = "WorkstationName", ["SrcHost"] = "SourceHostname", ["TgtHost"] = "DestinationHostname",
            ["ParentCmdline"] = "ParentCommandLine", ["ParentCmdLine"] = "ParentCommandLine", ["ParentPID"] = "ParentProcessId",
            ["TgtObj"] = "TargetObject", ["TgtFile"] = "TargetFilename", ["Svc"] = "ServiceName", ["Img"] = "ImageLoaded",
            ["SrcPort"] = "SourcePort", ["TgtPort"] = "DestinationPort", ["LID"] = "LogonId", ["Hash"] = "Hashes",
        };

        public static Dictionary<string, string> FromHayabusa(IEnumerable<KeyValuePair<string, string>> details)
        {
            var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var kv in details)
            {
                string name = HayabusaNames.TryGetValue(kv.Key, out var n) ? n : kv.Key;
                if (!d.ContainsKey(name)) d[name] = kv.Value;
            }
            return d;
        }

        static string? V(Dictionary<string, string> d, string name)
            => d.TryGetValue(name, out var v) && !EntityNormaliser.IsPlaceholder(v) ? v.Trim() : null;

        public static void Map(Dictionary<string, string> d, string? computer, List<Evidence> into)
        {
            Add(into, EvidenceFactory.Device(computer, null, null, computer));
            string? device = computer == null ? null : EntityNormaliser.Lower(computer);

            // Accounts.
            Add(into, UserFromText(V(d, "User")));
            Add(into, UserFromText(V(d, "ParentUser")), "parent");
            AddAccount(into, V(d, "TargetUserName"), V(d, "TargetDomainName"), V(d, "TargetUserSid"), "target");
            AddAccount(into, V(d, "SubjectUserName"), V(d, "SubjectDomainName"), V(d, "SubjectUserSid"), "subject");
            Add(into, EvidenceFactory.Device(V(d, "WorkstationName"), null, null, V(d, "WorkstationName")), "source");

            // Processes and their image files.
            string? image = V(d, "Image") ?? V(d, "NewProcessName") ?? V(d, "ProcessName");
            string? cmd = V(d, "CommandLine");
            if (image != null || cmd != null)
            {
                var p = EvidenceFactory.Process(FileName(image) ?? FileName(cmd), cmd, device, V(d, "ProcessId") ?? V(d, "NewProcessId"), V(d, "UtcTime"));
                Prop(p, "processId", V(d, "ProcessId") ?? V(d, "NewProcessId"));
                Prop(p, "imagePath", image);
                Add(into, p);
                var h = Hashes(V(d, "Hashes"));
                Add(into, FileFromPath(image, h.sha256, h.sha1, h.md5));
            }
            string? parentImage = V(d, "ParentImage") ?? V(d, "ParentProcessName");
            string? parentCmd = V(d, "ParentCommandLine");
            if (parentImage != null || parentCmd != null)
            {
                var p = EvidenceFactory.Process(FileName(parentImage) ?? FileName(parentCmd), parentCmd ?? parentImage, device, null, null);
                Prop(p, "processId", V(d, "ParentProcessId"));
                Add(into, p, "parent");
                Add(into, FileFromPath(parentImage), "parent");
            }

            // Network.
            foreach (var name in new[] { "SourceIp", "SourceAddress", "IpAddress", "ClientAddress" })
                Add(into, EvidenceFactory.Ip(V(d, name)), "source");
            foreach (var name in new[] { "DestinationIp", "DestAddress" })
                Add(into, EvidenceFactory.Ip(V(d, name)), "destination");
            foreach (var name in new[] { "DestinationHostname", "SourceHostname", "QueryName" })
            {
                string? host = V(d, name);
                if (host != null && host.Contains('.')) Add(into, EvidenceFactory.DomainName(host));
            }

            // Files, scripts, services, registry.
            foreach (var name in new[] { "TargetFilename", "ImageLoaded", "ServiceFileName", "ImagePath" })
                Add(into, FileFromPath(V(d, name)?.Trim('"')));
            string? script = V(d, "ScriptBlockText") != null ? V(d, "Path") : null;
            if (script != null && d.ContainsKey("ScriptBlockText")) Add(into, FileFromPath(script));
            string? target = V(d, "TargetObject");
            if (target != null)
            {
                string et = V(d, "EventType") ?? "";
                int cut = target.LastIndexOf('\\');
                if (et.Contains("SetValue") || (V(d, "Details") != null && cut > 0))
                    Add(into, EvidenceFactory.RegistryValue(null, target.Substring(0, cut), target.Substring(cut + 1), V(d, "Details")));
                else Add(into, EvidenceFactory.RegistryKey(null, target));
            }
        }

        static void AddAccount(List<Evidence> into, string? name, string? domain, string? sid, string role)
        {
            if (sid == "S-1-0-0") sid = null; // the NULL SID: no account
            if (name == null && sid == null) return;
            Add(into, EvidenceFactory.User(name, null, sid, null, domain), role);
        }
    }
}
