using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using IncidentTools.Normalisation;
using Newtonsoft.Json.Linq;
using static IncidentTools.Readers.JsonValues;

namespace IncidentTools.Readers
{
    /// <summary>Small helpers shared by the non-Graph readers: MITRE names, times, evidence lists.</summary>
    internal static class ReaderCommon
    {
        // Canonical ATT&CK tactic names (PascalCase, as Graph's alert category uses them), by squashed name and by TA id.
        static readonly Dictionary<string, string> Tactics = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["reconnaissance"] = "Reconnaissance", ["recon"] = "Reconnaissance", ["ta0043"] = "Reconnaissance",
            ["resourcedevelopment"] = "ResourceDevelopment", ["resdev"] = "ResourceDevelopment", ["ta0042"] = "ResourceDevelopment",
            ["initialaccess"] = "InitialAccess", ["initaccess"] = "InitialAccess", ["ta0001"] = "InitialAccess",
            ["execution"] = "Execution", ["exec"] = "Execution", ["ta0002"] = "Execution",
            ["persistence"] = "Persistence", ["persis"] = "Persistence", ["ta0003"] = "Persistence",
            ["privilegeescalation"] = "PrivilegeEscalation", ["privesc"] = "PrivilegeEscalation", ["ta0004"] = "PrivilegeEscalation",
            ["defenseevasion"] = "DefenseEvasion", ["defenceevasion"] = "DefenseEvasion", ["evas"] = "DefenseEvasion", ["ta0005"] = "DefenseEvasion",
            ["credentialaccess"] = "CredentialAccess", ["credaccess"] = "CredentialAccess", ["ta0006"] = "CredentialAccess",
            ["discovery"] = "Discovery", ["disc"] = "Discovery", ["ta0007"] = "Discovery",
            ["lateralmovement"] = "LateralMovement", ["latmov"] = "LateralMovement", ["ta0008"] = "LateralMovement",
            ["collection"] = "Collection", ["collect"] = "Collection", ["ta0009"] = "Collection",
            ["commandandcontrol"] = "CommandAndControl", ["c2"] = "CommandAndControl", ["ta0011"] = "CommandAndControl",
            ["exfiltration"] = "Exfiltration", ["exfil"] = "Exfiltration", ["ta0010"] = "Exfiltration",
            ["impact"] = "Impact", ["ta0040"] = "Impact",
            ["stealth"] = "DefenseEvasion",
        };

