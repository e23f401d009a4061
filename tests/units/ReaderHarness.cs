using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using IncidentTools.Readers;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Tests
{
    /// <summary>What reading one file produced: alerts, evidence items, skips and errors, as the importer would see them.</summary>
    public sealed class ReadResult
    {
        public string? Format { get; set; }
        public List<ReadItem> Items { get; } = new List<ReadItem>();
        public List<Alert> Alerts => Items.Where(i => i.Kind == ReadItemKind.Alert).Select(i => i.Alert!).ToList();
        public List<ReadItem> EvidenceItems => Items.Where(i => i.Kind == ReadItemKind.Evidence).ToList();
        public List<ReadItem> Skipped => Items.Where(i => i.Kind == ReadItemKind.Skipped).ToList();
        public List<ReadItem> Errors => Items.Where(i => i.Kind == ReadItemKind.Error).ToList();

        /// <summary>Alert ids as the importer builds them (family:tenant:providerAlertId), distinct.</summary>
        public HashSet<string> AlertKeys => new HashSet<string>(Items.Where(i => i.Kind == ReadItemKind.Alert).Select(i => i.Family + ":" + i.Alert!.TenantId + ":" + i.Alert.ProviderAlertId));

        /// <summary>Number of alerts that have at least one entity of each type.</summary>
        public Dictionary<EntityType, int> AlertsWithType()
            => Alerts.SelectMany(a => a.Evidence.Select(e => e.Type).Distinct()).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());

        /// <summary>Distinct entity keys of one type across every alert and evidence item.</summary>
        public HashSet<string> Keys(EntityType type)
            => new HashSet<string>(Items.Where(i => i.Alert != null).SelectMany(i => i.Alert!.Evidence).Where(e => e.Type == type).Select(e => e.Key));
    }

    /// <summary>Reads a file the way Import-Alert does: JSON or CSV records, format detected on the first record.</summary>
    public static class ReaderHarness
    {
        public static ReadResult ReadFile(string path, string? format = null)
        {
            var result = new ReadResult();
            var readers = ReaderRegistry.CreateAll();
            using var stream = File.OpenRead(path);
            var records = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
                ? CsvRecordSource.Read(stream, Path.GetFileName(path))
                : JsonRecordSource.Read(stream, Path.GetFileName(path));
            IAlertReader? reader = format == null ? null : ReaderRegistry.ByName(readers, format);
            foreach (var rec in records)
            {
                if (rec.Record == null) { result.Items.Add(ReadItem.Fail(rec.Location, rec.Error ?? "unreadable")); continue; }
                reader ??= ReaderRegistry.Detect(readers, rec.Record);
                if (reader == null) { result.Items.Add(ReadItem.Fail(rec.Location, "unknown format")); break; }
                result.Format ??= reader.Format;
                ReadRecord(reader, rec.Record, rec.Location, result.Items);
            }
            if (reader != null) result.Items.AddRange(reader.Complete());
            return result;
        }

        public static void ReadRecord(IAlertReader reader, JObject record, RecordLocation location, List<ReadItem> into)
        {
            try { into.AddRange(reader.Read(record, location).ToList()); }
            catch (RecordFormatException ex) { into.Add(ReadItem.Fail(location, ex.Message)); }
        }

        /// <summary>Reads records given as JSON texts (one per element) with one reader.</summary>
        public static ReadResult ReadJson(IAlertReader reader, params string[] records)
        {
            var result = new ReadResult { Format = reader.Format };
            long n = 0;
            foreach (var text in records)
            {
                n++;
                ReadRecord(reader, JObject.Parse(text), new RecordLocation("test", n, n), result.Items);
            }
            result.Items.AddRange(reader.Complete());
            return result;
        }

        /// <summary>Reads a text written to a temporary file (so the JSON/CSV sources and their errors take part).</summary>
        public static ReadResult ReadText(string text, string extension, string? format = null)
        {
            string path = Path.Combine(Path.GetTempPath(), "it-reader-" + Guid.NewGuid().ToString("N") + extension);
            File.WriteAllText(path, text);
            try { return ReadFile(path, format); }
            finally { File.Delete(path); }
        }
    }
}
