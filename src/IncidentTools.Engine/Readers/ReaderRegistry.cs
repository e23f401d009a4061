using System;
using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json.Linq;

namespace IncidentTools.Readers
{
    /// <summary>Every format the engine reads, in detection order (most specific first).</summary>
    public static class ReaderRegistry
    {
        /// <summary>New reader instances for one import (readers may keep state across the files of an import).</summary>
        public static List<IAlertReader> CreateAll() => new List<IAlertReader>
        {
            new GraphLegacyAlertReader(),
            new GraphIncidentReader(),
            new GraphAlertReader(),
            new SentinelIncidentReader(),
            new SentinelAlertReader(),
            new GuideReader(),
            new AdvancedHuntingReader(),
            new OcsfReader(),
            new AsffReader(),
            new ElasticAlertReader(),
            new GoogleSecOpsReader(),
            new WazuhReader(),
            new SuricataReader(),
            new HayabusaReader(),
            new ChainsawReader(),
        };

        public static IReadOnlyList<string> FormatNames => CreateAll().Select(r => r.Format).ToList();

        /// <summary>The reader that recognises this record, or null.</summary>
        public static IAlertReader? Detect(IEnumerable<IAlertReader> readers, JObject record)
            => readers.FirstOrDefault(r => r.Detect(record));

        public static IAlertReader? ByName(IEnumerable<IAlertReader> readers, string format)
            => readers.FirstOrDefault(r => string.Equals(r.Format, format, StringComparison.OrdinalIgnoreCase));
    }
}
