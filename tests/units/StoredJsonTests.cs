using System;
using System.Collections.Generic;
using IncidentTools.Store;
using Newtonsoft.Json;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>
    /// The JSON written directly into columns is byte for byte what the general serialiser wrote before, so stores
    /// written by earlier versions and by this one read, compare and hash the same.
    /// </summary>
    public class StoredJsonTests
    {
        static readonly string[] Awkward = { "Initial access", "quote \" and back\\slash", "tab\tnew\nline", "é ü 日本", "<script>&'", "" };

        [Fact]
        public void Lists_are_written_as_the_serialiser_writes_them()
        {
            Assert.Equal(JsonConvert.SerializeObject(Array.Empty<string>()), StoredJson.Strings(Array.Empty<string>()));
            Assert.Equal(JsonConvert.SerializeObject(Awkward), StoredJson.Strings(Awkward));
            var set = new SortedSet<string>(Awkward, StringComparer.OrdinalIgnoreCase);
            Assert.Equal(JsonConvert.SerializeObject(set), StoredJson.Strings(set));
        }

        [Fact]
        public void Priority_factors_are_written_as_the_serialiser_writes_them()
        {
            var none = new SortedDictionary<string, int>();
            Assert.Equal(JsonConvert.SerializeObject(none), StoredJson.Counts(none));
            var factors = new SortedDictionary<string, int>(StringComparer.Ordinal) { ["Severity"] = 40, ["Tactics"] = -3, ["Entities \"x\""] = 0, ["Recency"] = int.MaxValue };
            Assert.Equal(JsonConvert.SerializeObject(factors), StoredJson.Counts(factors));
        }

        [Fact]
        public void Truncations_are_written_as_the_serialiser_writes_them()
        {
            Assert.Equal(JsonConvert.SerializeObject(Array.Empty<Truncation>()), StoredJson.Truncations(Array.Empty<Truncation>()));
            var cut = new[] { new Truncation { Field = "Description", OriginalLength = 200_000, KeptLength = 32_768 } };
            Assert.Equal(JsonConvert.SerializeObject(cut), StoredJson.Truncations(cut));
        }
    }
}
