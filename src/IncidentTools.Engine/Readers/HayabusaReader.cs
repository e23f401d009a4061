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
    /// Hayabusa timelines (json-timeline / JSONL, any profile; csv-timeline rows work too): one Sigma or Hayabusa
    /// rule hit on one Windows event per record. RuleTitle is the title, Level the severity, Computer the device;
    /// users, processes, command lines and IPs come from Details (abbreviated names) and AllFieldInfo/ExtraFieldInfo.
    /// </summary>
    public sealed class HayabusaReader : IAlertReader
    {
        public const string Family = "hayabusa";
        public string Format => "Hayabusa";

        public bool Detect(JObject r)
            => Get(r, "RuleTitle") != null && Get(r, "Computer") != null && Get(r, "Timestamp") != null
               && (Get(r, "Channel") != null || Get(r, "EventID") != null || Get(r, "Level") != null);

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            yield return ReadItem.ForAlert(Map(record), Family, location, record);
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        // Hayabusa's tactic abbreviations (MitreTactics column).
        internal static Severity Level(string? level)
        {
            switch ((level ?? "").Trim().ToLowerInvariant())
            {
                case "emer": case "emergency": case "crit": case "critical": case "high": return Severity.High;
                case "med": case "medium": return Severity.Medium;
                case "low": return Severity.Low;
                case "info": case "informational": return Severity.Informational;
                default: return ValueMaps.Severity(level);
            }
        }

        public Alert Map(JObject r)
        {
            string title = Text(r, "RuleTitle") ?? throw new RecordFormatException("missing required field 'RuleTitle'");
            string computer = Text(r, "Computer") ?? throw new RecordFormatException("missing required field 'Computer'");
            var time = Date(r, "Timestamp") ?? throw new RecordFormatException("missing required field 'Timestamp'");
            var tactics = StrArray(r, "MitreTactics").SelectMany(t => t.Split(',', '¦', ';')).Select(t => t.Trim());
            var alert = new Alert
            {
                ProviderAlertId = ValueMaps.DerivedId("hayabusa", time.ToString("o"), computer.ToLowerInvariant(), Str(r, "Channel"), Str(r, "EventID"),
                    Str(r, "RecordID"), Str(r, "RuleID") ?? title),
                Source = Format,
                TenantId = "",
                Title = title,
                Severity = Level(Str(r, "Level")),
                Status = AlertStatus.New,
                Category = Category(tactics, false),
                MitreTechniques = Techniques(StrArray(r, "MitreTags").Concat(StrArray(r, "OtherTags"))),
                ServiceSource = "Hayabusa",
                DetectionSource = "Sigma",
                DetectorId = First(r, "RuleID", "RuleFile") ?? title,
                Description = Str(r, "RuleDescription"),
            };
            Times(alert, time, time, time, "Hayabusa record");
            Context(alert, "Channel", Str(r, "Channel"));
            Context(alert, "EventID", Str(r, "EventID"));
            Context(alert, "RecordID", Str(r, "RecordID"));
            Context(alert, "RuleAuthor", Str(r, "RuleAuthor"));
            Context(alert, "RuleFile", Str(r, "RuleFile"));
            Context(alert, "EvtxFile", Str(r, "EvtxFile"));

            var fields = new List<KeyValuePair<string, string>>();
            foreach (var name in new[] { "Details", "ExtraFieldInfo" })
            {
                var t = Get(r, name);
                if (t is JObject o) fields.AddRange(o.Properties().Select(p => new KeyValuePair<string, string>(p.Name, AsString(p.Value) ?? "")));
                else if (t != null && t.Type == JTokenType.String) fields.AddRange(SplitDetails((string)t!));
            }
            var d = WindowsEventEntities.FromHayabusa(fields);
            if (Get(r, "AllFieldInfo") is JObject all)
                foreach (var p in all.Properties()) d[p.Name] = AsString(p.Value) ?? "";
            WindowsEventEntities.Map(d, computer, alert.Evidence);
            Finish(alert);
            return alert;
        }

        /// <summary>The CSV timeline's "Key: value ¦ Key: value" form.</summary>
        static IEnumerable<KeyValuePair<string, string>> SplitDetails(string s)
        {
            foreach (var part in s.Split('¦'))
            {
                int colon = part.IndexOf(':');
                if (colon <= 0) continue;
                yield return new KeyValuePair<string, string>(part.Substring(0, colon).Trim(), part.Substring(colon + 1).Trim());
            }
        }
    }
}
