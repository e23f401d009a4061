using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Readers
{
    /// <summary>
    /// Case-insensitive access to record fields. Property names match case-insensitively because the Graph
    /// PowerShell SDK emits PascalCase where the JSON has camelCase; dotted paths walk nested objects and also
    /// match flattened keys ("kibana.alert.rule.name" as one key).
    /// </summary>
    public static class JsonValues
    {
        public static JToken? Get(JObject? o, string path)
        {
            if (o == null) return null;
            var direct = o.GetValue(path, StringComparison.OrdinalIgnoreCase);
            if (direct != null || path.IndexOf('.') < 0) return direct;
            // Walk, letting any prefix be a flattened key.
            string[] parts = path.Split('.');
            for (int take = parts.Length - 1; take >= 1; take--)
            {
                var head = o.GetValue(string.Join(".", parts, 0, take), StringComparison.OrdinalIgnoreCase);
                if (head is JObject child)
                {
                    var found = Get(child, string.Join(".", parts, take, parts.Length - take));
                    if (found != null) return found;
                }
            }
            return null;
        }

        /// <summary>The field as text, or null when absent, null or empty.</summary>
        public static string? Str(JObject? o, string path)
        {
            var t = Get(o, path);
            return AsString(t);
        }

        public static string? AsString(JToken? t)
        {
            if (t == null || t.Type == JTokenType.Null || t.Type == JTokenType.Undefined) return null;
            if (t.Type == JTokenType.Date)
                return ((DateTime)t).ToUniversalTime().ToString("o", CultureInfo.InvariantCulture);
            string s = t.Type == JTokenType.String ? ((string?)t ?? "") : t.Type == JTokenType.Object || t.Type == JTokenType.Array
                ? t.ToString(Newtonsoft.Json.Formatting.None) : Convert.ToString(((JValue)t).Value, CultureInfo.InvariantCulture) ?? "";
            return s.Length == 0 ? null : s;
        }

        /// <summary>The field as text when it is a scalar; null when absent or empty; an object or array is a wrong type.</summary>
        public static string? Text(JObject? o, string path)
        {
            var t = Get(o, path);
            if (t is JContainer) throw new RecordFormatException($"field '{path}' is a JSON {t.Type}, not text");
            return AsString(t);
        }

        /// <summary>First non-empty of several paths.</summary>
        public static string? First(JObject? o, params string[] paths)
        {
            foreach (var p in paths)
            {
                var s = Str(o, p);
                if (s != null) return s;
            }
            return null;
        }

        /// <summary>An array of strings; a JSON string holding an array is parsed; a single value becomes one item.</summary>
        public static string[] StrArray(JObject? o, string path)
        {
            var t = Get(o, path);
            return StrArray(t);
        }

        public static string[] StrArray(JToken? t)
        {
            if (t == null || t.Type == JTokenType.Null) return Array.Empty<string>();
            if (t.Type == JTokenType.String)
            {
                string s = ((string)t!).Trim();
                if (s.StartsWith("["))
                {
                    try { t = JArray.Parse(s); } catch (Newtonsoft.Json.JsonException) { return new[] { s }; }
                }
                else return s.Length == 0 ? Array.Empty<string>() : new[] { s };
            }
            if (t is JArray a)
                return a.Select(AsString).Where(x => x != null).Select(x => x!).ToArray();
            var one = AsString(t);
            return one == null ? Array.Empty<string>() : new[] { one };
        }

        public static JObject? Obj(JObject? o, string path)
        {
            var t = Get(o, path);
            if (t is JObject jo) return jo;
            if (t != null && t.Type == JTokenType.String)
            {
                string s = ((string)t!).Trim();
                if (s.StartsWith("{"))
                {
                    try { return JObject.Parse(s); } catch (Newtonsoft.Json.JsonException) { return null; }
                }
            }
            return null;
        }

        public static JArray? Arr(JObject? o, string path)
        {
            var t = Get(o, path);
            if (t is JArray ja) return ja;
            if (t != null && t.Type == JTokenType.String)
            {
                string s = ((string)t!).Trim();
                if (s.StartsWith("["))
                {
                    try { return JArray.Parse(s); } catch (Newtonsoft.Json.JsonException) { return null; }
                }
            }
            return null;
        }

        /// <summary>
        /// A timestamp as UTC. Accepts ISO 8601 (with or without offset; none means UTC), and Unix seconds or
        /// milliseconds. Returns null when absent; throws RecordFormatException when present but impossible.
        /// </summary>
        public static DateTimeOffset? Date(JObject? o, string path)
        {
            var t = Get(o, path);
            if (t == null || t.Type == JTokenType.Null) return null;
            return ParseDate(t, path);
        }

        public static DateTimeOffset? ParseDate(JToken t, string fieldName)
        {
            switch (t.Type)
            {
                case JTokenType.Date:
                    var v = ((JValue)t).Value;
                    if (v is DateTimeOffset dto) return dto.ToUniversalTime();
                    var dt = (DateTime)v!;
                    return new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime());
                case JTokenType.Integer:
                case JTokenType.Float:
                    return FromUnix(Convert.ToDouble(((JValue)t).Value, CultureInfo.InvariantCulture), fieldName);
                case JTokenType.String:
                    return ParseDate((string)t!, fieldName);
                default:
                    throw new RecordFormatException($"field '{fieldName}' is a {t.Type}, not a date");
            }
        }

        public static DateTimeOffset? ParseDate(string? s, string fieldName)
        {
            if (s == null) return null;
            s = s.Trim();
            if (s.Length == 0) return null;
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double num) && !s.Contains('-') && !s.Contains(':'))
                return FromUnix(num, fieldName);
            // ISO 8601 and the common "2019-01-15 10:08:47" export form; no offset means UTC.
            if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
                return d;
            throw new RecordFormatException($"field '{fieldName}' has '{Shorten(s)}', which is not a date");
        }

        static DateTimeOffset FromUnix(double value, string fieldName)
        {
            // Seconds until year 5138; above that, milliseconds.
            double ms = Math.Abs(value) < 1e11 ? value * 1000 : value;
            if (double.IsNaN(ms) || ms < -62135596800000 || ms > 253402300799000)
                throw new RecordFormatException($"field '{fieldName}' has {value}, which is out of the range of dates");
            return DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
        }

        public static string Shorten(string s, int max = 60) => s.Length <= max ? s : s.Substring(0, max) + "…";

        public static IEnumerable<JObject> Objects(JArray? a) => a == null ? Enumerable.Empty<JObject>() : a.OfType<JObject>();
    }
}
