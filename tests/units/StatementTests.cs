using System;
using System.IO;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>Statements prepared through SQLite's API never keep a store open after it is closed.</summary>
    public class StatementTests
    {
        [Fact]
        public void Closing_the_store_finalizes_statements_left_open_so_the_store_closes_cleanly()
        {
            string folder = Path.Combine(Path.GetTempPath(), "it-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, "incidents.db");
            try
            {
                var store = IncidentTools.Store.IncidentStore.Open(path);
                var statement = new IncidentTools.Store.Statement(store, "INSERT INTO settings (name, value) VALUES ($k, $v)");
                statement.Set("$k", "test").Set("$v", "1").Run(); // as an import stopped by an error leaves its writer
                Assert.True(File.Exists(path + "-wal"));
                store.Dispose();
                // The last connection closed for real (no zombie waiting for the GC): SQLite checkpointed and removed its log.
                Assert.False(File.Exists(path + "-wal"), "the store's connection was left open by an unfinalized statement");
                statement.Dispose(); // later disposal is harmless
            }
            finally { Directory.Delete(folder, true); }
        }

        [Fact]
        public void A_failing_statement_raises_SqliteException_with_SQLites_message()
        {
            using var s = new TestStore();
            using var statement = new IncidentTools.Store.Statement(s.Store, "INSERT INTO settings (name, value) VALUES ($k, $v)");
            statement.Set("$k", "dup").Set("$v", "1").Run();
            var ex = Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => statement.Set("$k", "dup").Set("$v", "2").Run());
            Assert.Contains("UNIQUE", ex.Message);
            Assert.Throws<ArgumentException>(() => statement.Set("$nope", 1));
        }
    }
}
