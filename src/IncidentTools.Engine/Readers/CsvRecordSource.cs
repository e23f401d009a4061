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
        /// <summary>
        /// Characters one field may hold (a 10 MB field is read; the import limits then cut it). An unclosed quote makes
        /// the parser read on to the next quote, possibly to the end of the file; this bounds what that can cost.
        /// </summary>
        public const int MaxFieldChars = 16 * 1024 * 1024;

        /// <summary>Nested re-reads after unclosed quotes; past this, the swallowed lines are one error.</summary>
        const int MaxResyncDepth = 32;

        static CsvConfiguration Config(bool hasHeader) => new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = hasHeader,
            BadDataFound = null,
            MissingFieldFound = null,
            DetectColumnCountChanges = false,
            TrimOptions = TrimOptions.None,
            MaxFieldSize = MaxFieldChars,
        };

        public static IEnumerable<JsonRecord> Read(Stream stream, string sourceName)
        {
            var text = new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
            using var csv = new CsvReader(text, Config(hasHeader: true));
            bool hasHeader;
            try { hasHeader = csv.Read() && csv.ReadHeader() && csv.HeaderRecord != null && csv.HeaderRecord.Length >= 2; }
            catch (CsvHelperException) { hasHeader = false; }
            if (!hasHeader)
            {
                yield return new JsonRecord(null, new RecordLocation(sourceName, 1, 1), "the file is neither JSON nor CSV with a header row of at least two columns", wholeFile: true);
                yield break;
            }
            var header = UniqueNames(csv.HeaderRecord!);
            long index = 0;
            foreach (var r in Rows(csv, header, sourceName, 0, () => ++index, 0)) yield return r;
        }

        /// <summary>The rows of a parser; lineOffset is added to its line numbers (a re-read of swallowed lines starts mid-file).</summary>
        static IEnumerable<JsonRecord> Rows(CsvReader csv, string[] header, string sourceName, long lineOffset, Func<long> nextIndex, int depth)
        {
            long previousEnd = csv.Parser.RawRow;
            while (true)
            {
                bool more; string? error = null;
                try { more = csv.Read(); }
                catch (CsvHelperException ex) { more = false; error = "broken CSV: " + FirstLine(ex.Message); }
                if (error != null)
                {
                    yield return new JsonRecord(null, new RecordLocation(sourceName, lineOffset + csv.Parser.RawRow, nextIndex()),
                        error + $" (a field longer than {MaxFieldChars / (1024 * 1024)} M characters, or a quote that is never closed). The rest of the file was not read.");
                    yield break;
                }
                if (!more) yield break;
                string raw = csv.Parser.RawRecord ?? "";
                // The row starts on the line after the previous row ended (the parser's RawRow is where a row ends).
                long line = lineOffset + previousEnd + 1;
                previousEnd = csv.Parser.RawRow;
                var location = new RecordLocation(sourceName, line, nextIndex());
                var fields = csv.Parser.Record ?? Array.Empty<string>();
                if (fields.Length == header.Length)
                {
                    var o = new JObject();
                    for (int i = 0; i < header.Length; i++) o[header[i]] = fields[i];
                    yield return new JsonRecord(o, location, null);
                    continue;
                }
                string problem = $"the row has {fields.Length} fields where the header has {header.Length}";
                int firstBreak = raw.IndexOf('\n');
                bool spansLines = firstBreak >= 0 && raw.AsSpan(firstBreak + 1).Trim().Length > 0;
                if (!spansLines)
                {
                    yield return new JsonRecord(null, location, problem + " (a broken row)");
                    continue;
                }
                if (depth >= MaxResyncDepth)
                {
                    yield return new JsonRecord(null, location, problem + $": a quote is not closed, and the {CountNewlines(raw)} lines it swallowed were not read");
                    continue;
                }
                // An unclosed quote swallowed the lines after it into this row: the row is one error, and those
                // lines are read again as rows of their own, so the good records among them are still imported.
                yield return new JsonRecord(null, location, problem + ": a quote is not closed; the lines after this one are read again on their own");
                using var again = new CsvReader(new StringReader(raw.Substring(firstBreak + 1)), Config(hasHeader: false));
                foreach (var r in Rows(again, header, sourceName, line, nextIndex, depth + 1)) yield return r;
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
