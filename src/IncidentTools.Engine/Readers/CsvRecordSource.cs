using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Readers
{
    /// <summary>
    /// Streams a CSV file (CsvHelper: quoted multi-line fields, embedded JSON) as one object of strings per row,
    /// keyed by the header, so CSV formats are read by the same readers and detection as JSON ones.
    /// </summary>
    public static class CsvRecordSource
    {
        public static IEnumerable<JsonRecord> Read(Stream stream, string sourceName)
        {
            var text = new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
            var config = new CsvConfiguration(CultureInfo.InvariantCulture)
            {
                BadDataFound = null,
                MissingFieldFound = null,
                DetectColumnCountChanges = false,
                TrimOptions = TrimOptions.None,
                MaxFieldSize = 64 * 1024 * 1024,
            };
            using var csv = new CsvReader(text, config);
            string[] header;
            if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord == null || csv.HeaderRecord.Length < 2)
            {
                yield return new JsonRecord(null, new RecordLocation(sourceName, 1, 1), "the file is neither JSON nor CSV with a header row of at least two columns", wholeFile: true);
                yield break;
            }
            header = UniqueNames(csv.HeaderRecord);
            long index = 0;
            while (true)
            {
                bool more; string? error = null;
                try { more = csv.Read(); }
                catch (CsvHelperException ex) { more = false; error = "broken CSV: " + FirstLine(ex.Message); }
                if (error != null)
                {
                    yield return new JsonRecord(null, new RecordLocation(sourceName, csv.Parser.RawRow, index + 1), error + " The rest of the file was not read.");
                    yield break;
                }
                if (!more) yield break;
                index++;
                long line = csv.Parser.RawRow - (CountNewlines(csv.Parser.RawRecord)) + 1;
                var location = new RecordLocation(sourceName, Math.Max(line, 1), index);
                var fields = csv.Parser.Record ?? Array.Empty<string>();
                if (fields.Length != header.Length)
                {
                    yield return new JsonRecord(null, location, $"the row has {fields.Length} fields where the header has {header.Length} (unbalanced quotes or a broken row)");
                    continue;
                }
                var o = new JObject();
                for (int i = 0; i < header.Length; i++) o[header[i]] = fields[i];
                yield return new JsonRecord(o, location, null);
            }
        }

        static string[] UniqueNames(string[] names)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var result = new string[names.Length];
            for (int i = 0; i < names.Length; i++)
            {
                string n = names[i].Trim().Trim('\uFEFF');
                if (n.Length == 0) n = "Column" + (i + 1);
                string unique = n;
                for (int k = 2; !seen.Add(unique); k++) unique = n + "_" + k;
                result[i] = unique;
            }
            return result;
        }

        static int CountNewlines(string? s)
        {
            if (s == null) return 0;
            int n = 0;
            foreach (char c in s) if (c == '\n') n++;
            return n;
        }

        static string FirstLine(string s) { int i = s.IndexOf('\n'); return i < 0 ? s : s.Substring(0, i).Trim(); }
    }
}
