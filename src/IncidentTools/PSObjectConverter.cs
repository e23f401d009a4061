using System;
using System.Collections;
using System.Globalization;
using System.Management.Automation;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Commands
{
    /// <summary>
    /// Turns pipeline objects (ConvertFrom-Json output, Import-Csv rows, hashtables, Graph SDK objects) into the
    /// JSON records the readers take, so pipeline input and files share one reader per format.
    /// </summary>
    internal static class PSObjectConverter
    {
        const int MaxDepth = 32;

        public static JToken Convert(object? value, int depth = 0)
        {
            if (value == null) return JValue.CreateNull();
            if (value is PSObject pso)
            {
                var baseObject = pso.BaseObject;
                if (baseObject is PSCustomObject) return FromProperties(pso, depth);
                value = baseObject;
                if (!IsScalar(value) && !(value is IDictionary) && !(value is IEnumerable)) return FromProperties(pso, depth);
            }
            if (depth > MaxDepth) return new JValue(value.ToString());
            switch (value)
            {
                case string s: return new JValue(s);
                case DateTime dt: return new JValue((dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime()).ToString("o", CultureInfo.InvariantCulture));
                case DateTimeOffset dto: return new JValue(dto.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
                case Enum e: return new JValue(e.ToString());
                case bool or byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal: return new JValue(value);
                case Guid g: return new JValue(g.ToString());
                case IDictionary dict:
                {
                    var o = new JObject();
                    foreach (DictionaryEntry entry in dict)
                    {
                        string key = entry.Key?.ToString() ?? "";
                        if (key.Equals("AdditionalProperties", StringComparison.OrdinalIgnoreCase) && entry.Value is IDictionary extra) Merge(o, extra, depth);
                        else o[key] = Convert(entry.Value, depth + 1);
                    }
                    return o;
                }
                case IEnumerable list:
                {
                    var a = new JArray();
                    foreach (var item in list) a.Add(Convert(item, depth + 1));
                    return a;
                }
                default:
                    return FromProperties(PSObject.AsPSObject(value), depth);
            }
        }

        static bool IsScalar(object v) => v is string || v is ValueType;

        static JObject FromProperties(PSObject pso, int depth)
        {
            var o = new JObject();
            foreach (var p in pso.Properties)
            {
                if (!p.IsGettable) continue;
                object? v;
                try { v = p.Value; } catch (GetValueException) { continue; }
                // Graph SDK objects carry @odata.type and unknown members in AdditionalProperties.
                if (p.Name.Equals("AdditionalProperties", StringComparison.OrdinalIgnoreCase) && (v is IDictionary || (v as PSObject)?.BaseObject is IDictionary))
                {
                    Merge(o, (IDictionary)((v as PSObject)?.BaseObject ?? v!), depth);
                    continue;
                }
                o[p.Name] = Convert(v, depth + 1);
            }
            return o;
        }

        static void Merge(JObject o, IDictionary extra, int depth)
        {
            foreach (DictionaryEntry entry in extra)
            {
                string key = entry.Key?.ToString() ?? "";
                if (o[key] == null || o[key]!.Type == JTokenType.Null) o[key] = Convert(entry.Value, depth + 1);
            }
        }
    }
}
