using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Newtonsoft.Json;

namespace IncidentTools.Store
{
    /// <summary>
    /// The JSON text of the small lists and maps stored in columns (roles, MITRE techniques, properties, provider
    /// context, an incident's categories, sources and priority factors), written directly: a general serialiser
    /// costs more than the insert of the row it goes into, and import writes several per evidence item and per
    /// incident it touches. The text is what JsonConvert.SerializeObject writes for the same values, so stores
    /// written before read the same. IncidentReader.Strings and IncidentReader.Properties read them back.
    /// </summary>
    internal static class StoredJson
    {
        public static string Strings(IReadOnlyCollection<string> values)
        {
            if (values.Count == 0) return "[]";
            return Write(w =>
            {
                w.WriteStartArray();
                foreach (var v in values) w.WriteValue(v);
                w.WriteEndArray();
            });
        }

        /// <summary>A JSON object of the pairs, in their order.</summary>
        public static string Properties(IEnumerable<KeyValuePair<string, string>> pairs) => Object(pairs, (w, v) => w.WriteValue(v));

        /// <summary>A JSON object of names and numbers, in their order (an incident's priority factors).</summary>
        public static string Counts(IReadOnlyCollection<KeyValuePair<string, int>> pairs) => Object(pairs, (w, v) => w.WriteValue(v));

        static string Object<T>(IEnumerable<KeyValuePair<string, T>> pairs, System.Action<JsonTextWriter, T> writeValue)
        {
            if (pairs is IReadOnlyCollection<KeyValuePair<string, T>> { Count: 0 } or ICollection<KeyValuePair<string, T>> { Count: 0 }) return "{}";
            return Write(w =>
            {
                w.WriteStartObject();
                foreach (var kv in pairs)
                {
                    w.WritePropertyName(kv.Key);
                    writeValue(w, kv.Value);
                }
                w.WriteEndObject();
            });
        }

        /// <summary>An alert's truncations: almost always none, which needs no serialiser.</summary>
        public static string Truncations(Truncation[] truncated)
            => truncated.Length == 0 ? "[]" : JsonConvert.SerializeObject(truncated);

        static string Write(System.Action<JsonTextWriter> write)
        {
            var text = new StringWriter(new StringBuilder(128), CultureInfo.InvariantCulture);
            using (var w = new JsonTextWriter(text)) write(w);
            return text.ToString();
        }
    }
}
