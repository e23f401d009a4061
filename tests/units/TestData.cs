using System;
using System.IO;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>Where the test inputs are: fixtures/ beside the tests (always) and ../shared/data (when present).</summary>
    public static class TestData
    {
        public static string Fixture(string relative) => Path.Combine(AppContext.BaseDirectory, "fixtures", relative);

        /// <summary>The shared real-data folder, found by walking up from the test binaries; null when absent.</summary>
        public static string? SharedData
        {
            get
            {
                var env = Environment.GetEnvironmentVariable("INCIDENTTOOLS_SHARED_DATA");
                if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? env : null;
                for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                {
                    var candidate = Path.Combine(dir.FullName, "..", "shared", "data");
                    if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
                }
                return null;
            }
        }

        /// <summary>A file under ../shared/data, or a visible skip when the folder is absent.</summary>
        public static string Shared(string relative)
        {
            var root = SharedData;
            Skip.If(root == null, "../shared/data is absent: real-data test skipped");
            var path = Path.Combine(root!, relative);
            Skip.IfNot(File.Exists(path), $"{path} is absent: real-data test skipped");
            return path;
        }
    }
}
