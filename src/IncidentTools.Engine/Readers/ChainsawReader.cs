using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using IncidentTools.Normalisation;
using Newtonsoft.Json.Linq;
using static IncidentTools.Readers.JsonValues;
using static IncidentTools.Readers.ReaderCommon;

namespace IncidentTools.Readers
{
    /// <summary>
    /// Chainsaw hunt output: the CSV form (columns timestamp, detections, path, count, Event.System.Provider, Event ID,
    /// Record ID, Computer, Event Data — Event Data is the event's fields as "Key: value" lines) and the JSON form
    /// (--json / --jsonl: name, level, tags, timestamp, document.data.Event). One row is one event that one or more
    /// Sigma rules matched: one alert, titled by the rule names.
    /// </summary>
    public sealed class ChainsawReader : IAlertReader
    {
        public const string Family = "chainsaw";
        public string Format => "Chainsaw";

        public bool Detect(JObject r)
        {
            if (Get(r, "detections") != null && Get(r, "timestamp") != null && (Get(r, "Event Data") != null || Get(r, "Computer") != null)) return true;
            return Get(r, "document") is JObject doc && Get(doc, "data") != null && Get(r, "name") != null && Get(r, "timestamp") != null;
        }

        public IEnumerable<ReadItem> Read(JObject record, RecordLocation location)
        {
            yield return ReadItem.ForAlert(Get(record, "document") is JObject ? MapJson(record) : MapCsv(record), Family, location, record);
        }

        public IEnumerable<ReadItem> Complete() => Array.Empty<ReadItem>();

        Alert MapCsv(JObject r)
        {
            string detections = Text(r, "detections") ?? throw new RecordFormatException("missing required field 'detections'");
            var time = Date(r, "timestamp") ?? throw new RecordFormatException("missing required field 'timestamp'");
            string? computer = Str(r, "Computer");
            var rules = detections.Split(';').Select(x => x.Trim()).Where(x => x.Length > 0).ToArray();
            var alert = New(string.Join("; ", rules), time, computer, Str(r, "Event ID"), Str(r, "Record ID"), Str(r, "path"));
            alert.Severity = HayabusaReader.Level(First(r, "level", "Level"));
            alert.DetectorId = detections;
            Context(alert, "Provider", Str(r, "Event.System.Provider"));
            Context(alert, "EventCount", Str(r, "count"));
            if (rules.Length > 1) Context(alert, "Rules", string.Join(";", rules));
            WindowsEventEntities.Map(ParseEventData(Str(r, "Event Data")), computer, alert.Evidence);
            Finish(alert);
            return alert;
        }

        Alert MapJson(JObject r)
        {
            string name = Text(r, "name") ?? throw new RecordFormatException("missing required field 'name'");
            var time = Date(r, "timestamp") ?? throw new RecordFormatException("missing required field 'timestamp'");
            var doc = Obj(r, "document")!;
            var ev = Obj(Obj(doc, "data"), "Event");
            var system = Obj(ev, "System");
            string? computer = Str(system, "Computer");
            var alert = New(name, time, computer, Str(system, "EventID"), Str(system, "EventRecordID"), Str(doc, "path"));
            alert.Severity = HayabusaReader.Level(Str(r, "level"));
            alert.DetectorId = Str(r, "id") ?? name;
            var tags = StrArray(r, "tags");
            alert.Category = Category(tags, false);
            alert.MitreTechniques = Techniques(tags);
            alert.Description = Str(r, "description");
            Context(alert, "Provider", Str(system, "Provider_attributes.Name"));
            Context(alert, "RuleStatus", Str(r, "status"));
            var data = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in (Obj(ev, "EventData")?.Properties() ?? Enumerable.Empty<JProperty>()).Concat(Obj(ev, "UserData")?.Properties() ?? Enumerable.Empty<JProperty>()))
                data[p.Name] = AsString(p.Value) ?? "";
            WindowsEventEntities.Map(data, computer, alert.Evidence);
            Finish(alert);
            return alert;
        }

        Alert New(string title, DateTimeOffset time, string? computer, string? eventId, string? recordId, string? path)
        {
            var alert = new Alert
            {
                ProviderAlertId = ValueMaps.DerivedId("chainsaw", time.ToString("o"), (computer ?? "").ToLowerInvariant(), eventId, recordId, path, title),
                Source = Format,
                TenantId = "",
                Title = title,
                Status = AlertStatus.New,
                ServiceSource = "Chainsaw",
                DetectionSource = "Sigma",
            };
            Times(alert, time, time, time, "Chainsaw detection");
            Context(alert, "EventID", eventId);
            Context(alert, "RecordID", recordId);
            Context(alert, "EvtxFile", path);
            return alert;
        }

        static readonly Regex KeyLine = new Regex(@"^([A-Za-z0-9_.\-]+):(?: (.*))?$");

        /// <summary>Chainsaw's Event Data column: one "Key: value" per line, values in YAML scalar quoting.</summary>
        public static Dictionary<string, string> ParseEventData(string? text)
        {
            var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (string.IsNullOrWhiteSpace(text)) return d;
            string? last = null;
            foreach (var raw in text!.Replace("\r\n", "\n").Split('\n'))
            {
                var m = KeyLine.Match(raw);
                if (m.Success)
                {
                    last = m.Groups[1].Value;
                    d[last] = Unquote(m.Groups[2].Value);
                }
                else if (last != null && raw.Trim().Length > 0) d[last] = d[last] + "\n" + raw.Trim();
            }
            return d;
        }

        static string Unquote(string v)
        {
            v = v.Trim();
            if (v.Length >= 2 && v[0] == '\'' && v[v.Length - 1] == '\'') return v.Substring(1, v.Length - 2).Replace("''", "'");
            if (v.Length >= 2 && v[0] == '"' && v[v.Length - 1] == '"')
            {
                try { return JToken.Parse(v).ToString(); } catch (Newtonsoft.Json.JsonException) { return v.Substring(1, v.Length - 2); }
            }
            return v;
        }
    }
}
