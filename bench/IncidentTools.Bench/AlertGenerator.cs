using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Bench
{
    /// <summary>What the generator wrote (or found already written) for one size.</summary>
    public sealed class GeneratedFiles
    {
        public int Size { get; set; }
        public string GraphNdjson { get; set; } = "";
        public string GraphJsonArray { get; set; } = "";
        public string SentinelCsv { get; set; } = "";
        public long GraphNdjsonBytes { get; set; }
        public long GraphJsonArrayBytes { get; set; }
        public long SentinelCsvBytes { get; set; }
        public bool Reused { get; set; }
        public double Seconds { get; set; }
    }

    /// <summary>
    /// Writes realistic alerts, deterministically (the same size always gives the same bytes), as Graph alerts_v2
    /// NDJSON, a Graph JSON array, and a Sentinel SecurityAlert CSV. Alerts come in attack stories: one user on
    /// their device hit by 1–6 alerts within hours (what correlation should join), spread over four weeks, with
    /// user, device and IP pools that grow with the size so that entity density, and so incident size, stays the
    /// same at every size. A few percent of records repeat an earlier alert with a newer status, as overlapping
    /// exports do; processes carry SYSTEM and a handful of very common parent images, which correlation must
    /// treat as noise. Everything is written as it is made: memory does not grow with the size.
    /// </summary>
    public static class AlertGenerator
    {
        /// <summary>Bytes per alert, measured on generated files and stores (the floor's, with uncompressed originals, is the larger), used to check free disk before writing.</summary>
        const long GraphBytesPerAlert = 5100, CsvBytesPerAlert = 1400, StoreBytesPerAlert = 10_000;

        public static GeneratedFiles GenerateFiles(int size, string folder)
        {
            if (size < 100) throw new ArgumentException($"The size {size} is too small: give at least 100 alerts.");
            Directory.CreateDirectory(folder);
            var files = new GeneratedFiles
            {
                Size = size,
                GraphNdjson = Path.GetFullPath(Path.Combine(folder, $"graph-alerts-{size}.ndjson")),
                GraphJsonArray = Path.GetFullPath(Path.Combine(folder, $"graph-alerts-{size}.json")),
                SentinelCsv = Path.GetFullPath(Path.Combine(folder, $"sentinel-alerts-{size}.csv")),
            };
            // Files appear under their final names only when complete, so an existing file is a whole one.
            files.Reused = File.Exists(files.GraphNdjson) && File.Exists(files.GraphJsonArray) && File.Exists(files.SentinelCsv);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            if (!files.Reused)
            {
                CheckFreeDisk(folder, size);
                Write(size, files);
            }
            files.Seconds = clock.Elapsed.TotalSeconds;
            files.GraphNdjsonBytes = new FileInfo(files.GraphNdjson).Length;
            files.GraphJsonArrayBytes = new FileInfo(files.GraphJsonArray).Length;
            files.SentinelCsvBytes = new FileInfo(files.SentinelCsv).Length;
            return files;
        }

        /// <summary>The files, plus the stores the benchmark builds from them (floor and product), must fit.</summary>
        static void CheckFreeDisk(string folder, int size)
        {
            long needed = size * (2 * GraphBytesPerAlert + CsvBytesPerAlert + 2 * StoreBytesPerAlert);
            long free = new DriveInfo(Path.GetPathRoot(Path.GetFullPath(folder))!).AvailableFreeSpace;
            if (free < needed * 11 / 10)
                throw new IOException($"Not enough free disk in '{Path.GetFullPath(folder)}' for {size:N0} alerts: about {needed / 1e9:N1} GB is needed for the files and stores, {free / 1e9:N1} GB is free.");
        }

        static void Write(int size, GeneratedFiles files)
        {
            string ndjsonPart = files.GraphNdjson + ".partial", arrayPart = files.GraphJsonArray + ".partial", csvPart = files.SentinelCsv + ".partial";
            var utf8 = new UTF8Encoding(false);
            using (var ndjson = new StreamWriter(ndjsonPart, false, utf8, 1 << 16))
            using (var array = new StreamWriter(arrayPart, false, utf8, 1 << 16))
            using (var csv = new StreamWriter(csvPart, false, utf8, 1 << 16))
            {
                ndjson.NewLine = "\n"; array.NewLine = "\n"; csv.NewLine = "\n";
                array.Write("[\n");
                csv.WriteLine(SentinelCsv.Header);
                int n = 0;
                foreach (var alert in new StoryTeller(size).Alerts())
                {
                    string json = GraphJson.Render(alert).ToString(Formatting.None);
                    ndjson.WriteLine(json);
                    if (n > 0) array.Write(",\n");
                    array.Write(json);
                    csv.WriteLine(SentinelCsv.Row(alert));
                    if (++n == size) break;
                }
                array.Write("\n]\n");
            }
            File.Move(ndjsonPart, files.GraphNdjson, true);
            File.Move(arrayPart, files.GraphJsonArray, true);
            File.Move(csvPart, files.SentinelCsv, true);
        }
    }

    enum EvidenceKind { Device, User, Ip, File, Process, Url, Mailbox, MailMessage, CloudApp, RegistryKey }

    /// <summary>One evidence item, neutral of format: rendered as Graph evidence or as a Sentinel entity.</summary>
    sealed class GeneratedEvidence
    {
        public EvidenceKind Kind;
        public string[] Roles = Array.Empty<string>();
        public string Verdict = "unknown";
        public int User = -1, Device = -1, Ip = -1;
        public FileFacts? File, Parent;
        public string? Text, Text2;
    }

    sealed class FileFacts
    {
        public string Name = "", Folder = "", Sha256 = "", Sha1 = "";
        public long Size;
        public string Publisher = "";
    }

    sealed class GeneratedAlert
    {
        public string Id = "";
        public AlertTemplate Template = null!;
        public string Status = "new";
        public long IncidentNumber;
        public DateTime First, Last, Created, Updated;
        public int User, Device;
        public List<GeneratedEvidence> Evidence = new List<GeneratedEvidence>();
    }

    sealed class AlertTemplate
    {
        public string Title = "", Category = "", Severity = "", ServiceSource = "", DetectionSource = "", DetectorId = "", Technique = "", Kind = "";
        public string SentinelProvider = "";
    }

    /// <summary>The deterministic stream of alerts: attack stories in time order, with repeats.</summary>
    sealed class StoryTeller
    {
        public const string TenantId = "4f2c9a1e-6b3d-4e8f-a1c2-5d6e7f8a9b0c";
        static readonly DateTime Start = new DateTime(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc);
        const double SpanDays = 28;

        readonly int _size, _users, _servers, _ips;
        readonly Random _random = new Random(8);
        readonly Queue<GeneratedAlert> _recent = new Queue<GeneratedAlert>();
        long _serial;

        public StoryTeller(int size)
        {
            _size = size;
            _users = Math.Max(200, size / 3);
            _servers = Math.Max(20, size / 60);
            _ips = Math.Max(400, size / 2);
        }

        public IEnumerable<GeneratedAlert> Alerts()
        {
            int stories = Math.Max(1, (int)(_size / 2.6));
            double meanGap = SpanDays * 24 * 3600 / stories;
            double t = 0;
            while (true)
            {
                t += -Math.Log(1 - _random.NextDouble()) * meanGap;
                var storyStart = Start.AddSeconds(t % (SpanDays * 24 * 3600));
                foreach (var alert in Story(storyStart))
                {
                    yield return alert;
                    Remember(alert);
                    // Overlapping exports: an alert seen earlier comes again, later in its life.
                    if (_recent.Count > 100 && _random.NextDouble() < 0.03)
                        yield return Repeat(_recent.ElementAt(_random.Next(_recent.Count)));
                }
            }
        }

        void Remember(GeneratedAlert alert)
        {
            _recent.Enqueue(alert);
            if (_recent.Count > 2000) _recent.Dequeue();
        }

        static GeneratedAlert Repeat(GeneratedAlert a) => new GeneratedAlert
        {
            Id = a.Id, Template = a.Template, IncidentNumber = a.IncidentNumber, First = a.First, Last = a.Last.AddMinutes(20),
            Created = a.Created, Updated = a.Updated.AddHours(3), User = a.User, Device = a.Device, Evidence = a.Evidence,
            Status = a.Status == "new" ? "inProgress" : "resolved",
        };

        IEnumerable<GeneratedAlert> Story(DateTime start)
        {
            int user = _random.Next(_users);
            // Most stories happen on the user's own workstation; some on a shared server.
            int device = _random.NextDouble() < 0.85 ? user : Entities.FirstServer + _random.Next(_servers);
            int attackerIp = _random.Next(_ips);
            string kind = Pick(new[] { "endpoint", "endpoint", "endpoint", "endpoint", "email", "email", "identity", "identity", "cloudapp" });
            var templates = Templates.ByKind[kind];
            int count = 1;
            while (count < 6 && _random.NextDouble() < 0.55) count++;
            long incident = 10000 + _serial;
            var time = start;
            var storyFile = NewFile(Pick(Templates.MalwareNames), @"C:\Users\" + UserName(user) + @"\AppData\Local\Temp");
            // A story walks through its kind's stages from a random one on: a multi-stage attack.
            int stage = _random.Next(templates.Length);
            for (int i = 0; i < count; i++)
            {
                var template = templates[(stage + i) % templates.Length];
                var first = time.AddSeconds(_random.Next(0, 600));
                var last = first.AddSeconds(_random.Next(0, 1800));
                var alert = new GeneratedAlert
                {
                    Id = "da" + (638700000000000000L + (_serial * 7919) % 999999999L).ToString(CultureInfo.InvariantCulture) + "_" + (-(int)(_serial * 2654435761L % int.MaxValue)).ToString(CultureInfo.InvariantCulture),
                    Template = template, IncidentNumber = incident, First = first, Last = last,
                    Created = last.AddSeconds(_random.Next(30, 300)), User = user, Device = device,
                };
                alert.Updated = alert.Created;
                _serial++;
                AddEvidence(alert, kind, attackerIp, storyFile);
                yield return alert;
                time = last.AddMinutes(_random.Next(5, 180));
            }
        }

        void AddEvidence(GeneratedAlert a, string kind, int attackerIp, FileFacts storyFile)
        {
            var ev = a.Evidence;
            switch (kind)
            {
                case "endpoint":
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Device, Device = a.Device, User = a.User, Roles = new[] { "compromised" }, Verdict = "suspicious" });
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.User, User = a.User, Roles = new[] { "compromised" } });
                    ev.Add(new GeneratedEvidence
                    {
                        Kind = EvidenceKind.Process, User = a.User, Device = a.Device, File = Templates.Tools[_random.Next(Templates.Tools.Length)],
                        Parent = Templates.Parents[_random.Next(Templates.Parents.Length)], Text = "-nop -w hidden -enc " + Token(24),
                    });
                    if (_random.NextDouble() < 0.8) ev.Add(new GeneratedEvidence { Kind = EvidenceKind.File, Device = a.Device, File = storyFile, Verdict = "malicious", Roles = new[] { "attacker" } });
                    if (_random.NextDouble() < 0.6) ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Ip, Ip = attackerIp, Roles = new[] { "attacker" }, Verdict = "suspicious" });
                    if (_random.NextDouble() < 0.4) ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Url, Ip = attackerIp, Text = "https://cdn-" + Token(6) + ".example.net/" + Token(10) });
                    if (_random.NextDouble() < 0.3) ev.Add(new GeneratedEvidence { Kind = EvidenceKind.RegistryKey, Text = @"SOFTWARE\Microsoft\Windows\CurrentVersion\Run\" + storyFile.Name });
                    break;
                case "email":
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Mailbox, User = a.User, Roles = new[] { "recipient" } });
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.MailMessage, User = a.User, Ip = attackerIp, Text = Pick(Templates.Subjects), Text2 = Token(8) + "-" + Token(4) + "-" + Token(4) + "-" + Token(12) });
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Url, Ip = attackerIp, Verdict = "malicious", Text = "https://login-" + Token(8) + ".example.com/auth?session=" + Token(12) });
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.User, User = a.User, Roles = new[] { "compromised" } });
                    if (_random.NextDouble() < 0.5) ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Ip, Ip = attackerIp, Roles = new[] { "attacker" } });
                    if (_random.NextDouble() < 0.4) ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Device, Device = a.Device, User = a.User });
                    break;
                case "identity":
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.User, User = a.User, Roles = new[] { "compromised" } });
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Ip, Ip = attackerIp, Roles = new[] { "attacker" }, Verdict = "suspicious" });
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Device, Device = a.Device, User = a.User });
                    if (_random.NextDouble() < 0.6) ev.Add(new GeneratedEvidence { Kind = EvidenceKind.CloudApp, Text = Pick(Templates.Apps) });
                    if (_random.NextDouble() < 0.4) ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Ip, Ip = (attackerIp + 7919) % _ips, Roles = new[] { "related" } });
                    break;
                default:
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.User, User = a.User, Roles = new[] { "compromised" } });
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Ip, Ip = attackerIp, Roles = new[] { "attacker" } });
                    ev.Add(new GeneratedEvidence { Kind = EvidenceKind.CloudApp, Text = Pick(Templates.Apps) });
                    if (_random.NextDouble() < 0.5) ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Mailbox, User = a.User });
                    if (_random.NextDouble() < 0.5) ev.Add(new GeneratedEvidence { Kind = EvidenceKind.Url, Text = "https://share-" + Token(6) + ".example.org/f/" + Token(16) });
                    break;
            }
        }

        FileFacts NewFile(string name, string folder) => new FileFacts
        {
            Name = name, Folder = folder, Sha256 = Hex(64), Sha1 = Hex(40), Size = _random.Next(20_000, 9_000_000), Publisher = "",
        };

        string Hex(int length)
        {
            var sb = new StringBuilder(length);
            for (int i = 0; i < length; i++) sb.Append("0123456789abcdef"[_random.Next(16)]);
            return sb.ToString();
        }

        string Token(int length)
        {
            var sb = new StringBuilder(length);
            for (int i = 0; i < length; i++) sb.Append("abcdefghijklmnopqrstuvwxyz0123456789"[_random.Next(36)]);
            return sb.ToString();
        }

        T Pick<T>(T[] values) => values[_random.Next(values.Length)];

        public static string UserName(int user) => "user" + user.ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>Stable facts of the entity pools, derived from their numbers.</summary>
    static class Entities
    {
        public const string Domain = "contoso.com";
        public static string Upn(int user) => StoryTeller.UserName(user) + "@" + Domain;
        public static string Sid(int user) => "S-1-5-21-1004336348-1177238915-682003330-" + (2000 + user).ToString(CultureInfo.InvariantCulture);
        public static string AadId(int user) => Guid(user, 0x5a);
        /// <summary>Devices below this number are workstations (one per user), from it on shared servers.</summary>
        public const int FirstServer = 1_000_000;
        public static string DeviceName(int device) => (device < FirstServer ? "ws" + device.ToString("D6", CultureInfo.InvariantCulture) : "srv" + (device - FirstServer).ToString("D5", CultureInfo.InvariantCulture)) + ".corp.contoso.com";
        public static string MdeId(int device) => Hash40(device);
        public static string Ip(int ip) => $"{23 + (ip >> 16) % 180}.{(ip >> 8) & 255}.{ip & 255}.{1 + (ip * 37) % 250}";
        public static string InternalIp(int device) => $"10.{(device >> 16) & 255}.{(device >> 8) & 255}.{1 + (device & 255) % 250}";

        static string Guid(int n, byte salt)
        {
            var b = new byte[16];
            BitConverter.GetBytes(n * 2654435761u).CopyTo(b, 0);
            BitConverter.GetBytes(n ^ 0x5bd1e995).CopyTo(b, 4);
            b[8] = salt; b[9] = (byte)(n >> 24);
            BitConverter.GetBytes(n * 40503).CopyTo(b, 12);
            return new System.Guid(b).ToString();
        }

        static string Hash40(int n)
        {
            var sb = new StringBuilder(40);
            ulong x = (ulong)n * 0x9E3779B97F4A7C15UL + 12345;
            for (int i = 0; i < 40; i++)
            {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                sb.Append("0123456789abcdef"[(int)(x & 15)]);
            }
            return sb.ToString();
        }
    }

    static class Templates
    {
        static AlertTemplate T(string kind, string title, string category, string severity, string service, string detection, string technique, string sentinelProvider) => new AlertTemplate
        {
            Kind = kind, Title = title, Category = category, Severity = severity, ServiceSource = service, DetectionSource = detection, Technique = technique,
            DetectorId = new Guid(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(title))).ToString(), SentinelProvider = sentinelProvider,
        };

        const string Mde = "microsoftDefenderForEndpoint", Mdo = "microsoftDefenderForOffice365", Mdi = "microsoftDefenderForIdentity", Mdca = "microsoftDefenderForCloudApps";

        public static readonly Dictionary<string, AlertTemplate[]> ByKind = new Dictionary<string, AlertTemplate[]>
        {
            ["endpoint"] = new[]
            {
                T("endpoint", "Suspicious PowerShell command line", "Execution", "medium", Mde, "edr", "T1059.001", "MDATP"),
                T("endpoint", "Suspicious process injection observed", "DefenseEvasion", "high", Mde, "edr", "T1055", "MDATP"),
                T("endpoint", "Anomalous scheduled task created", "Persistence", "medium", Mde, "edr", "T1053.005", "MDATP"),
                T("endpoint", "Credential dumping from LSASS memory", "CredentialAccess", "high", Mde, "edr", "T1003.001", "MDATP"),
                T("endpoint", "Ransomware behavior detected in the file system", "Impact", "high", Mde, "antivirus", "T1486", "MDATP"),
                T("endpoint", "Suspicious execution of hidden file", "DefenseEvasion", "low", Mde, "antivirus", "T1564.001", "MDATP"),
            },
            ["email"] = new[]
            {
                T("email", "Email messages containing malicious URL removed after delivery", "InitialAccess", "medium", Mdo, "microsoftDefenderForOffice365", "T1566.002", "OATP"),
                T("email", "A potentially malicious URL click was detected", "InitialAccess", "high", Mdo, "microsoftDefenderForOffice365", "T1204.001", "OATP"),
                T("email", "Suspicious inbox manipulation rule", "Collection", "medium", Mdca, "microsoftDefenderForCloudApps", "T1114.003", "MCAS"),
            },
            ["identity"] = new[]
            {
                T("identity", "Unfamiliar sign-in properties", "InitialAccess", "medium", "azureAdIdentityProtection", "azureAdIdentityProtection", "T1078", "IPC"),
                T("identity", "Suspected brute-force attack (LDAP)", "CredentialAccess", "medium", Mdi, "microsoftDefenderForIdentity", "T1110", "Azure Advanced Threat Protection"),
                T("identity", "Suspected identity theft (pass-the-ticket)", "LateralMovement", "high", Mdi, "microsoftDefenderForIdentity", "T1550.003", "Azure Advanced Threat Protection"),
            },
            ["cloudapp"] = new[]
            {
                T("cloudapp", "Mass download by a single user", "Exfiltration", "medium", Mdca, "microsoftDefenderForCloudApps", "T1530", "MCAS"),
                T("cloudapp", "Activity from infrequent country", "InitialAccess", "low", Mdca, "microsoftDefenderForCloudApps", "T1078.004", "MCAS"),
            },
        };

        static FileFacts F(string name, string folder, string sha256, string sha1, long size) => new FileFacts { Name = name, Folder = folder, Sha256 = sha256, Sha1 = sha1, Size = size, Publisher = "Microsoft Corporation" };

        /// <summary>Tools attackers run: a small set, so each is seen in many alerts (prevalence control decides).</summary>
        public static readonly FileFacts[] Tools =
        {
            F("powershell.exe", @"C:\Windows\System32\WindowsPowerShell\v1.0", "de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c", "6cbce4a295c163791b60fc23d285e6d84f28ee4c", 448000),
            F("rundll32.exe", @"C:\Windows\System32", "01b407af0200b66a34ec77c9ede8c0e4e4b7e6fc1e1a8f5fe0d3d8ee0c1d4a2b", "4c8e1a8d2d0b6f9e3a6c7b1e2f3d4c5b6a7e8f90", 71680),
            F("wmic.exe", @"C:\Windows\System32\wbem", "7ef4e5d2b3c19a7e1d6f0c2b8a4e3d5c6b7a8f9e0d1c2b3a4e5f6d7c8b9a0e1f", "a1b2c3d4e5f60718293a4b5c6d7e8f9001122334", 497664),
            F("cmd.exe", @"C:\Windows\System32", "b99d61d874728edc0918ca0eb10eab93d381e7367e377406e65963366c874450", "ded8fd7f36417f66eb6ada10e0c0d7c0022986e9", 289792),
        };

        public static readonly FileFacts[] Parents =
        {
            F("explorer.exe", @"C:\Windows", "a2c3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b", "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6", 5543432),
            F("services.exe", @"C:\Windows\System32", "c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2", "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5", 731744),
            F("winword.exe", @"C:\Program Files\Microsoft Office\root\Office16", "d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3", "2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4", 1962832),
        };

        public static readonly string[] MalwareNames = { "update.exe", "svchost32.exe", "invoice.js", "payload.dll", "AdobeUpd.exe", "chrome_patch.exe", "report.hta", "setup_x64.msi" };
        public static readonly string[] Subjects = { "Your password expires today", "Invoice overdue - action required", "Shared document: Q3 results", "Voicemail received", "DocuSign: please sign" };
        public static readonly string[] Apps = { "Office 365", "Microsoft Exchange Online", "SharePoint Online", "Dropbox", "Salesforce", "Box" };

        public const string RecommendedActions = "Collect artifacts and determine scope\n\u2022\tReview the machine timeline for suspicious activities that may have occurred before and after the time of the alert, and record additional related artifacts (files, IPs/URLs)\n\u2022\tLook for the presence of relevant artifacts on other systems. Identify commonalities and differences between potentially compromised systems.\n\u2022\tSubmit relevant files for deep analysis and review resulting detailed behavioral information.\n\nInitiate containment & mitigation\n\u2022\tContact the user to verify intent and initiate local remediation actions as needed.\n\u2022\tUpdate AV signatures and run a full scan. The scan might reveal and remove previously-undetected malware components.\n\u2022\tEnsure that the machine has the latest security updates.\n\u2022\tIf credential theft is suspected, reset all relevant users passwords.\n\u2022\tBlock communication with relevant URLs or IPs at the organization's perimeter.";
    }

    /// <summary>Graph alerts_v2 JSON, field for field as /security/alerts_v2 returns it.</summary>
    static class GraphJson
    {
        static string Time(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        public static JObject Render(GeneratedAlert a)
        {
            var t = a.Template;
            var tenant = StoryTeller.TenantId;
            return new JObject
            {
                ["@odata.type"] = "#microsoft.graph.security.alert",
                ["id"] = a.Id,
                ["providerAlertId"] = a.Id,
                ["incidentId"] = a.IncidentNumber.ToString(CultureInfo.InvariantCulture),
                ["status"] = a.Status,
                ["severity"] = t.Severity,
                ["classification"] = a.Status == "resolved" ? "truePositive" : "unknown",
                ["determination"] = a.Status == "resolved" ? "malware" : "unknown",
                ["serviceSource"] = t.ServiceSource,
                ["detectionSource"] = t.DetectionSource,
                ["detectorId"] = t.DetectorId,
                ["tenantId"] = tenant,
                ["title"] = t.Title,
                ["description"] = $"{t.Title} involving {Entities.Upn(a.User)} on {Entities.DeviceName(a.Device)}. This activity is often seen in attacks where the adversary has gained a foothold and is attempting to expand it; review the related evidence and the device timeline.",
                ["recommendedActions"] = Templates.RecommendedActions,
                ["category"] = t.Category,
                ["assignedTo"] = null,
                ["alertWebUrl"] = $"https://security.microsoft.com/alerts/{a.Id}?tid={tenant}",
                ["incidentWebUrl"] = $"https://security.microsoft.com/incidents/{a.IncidentNumber}?tid={tenant}",
                ["actorDisplayName"] = null,
                ["threatDisplayName"] = null,
                ["threatFamilyName"] = null,
                ["mitreTechniques"] = new JArray(t.Technique),
                ["createdDateTime"] = Time(a.Created),
                ["lastUpdateDateTime"] = Time(a.Updated),
                ["resolvedDateTime"] = a.Status == "resolved" ? Time(a.Updated) : null,
                ["firstActivityDateTime"] = Time(a.First),
                ["lastActivityDateTime"] = Time(a.Last),
                ["comments"] = new JArray(),
                ["evidence"] = new JArray(a.Evidence.Select(e => Evidence(e, a))),
                ["systemTags"] = new JArray(),
            };
        }

        static JObject Evidence(GeneratedEvidence e, GeneratedAlert a)
        {
            var o = new JObject
            {
                ["@odata.type"] = "#microsoft.graph.security." + e.Kind switch
                {
                    EvidenceKind.Device => "deviceEvidence", EvidenceKind.User => "userEvidence", EvidenceKind.Ip => "ipEvidence",
                    EvidenceKind.File => "fileEvidence", EvidenceKind.Process => "processEvidence", EvidenceKind.Url => "urlEvidence",
                    EvidenceKind.Mailbox => "mailboxEvidence", EvidenceKind.MailMessage => "analyzedMessageEvidence",
                    EvidenceKind.CloudApp => "cloudApplicationEvidence", _ => "registryKeyEvidence",
                },
                ["createdDateTime"] = Time(a.Created),
                ["verdict"] = e.Verdict,
                ["remediationStatus"] = "none",
                ["remediationStatusDetails"] = null,
                ["roles"] = new JArray(e.Roles),
                ["detailedRoles"] = new JArray(),
                ["tags"] = new JArray(),
            };
            switch (e.Kind)
            {
                case EvidenceKind.Device:
                    o["firstSeenDateTime"] = "2024-09-12T07:28:32.4321753Z";
                    o["mdeDeviceId"] = Entities.MdeId(e.Device);
                    o["azureAdDeviceId"] = null;
                    o["deviceDnsName"] = Entities.DeviceName(e.Device);
                    o["osPlatform"] = "Windows11"; o["osBuild"] = 22631; o["version"] = "23H2";
                    o["healthStatus"] = "active"; o["riskScore"] = "medium"; o["rbacGroupId"] = 75; o["rbacGroupName"] = "Workstations";
                    o["onboardingStatus"] = "onboarded"; o["defenderAvStatus"] = "updated";
                    o["ipInterfaces"] = new JArray(Entities.InternalIp(e.Device));
                    o["loggedOnUsers"] = new JArray(new JObject { ["accountName"] = StoryTeller.UserName(e.User), ["domainName"] = "CONTOSO" });
                    break;
                case EvidenceKind.User:
                case EvidenceKind.Mailbox:
                    if (e.Kind == EvidenceKind.Mailbox)
                    {
                        o["primaryAddress"] = Entities.Upn(e.User);
                        o["displayName"] = StoryTeller.UserName(e.User);
                    }
                    o["userAccount"] = Account(e.User);
                    break;
                case EvidenceKind.Ip:
                    o["ipAddress"] = Entities.Ip(e.Ip);
                    o["countryLetterCode"] = new[] { "US", "NL", "RU", "BR", "CN", "DE" }[e.Ip % 6];
                    break;
                case EvidenceKind.File:
                    o["detectionStatus"] = "detected";
                    o["mdeDeviceId"] = Entities.MdeId(e.Device);
                    o["fileDetails"] = File(e.File!);
                    break;
                case EvidenceKind.Process:
                    o["processId"] = 1000 + (e.User * 13) % 60000; o["parentProcessId"] = 600 + e.User % 400;
                    o["processCommandLine"] = e.File!.Name + " " + e.Text;
                    o["processCreationDateTime"] = Time(a.First);
                    o["parentProcessCreationDateTime"] = Time(a.First.AddHours(-2));
                    o["detectionStatus"] = "detected";
                    o["mdeDeviceId"] = Entities.MdeId(e.Device);
                    o["imageFile"] = File(e.File!);
                    o["parentProcessImageFile"] = File(e.Parent!);
                    // Attacks run as the user, services as SYSTEM: the noise correlation must ignore.
                    o["userAccount"] = e.Parent!.Name == "services.exe"
                        ? new JObject { ["accountName"] = "SYSTEM", ["domainName"] = "NT AUTHORITY", ["userSid"] = "S-1-5-18", ["azureAdUserId"] = null, ["userPrincipalName"] = null, ["displayName"] = "System" }
                        : Account(e.User);
                    break;
                case EvidenceKind.Url:
                    o["url"] = e.Text;
                    break;
                case EvidenceKind.MailMessage:
                    o["networkMessageId"] = e.Text2; o["internetMessageId"] = "<" + e.Text2 + "@mail.example.com>";
                    o["subject"] = e.Text; o["senderIp"] = Entities.Ip(e.Ip); o["recipientEmailAddress"] = Entities.Upn(e.User);
                    o["deliveryAction"] = "delivered"; o["deliveryLocation"] = "inbox"; o["language"] = "en";
                    o["p1Sender"] = new JObject { ["emailAddress"] = "billing@" + "invoices-example.com", ["displayName"] = "Billing", ["domainName"] = "invoices-example.com" };
                    o["urls"] = new JArray();
                    break;
                case EvidenceKind.CloudApp:
                    o["displayName"] = e.Text; o["appId"] = 11000 + Array.IndexOf(Templates.Apps, e.Text); o["instanceId"] = 0; o["saasAppId"] = 11161;
                    break;
                case EvidenceKind.RegistryKey:
                    o["registryKey"] = e.Text; o["registryHive"] = "HKEY_LOCAL_MACHINE";
                    break;
            }
            return o;
        }

        static JObject Account(int user) => new JObject
        {
            ["accountName"] = StoryTeller.UserName(user),
            ["domainName"] = "CONTOSO",
            ["userSid"] = Entities.Sid(user),
            ["azureAdUserId"] = Entities.AadId(user),
            ["userPrincipalName"] = Entities.Upn(user),
            ["displayName"] = "User " + user.ToString(CultureInfo.InvariantCulture),
        };

        static JObject File(FileFacts f) => new JObject
        {
            ["sha1"] = f.Sha1, ["sha256"] = f.Sha256, ["fileName"] = f.Name, ["filePath"] = f.Folder, ["fileSize"] = f.Size,
            ["filePublisher"] = f.Publisher.Length > 0 ? f.Publisher : null, ["signer"] = null, ["issuer"] = null,
        };
    }

    /// <summary>Sentinel / Log Analytics SecurityAlert rows, in the column layout of a portal CSV export.</summary>
    static class SentinelCsv
    {
        public const string Header = "TenantId,TimeGenerated,StartTimeUtc,EndTimeUtc,ProviderAlertId,SystemAlertId,ProviderName,VendorName,AlertType,AlertName,AlertDisplayName,Description,Severity,Status,IsIncident,ExtendedProperties,Entities,ConfidenceLevel,CompromisedEntity,Tactics,Techniques";

        static string Time(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

        public static string Row(GeneratedAlert a)
        {
            var t = a.Template;
            var fields = new[]
            {
                StoryTeller.TenantId, Time(a.Updated), Time(a.First), Time(a.Last), a.Id,
                SystemAlertId(a.Id), t.SentinelProvider, "Microsoft", t.DetectorId, t.Title, t.Title,
                $"{t.Title} involving {Entities.Upn(a.User)} on {Entities.DeviceName(a.Device)}.",
                char.ToUpperInvariant(t.Severity[0]) + t.Severity.Substring(1),
                a.Status == "new" ? "New" : a.Status == "inProgress" ? "InProgress" : "Resolved",
                "False",
                new JObject { ["Alert Mode"] = "Single", ["Incident Number"] = a.IncidentNumber.ToString(CultureInfo.InvariantCulture) }.ToString(Formatting.None),
                EntitiesJson(a),
                "Unknown", Entities.DeviceName(a.Device), t.Category, new JArray(t.Technique.Split('.')[0]).ToString(Formatting.None),
            };
            return string.Join(",", fields.Select(Quote));
        }

        static string SystemAlertId(string id) => new Guid(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(id))).ToString();

        static string EntitiesJson(GeneratedAlert a)
        {
            var list = new JArray();
            int next = 2;
            foreach (var e in a.Evidence)
            {
                string id = (next++).ToString(CultureInfo.InvariantCulture);
                switch (e.Kind)
                {
                    case EvidenceKind.Device:
                        list.Add(new JObject { ["$id"] = id, ["HostName"] = Entities.DeviceName(e.Device).Split('.')[0], ["DnsDomain"] = "corp.contoso.com", ["MdatpDeviceId"] = Entities.MdeId(e.Device), ["OSFamily"] = "Windows", ["Type"] = "host" });
                        break;
                    case EvidenceKind.User:
                        list.Add(new JObject { ["$id"] = id, ["Name"] = StoryTeller.UserName(e.User), ["UPNSuffix"] = Entities.Domain, ["AadUserId"] = Entities.AadId(e.User), ["Sid"] = Entities.Sid(e.User), ["Type"] = "account" });
                        break;
                    case EvidenceKind.Mailbox:
                        list.Add(new JObject { ["$id"] = id, ["MailboxPrimaryAddress"] = Entities.Upn(e.User), ["DisplayName"] = StoryTeller.UserName(e.User), ["Type"] = "mailbox" });
                        break;
                    case EvidenceKind.Ip:
                        list.Add(new JObject { ["$id"] = id, ["Address"] = Entities.Ip(e.Ip), ["Type"] = "ip" });
                        break;
                    case EvidenceKind.File:
                    case EvidenceKind.Process:
                        string hashId = (next++).ToString(CultureInfo.InvariantCulture);
                        list.Add(new JObject { ["$id"] = hashId, ["Algorithm"] = "SHA256", ["Value"] = e.File!.Sha256, ["Type"] = "filehash" });
                        list.Add(new JObject { ["$id"] = id, ["Name"] = e.File.Name, ["Directory"] = e.File.Folder, ["FileHashes"] = new JArray(new JObject { ["$ref"] = hashId }), ["Type"] = "file" });
                        break;
                    case EvidenceKind.Url:
                        list.Add(new JObject { ["$id"] = id, ["Url"] = e.Text, ["Type"] = "url" });
                        break;
                    case EvidenceKind.MailMessage:
                        list.Add(new JObject { ["$id"] = id, ["Subject"] = e.Text, ["NetworkMessageId"] = e.Text2, ["Recipient"] = Entities.Upn(e.User), ["Type"] = "mailMessage" });
                        break;
                    case EvidenceKind.CloudApp:
                        list.Add(new JObject { ["$id"] = id, ["Name"] = e.Text, ["Type"] = "cloud-application" });
                        break;
                    case EvidenceKind.RegistryKey:
                        list.Add(new JObject { ["$id"] = id, ["Hive"] = "HKEY_LOCAL_MACHINE", ["Key"] = e.Text, ["Type"] = "registry-key" });
                        break;
                }
            }
            return list.ToString(Formatting.None);
        }

        static string Quote(string value)
            => value.IndexOfAny(new[] { ',', '"', '\n', '\r' }) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}
