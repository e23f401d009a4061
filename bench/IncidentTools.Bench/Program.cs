using System;
using System.IO;
using Newtonsoft.Json;

namespace IncidentTools.Bench
{
    /// <summary>
    /// bench tool commands (build.ps1 -Task Bench drives them):
    ///   generate --size N --out DIR   writes (or reuses) the Graph NDJSON, Graph JSON array and Sentinel CSV of N alerts
    ///   floor --file F --store S      the bare-minimum import of an NDJSON file, for comparison with Import-Alert
    ///   largest-incident --store S    the id and alert count of the store's largest incident (query subjects)
    /// Each prints one JSON object on stdout with what it did and measured.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            try
            {
                if (args.Length == 0) throw new ArgumentException("Give a command: generate, floor or largest-incident.");
                object result = args[0] switch
                {
                    "generate" => AlertGenerator.GenerateFiles(int.Parse(Option(args, "--size")), Option(args, "--out")),
                    "floor" => FloorImport.Run(Option(args, "--file"), Option(args, "--store")),
                    "largest-incident" => StoreFacts.LargestIncident(Option(args, "--store")),
                    _ => throw new ArgumentException($"Unknown command '{args[0]}': use generate, floor or largest-incident."),
                };
                Console.WriteLine(JsonConvert.SerializeObject(result));
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException || ex is IOException || ex is FormatException)
            {
                Console.Error.WriteLine($"IncidentTools.Bench: {ex.Message}");
                return 2;
            }
        }

        static string Option(string[] args, string name)
        {
            int i = Array.IndexOf(args, name);
            if (i < 0 || i + 1 >= args.Length) throw new ArgumentException($"The option {name} is required.");
            return args[i + 1];
        }
    }
}