        /// <summary>"Command and Control", "command_and_control", "TA0011", "attack.command_and_control" → "CommandAndControl"; null when not a tactic.</summary>
        public static string? Tactic(string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) return null;
            string v = value!.Trim();
            if (v.StartsWith("attack.", StringComparison.OrdinalIgnoreCase)) v = v.Substring(7);
            string squashed = Regex.Replace(v, "[^A-Za-z0-9]", "");
            return Tactics.TryGetValue(squashed, out var t) ? t : null;
        }

        /// <summary>The first tactic among several candidates, else the first candidate in PascalCase words.</summary>
        public static string? Category(IEnumerable<string?> candidates, bool fallbackToWords = true)
        {
            var list = candidates.Where(c => !string.IsNullOrWhiteSpace(c) && !EntityNormaliser.IsPlaceholder(c)).ToList();
            foreach (var c in list)
            {
                var t = Tactic(c);
                if (t != null) return t;
            }
            return fallbackToWords && list.Count > 0 ? PascalWords(list[0]) : null;
        }

        /// <summary>"Suspicious activity" → "SuspiciousActivity".</summary>
        public static string? PascalWords(string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) return null;
            var words = Regex.Split(value!.Trim(), "[^A-Za-z0-9]+").Where(w => w.Length > 0);
            return string.Concat(words.Select(w => char.ToUpperInvariant(w[0]) + w.Substring(1)));
        }

        static readonly Regex TechniqueId = new Regex(@"\bT\d{4}(?:[./]\d{3})?\b", RegexOptions.IgnoreCase);

        /// <summary>ATT&amp;CK technique ids found in texts ("Valid Accounts (T1078)", "attack.t1059.001", "T1003/001").</summary>
        public static string[] Techniques(IEnumerable<string?> texts)
        {
            var result = new List<string>();
            foreach (var t in texts)
            {
                if (string.IsNullOrEmpty(t)) continue;
                foreach (Match m in TechniqueId.Matches(t!))
                {
                    string id = m.Value.ToUpperInvariant().Replace('/', '.');
                    if (!result.Contains(id)) result.Add(id);
                }
            }
            return result.ToArray();
        }

        /// <summary>Sets the three times of an alert from what the record has; throws when none is there.</summary>
        public static void Times(Alert alert, DateTimeOffset? created, DateTimeOffset? first, DateTimeOffset? last, string what)
        {
            var f = first ?? created ?? last;
            if (f == null) throw new RecordFormatException($"{what} has no time ({alert.ProviderAlertId})");
            var l = last ?? f;
            alert.FirstActivityDateTime = f.Value;
            alert.LastActivityDateTime = l.Value < f.Value ? f.Value : l.Value;
            alert.CreatedDateTime = created ?? f.Value;
        }

        public static void Add(List<Evidence> into, Evidence? ev, params string[] roles)
        {
            if (ev == null) return;
            if (roles.Length > 0) ev.Roles = ev.Roles.Concat(roles).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
            into.Add(ev);
        }

        public static void Prop(Evidence? ev, string name, string? value)
        {
            if (ev != null && !EntityNormaliser.IsPlaceholder(value)) ev.Properties[name] = value!;
        }

        public static void Context(Alert alert, string key, string? value) => GraphAlertReader.Context(alert, key, value);

        /// <summary>The alert's evidence, one entity per (type, key).</summary>
        public static void Finish(Alert alert) => alert.Evidence = EvidenceFactory.Deduplicate(alert.Evidence);

        /// <summary>A file from a full path ("C:\x\y.exe", "/usr/bin/x") and optional hashes.</summary>
        public static Evidence? FileFromPath(string? fullPath, string? sha256 = null, string? sha1 = null, string? md5 = null)
        {
            if (EntityNormaliser.IsPlaceholder(fullPath)) return EvidenceFactory.File(null, null, sha256, sha1, md5);
            string p = fullPath!.Trim();
            int cut = Math.Max(p.LastIndexOf('\\'), p.LastIndexOf('/'));
            string? name = cut >= 0 ? p.Substring(cut + 1) : p;
            string? folder = cut > 0 ? p.Substring(0, cut) : null;
            if (name.Length == 0) name = null;
            return EvidenceFactory.File(name, folder, sha256, sha1, md5);
        }

        /// <summary>The file name of a path, for display.</summary>
        public static string? FileName(string? path)
        {
            if (EntityNormaliser.IsPlaceholder(path)) return null;
            string p = path!.Trim().Trim('"');
            int cut = Math.Max(p.LastIndexOf('\\'), p.LastIndexOf('/'));
            return cut >= 0 ? p.Substring(cut + 1) : p;
        }

        /// <summary>Sysmon's "SHA1=..,MD5=..,SHA256=..,IMPHASH=.." → (sha256, sha1, md5).</summary>
        public static (string? sha256, string? sha1, string? md5) Hashes(string? hashes)
        {
            string? s256 = null, s1 = null, m5 = null;
            if (string.IsNullOrEmpty(hashes)) return (null, null, null);
            foreach (var part in hashes!.Split(',', ';', ' '))
            {
                int eq = part.IndexOf('=');
                if (eq <= 0) continue;
                string k = part.Substring(0, eq).Trim().ToUpperInvariant(), v = part.Substring(eq + 1).Trim();
                if (k == "SHA256") s256 = v; else if (k == "SHA1") s1 = v; else if (k == "MD5") m5 = v;
            }
            return (s256, s1, m5);
        }

        /// <summary>"DOMAIN\user" or "user@domain" or "user" → a user entity.</summary>
        public static Evidence? UserFromText(string? text, string? sid = null)
        {
            if (EntityNormaliser.IsPlaceholder(text) && EntityNormaliser.IsPlaceholder(sid)) return null;
            string? t = text?.Trim();
            if (t != null && t.Contains('@') && !t.Contains('\\')) return EvidenceFactory.User(t, t, sid, null, null);
            return EvidenceFactory.User(t, null, sid, null, null);
        }

        /// <summary>Severity of a numeric 0–100 score (risk score, normalised severity).</summary>
        public static Severity SeverityFromScore(double score)
            => score >= 70 ? Severity.High : score >= 40 ? Severity.Medium : score >= 1 ? Severity.Low : Severity.Informational;

        public static string Inv(long v) => v.ToString(CultureInfo.InvariantCulture);

        /// <summary>A JSON string holding an object or array, parsed; the token itself otherwise.</summary>
        public static JToken? Parsed(JToken? t)
        {
            if (t == null || t.Type != JTokenType.String) return t;
            string s = ((string)t!).Trim();
            if (!(s.StartsWith("{") || s.StartsWith("["))) return t;
            try
            {
                // Dates stay text, as JsonRecordSource reads them, so that values compare the same in every format.
                using var reader = new Newtonsoft.Json.JsonTextReader(new System.IO.StringReader(s)) { DateParseHandling = Newtonsoft.Json.DateParseHandling.None };
                return JToken.ReadFrom(reader);
            }
            catch (Newtonsoft.Json.JsonException ex) { throw new RecordFormatException("a field holds broken JSON: " + ex.Message); }
        }

        /// <summary>An AWS finding ARN: "arn:aws:guardduty:us-east-2:111111111111:detector/…/finding/…" (any partition).</summary>
        static readonly Regex AwsFindingArn = new Regex(@"^arn:aws(?:-[a-z]+)*:(?<service>[a-z0-9-]+):[a-z0-9-]*:\d{12}:\S+$", RegexOptions.CultureInvariant);

        /// <summary>
        /// The identity family of an AWS finding. Security Hub (ASFF) and its OCSF mapping carry the same finding under
        /// the provider's own ARN (ASFF Id = OCSF finding_info.uid) and the same account (AwsAccountId =
        /// cloud.account.uid), so a finding whose id is an AWS ARN is "aws-&lt;service&gt;" (aws-guardduty, aws-inspector2...)
        /// in both readers and is stored once, whichever export brought it. Any other id keeps the reader's family:
        /// two sources that merely share an id stay two alerts.
        /// </summary>
        public static string AwsFindingFamily(string providerAlertId, string readerFamily)
        {
            var m = AwsFindingArn.Match(providerAlertId);
            return m.Success ? "aws-" + m.Groups["service"].Value : readerFamily;
        }

        public static IEnumerable<string> NonEmpty(params string?[] values) => values.Where(v => !EntityNormaliser.IsPlaceholder(v)).Select(v => v!);
    }
}
