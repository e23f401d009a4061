using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Newtonsoft.Json;

namespace IncidentTools.Store
{
    /// <summary>
    /// The JSON text of the small lists and maps stored in columns (roles, MITRE techniques, properties, provider
    /// context), written directly: a general serialiser costs more than the insert of the row it goes into, and
    /// import writes several per evidence item. IncidentReader.Strings and IncidentReader.Properties read them back.
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
        public static string Properties(IEnumerable<KeyValuePair<string, string>> pairs)
        {
            if (pairs is ICollection<KeyValuePair<string, string>> { Count: 0 }) return "{}";
            return Write(w =>
            {
                w.WriteStartObject();
                foreach (var kv in pairs)
                {
                    w.WritePropertyName(kv.Key);
                    w.WriteValue(kv.Value);
                }
                w.WriteEndObject();
            });
        }

        static string Write(System.Action<JsonTextWriter> write)
        {
            var text = new StringWriter(new StringBuilder(128), CultureInfo.InvariantCulture);
            using (var w = new JsonTextWriter(text)) write(w);
            return text.ToString();
        }
    }
}
