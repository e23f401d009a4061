using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Readers
{
    /// <summary>One record pulled from a JSON source, or the reason it could not be read.</summary>
    public readonly struct JsonRecord
    {
        public JsonRecord(JObject? record, RecordLocation location, string? error, string? text = null, bool wholeFile = false)
        {
            Record = record; Location = location; Error = error; Text = text; WholeFile = wholeFile;
        }
        public JObject? Record { get; }
        /// <summary>The record's own JSON text when the source held it whole (an NDJSON line): kept as the original without writing it again.</summary>
        public string? Text { get; }
        public RecordLocation Location { get; }
        public string? Error { get; }
        /// <summary>The error is about the file itself (not JSON, no CSV header): nothing in it can be read.</summary>
        public bool WholeFile { get; }
    }

    /// <summary>
    /// Streams the records of a JSON file without loading it whole: a JSON array, an object holding a collection
    /// (Graph's {"value":[...]}, Security Hub's {"Findings":[...]}, possibly under "data"), a single object, or
    /// NDJSON (one object per line; a broken line is one error and the next line is read).
    /// </summary>
    public static class JsonRecordSource
    {
        /// <summary>Property names that hold the records of a collection document.</summary>
        static readonly string[] CollectionNames = { "value", "Findings", "findings", "alerts_v2", "records" };

        public static IEnumerable<JsonRecord> Read(Stream stream, string sourceName)
        {
            var reader = new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
            int first = PeekNonWhitespace(reader);
            if (first < 0) yield break;
            if (first == '[')
            {
                foreach (var r in ReadDocument(reader, sourceName, 0)) yield return r;
                yield break;
            }
            if (first != '{')
            {
                yield return new JsonRecord(null, new RecordLocation(sourceName, 1, 1), $"the file does not start with a JSON object or array (found '{(char)first}')", wholeFile: true);
                yield break;
            }
            // One object on the first line, followed by more lines: NDJSON. Otherwise a document.
            string? firstLine = reader.ReadLine();
            JObject? firstObject = TryParseLine(firstLine!);
            // A first line that looks like a whole object but is broken is NDJSON with a bad first record:
            // report it and read on, rather than reading the whole file as one broken document.
            // (A pretty-printed document's second line is indented or a property; an NDJSON one starts with '{'.)
            bool brokenFirstRecord = firstObject == null && reader.Peek() == '{';
            if (firstObject == null && !brokenFirstRecord)
            {
                var rest = new PrefixedReader(firstLine + "\n", reader);
                foreach (var r in ReadDocument(rest, sourceName, 0)) yield return r;
                yield break;
            }
            long lineNo = 1, index = 0;
            if (firstObject == null)
            {
                index++;
                yield return new JsonRecord(null, new RecordLocation(sourceName, lineNo, index), "broken JSON: the line is not a complete JSON object");
            }
            else foreach (var r in Expand(firstObject, sourceName, lineNo, ref index, firstLine)) yield return r;
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                lineNo++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                JObject? o; string? error = null;
                try
                {
                    var token = ParseLine(line);
                    o = token as JObject;
                    if (o == null) error = $"the line holds a JSON {token.Type}, not an object";
                }
                catch (JsonException ex) { o = null; error = "broken JSON: " + ex.Message; }
                if (o == null)
                {
                    index++;
                    yield return new JsonRecord(null, new RecordLocation(sourceName, lineNo, index), error);
                    continue;
                }
                foreach (var r in Expand(o, sourceName, lineNo, ref index, line)) yield return r;
            }
        }

        /// <summary>Pipeline input: one object, expanded like a file record.</summary>
        public static IEnumerable<JsonRecord> FromObject(JObject o, string sourceName, ref long index)
            => Expand(o, sourceName, 0, ref index);

        static List<JsonRecord> Expand(JObject o, string sourceName, long line, ref long index, string? text = null)
        {
            var list = new List<JsonRecord>();
            var collection = FindCollection(o);
            if (collection != null)
            {
                foreach (var item in collection)
                {
                    index++;
                    list.Add(item is JObject jo
                        ? new JsonRecord(jo, new RecordLocation(sourceName, line, index), null)
                        : new JsonRecord(null, new RecordLocation(sourceName, line, index), $"the collection holds a JSON {item.Type}, not an object"));
                }
                return list;
            }
            index++;
            list.Add(new JsonRecord(o, new RecordLocation(sourceName, line, index), null, text));
            return list;
        }

        static JArray? FindCollection(JObject o)
        {
            // A record has its own id; a collection wrapper does not.
            foreach (var name in CollectionNames)
                if (o.TryGetValue(name, StringComparison.Ordinal, out var t) && t is JArray a && o["id"] == null && o["Id"] == null)
                    return a;
            if (o["data"] is JObject data) return FindCollection(data);
            return null;
        }

        static IEnumerable<JsonRecord> ReadDocument(TextReader text, string sourceName, long startIndex)
        {
            var json = new JsonTextReader(text) { DateParseHandling = DateParseHandling.None, SupportMultipleContent = true, MaxDepth = 256 };
            long index = startIndex;
            string? fatal = null;
            bool ok;
            // The document walk is written as a state machine over the reader so that a syntax error becomes a
            // record error (and ends the file: after broken JSON nothing more can be trusted) instead of an exception.
            var walker = WalkDocument(json, sourceName).GetEnumerator();
            while (true)
            {
                try { ok = walker.MoveNext(); }
                catch (JsonException ex)
                {
                    fatal = $"broken JSON: {ex.Message}";
                    ok = false;
                }
                if (!ok) break;
                var r = walker.Current;
                index++;
                yield return new JsonRecord(r.Record, new RecordLocation(sourceName, r.Location.Line, index), r.Error);
            }
            if (fatal != null)
                yield return new JsonRecord(null, new RecordLocation(sourceName, json.LineNumber, index + 1), fatal + " The rest of the file was not read.");
        }

        static IEnumerable<JsonRecord> WalkDocument(JsonTextReader json, string sourceName)
        {
            while (json.Read())
            {
                if (json.TokenType == JsonToken.StartArray)
                {
                    while (json.Read() && json.TokenType != JsonToken.EndArray)
                        yield return LoadElement(json, sourceName);
                }
                else if (json.TokenType == JsonToken.StartObject)
                {
                    foreach (var r in WalkObject(json, sourceName)) yield return r;
                }
                else if (json.TokenType != JsonToken.Comment)
                    yield return new JsonRecord(null, new RecordLocation(sourceName, json.LineNumber, 0), $"unexpected JSON {json.TokenType} at the top level");
            }
        }

        /// <summary>Walks an object whose start was just read: streams a collection property, else yields the object.</summary>
        static IEnumerable<JsonRecord> WalkObject(JsonTextReader json, string sourceName)
        {
            long line = json.LineNumber;
            var wrapper = new JObject();
            bool streamed = false;
            while (json.Read() && json.TokenType != JsonToken.EndObject)
            {
                string name = (string)json.Value!;
                json.Read();
                if (json.TokenType == JsonToken.StartArray && Array.IndexOf(CollectionNames, name) >= 0 && wrapper["id"] == null)
                {
                    streamed = true;
                    while (json.Read() && json.TokenType != JsonToken.EndArray)
                        yield return LoadElement(json, sourceName);
                }
                else if (json.TokenType == JsonToken.StartObject && name == "data" && !streamed)
                {
                    // {"status_code":200,"data":{"Findings":[...]}} (a recorded boto response)
                    foreach (var r in WalkObject(json, sourceName)) { streamed = true; yield return r; }
                }
                else wrapper[name] = JToken.ReadFrom(json);
            }
            if (!streamed) yield return new JsonRecord(wrapper, new RecordLocation(sourceName, line, 0), null);
        }

        static JsonRecord LoadElement(JsonTextReader json, string sourceName)
        {
            long line = json.LineNumber;
            var token = JToken.ReadFrom(json);
            return token is JObject o
                ? new JsonRecord(o, new RecordLocation(sourceName, line, 0), null)
                : new JsonRecord(null, new RecordLocation(sourceName, line, 0), $"the array holds a JSON {token.Type}, not an object");
        }

        static JObject? TryParseLine(string line)
        {
            try { return ParseLine(line) as JObject; }
            catch (JsonException) { return null; } // also more than one value on the line: not one record per line
        }

        /// <summary>One NDJSON line, read like a document: dates stay the text they are (the readers parse them).</summary>
        static JToken ParseLine(string line)
        {
            using var r = new JsonTextReader(new StringReader(line)) { DateParseHandling = DateParseHandling.None, MaxDepth = 256 };
            var token = JToken.ReadFrom(r);
            if (r.Read()) throw new JsonReaderException($"more than one JSON value on the line (a second one starts at position {r.LinePosition})");
            return token;
        }

        static int PeekNonWhitespace(StreamReader reader)
        {
            while (true)
            {
                int c = reader.Peek();
                if (c < 0) return -1;
                if (!char.IsWhiteSpace((char)c) && c != '\uFEFF') return c;
                reader.Read();
            }
        }

        /// <summary>A TextReader that first returns a prefix already read, then the rest of the stream.</summary>
        sealed class PrefixedReader : TextReader
        {
            readonly string _prefix; int _pos; readonly TextReader _rest;
            public PrefixedReader(string prefix, TextReader rest) { _prefix = prefix; _rest = rest; }
            public override int Peek() => _pos < _prefix.Length ? _prefix[_pos] : _rest.Peek();
            public override int Read() => _pos < _prefix.Length ? _prefix[_pos++] : _rest.Read();
            public override int Read(char[] buffer, int index, int count)
            {
                if (_pos < _prefix.Length)
                {
                    int n = Math.Min(count, _prefix.Length - _pos);
                    _prefix.CopyTo(_pos, buffer, index, n);
                    _pos += n;
                    return n;
                }
                return _rest.Read(buffer, index, count);
            }
        }
    }
}
