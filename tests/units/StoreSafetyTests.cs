using System;
using System.IO;
using System.Linq;
using IncidentTools.Import;
using IncidentTools.Store;
using Microsoft.Data.Sqlite;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>Issue 7's store safety: permissions, the migration runner, backups and interrupted imports.</summary>
    public class StoreSafetyTests
    {
        static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode GroupShared = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

        static string TempFolder()
        {
            var dir = Path.Combine(Path.GetTempPath(), "it-safety-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            return dir;
        }

        static long Raw(string path, string sql)
        {
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            return Convert.ToInt64(cmd.ExecuteScalar());
        }

        [SkippableFact]
        public void An_existing_group_shared_store_and_folder_keep_their_permissions()
        {
            Skip.If(OperatingSystem.IsWindows(), "Unix file modes only");
            var root = TempFolder();
            try
            {
                var folder = Path.Combine(root, "team");
                Directory.CreateDirectory(folder);
                var folderMode = GroupShared | UnixFileMode.UserExecute | UnixFileMode.GroupExecute; // 0770
                File.SetUnixFileMode(folder, folderMode);
                var path = Path.Combine(folder, "incidents.db");
                File.WriteAllBytes(path, Array.Empty<byte>());
                File.SetUnixFileMode(path, GroupShared); // 0660

                using (var store = IncidentStore.Open(path))
                {
                    Assert.Equal(Schema.CurrentVersion, store.SchemaVersion);
                    // SQLite gives its -wal and -shm files the mode of the store, so the team can open them too.
                    Assert.Equal(GroupShared, File.GetUnixFileMode(path + "-wal"));
                }
                Assert.Equal(GroupShared, File.GetUnixFileMode(path));
                Assert.Equal(folderMode, File.GetUnixFileMode(folder));
            }
            finally { Directory.Delete(root, true); }
        }

        [SkippableFact]
        public void The_write_ahead_log_of_a_new_store_is_its_owners_only_too()
        {
            Skip.If(OperatingSystem.IsWindows(), "Unix file modes only");
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com")));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(s.FilePath + "-wal"));
        }

        static readonly string[] FakeV2 = { Schema.Migrations[0], "CREATE TABLE fake_v2 (x INTEGER); INSERT INTO fake_v2 VALUES (42);" };

        [Fact]
        public void An_older_store_is_backed_up_then_migrated_to_the_newest_version()
        {
            var root = TempFolder();
            try
            {
                var path = Path.Combine(root, "incidents.db");
                using (var v1 = IncidentStore.Open(path, new[] { Schema.Migrations[0] }))
                    v1.Execute("INSERT INTO settings (name, value) VALUES ('marker', 'kept')");

                using (var v2 = IncidentStore.Open(path, FakeV2))
                {
                    Assert.Equal(2, v2.SchemaVersion);
                    Assert.Equal(42L, v2.Scalar("SELECT x FROM fake_v2"));
                    Assert.Equal("kept", v2.Scalar("SELECT value FROM settings WHERE name = 'marker'"));
                }
                var backup = path + ".v1.bak";
                Assert.True(File.Exists(backup));
                Assert.Equal(1L, Raw(backup, "PRAGMA user_version"));
                Assert.Equal(1L, Raw(backup, "SELECT count(*) FROM settings WHERE value = 'kept'"));
                Assert.Equal(0L, Raw(backup, "SELECT count(*) FROM sqlite_master WHERE name = 'fake_v2'"));
                if (!OperatingSystem.IsWindows()) Assert.Equal(OwnerOnly, File.GetUnixFileMode(backup));

                // Opened again, nothing more is migrated or backed up.
                File.Delete(backup);
                using (var again = IncidentStore.Open(path, FakeV2)) Assert.Equal(2, again.SchemaVersion);
                Assert.False(File.Exists(backup));
            }
            finally { Directory.Delete(root, true); }
        }

        [Fact]
        public void A_failing_migration_leaves_the_store_exactly_as_it_was()
        {
            var root = TempFolder();
            try
            {
                var path = Path.Combine(root, "incidents.db");
                using (IncidentStore.Open(path, new[] { Schema.Migrations[0] })) { }
                var broken = new[] { Schema.Migrations[0], "CREATE TABLE fake_v2 (x INTEGER);", "CREATE TABLE fake_v3 (y INTEGER); INSERT INTO no_such_table VALUES (1);" };

                var ex = Assert.Throws<StoreException>(() => IncidentStore.Open(path, broken));
                Assert.Contains("version 3", ex.Message);
                Assert.Contains("not changed", ex.Message);

                Assert.Equal(1L, Raw(path, "PRAGMA user_version"));
                Assert.Equal(0L, Raw(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('fake_v2', 'fake_v3')"));
                Assert.True(File.Exists(path + ".v1.bak"));
            }
            finally { Directory.Delete(root, true); }
        }

        [Fact]
        public void The_real_migration_from_version_1_keeps_alerts_and_knows_which_import_created_them()
        {
            var root = TempFolder();
            try
            {
                var path = Path.Combine(root, "incidents.db");
                using (var v1 = IncidentStore.Open(path, new[] { Schema.Migrations[0] }))
                    v1.Execute(@"INSERT INTO alerts (id, provider_alert_id, source, tenant_id, title, severity, status, created, first_activity, last_activity, content_hash, import_id)
                                 VALUES ('x:t:1', '1', 'x', 't', 'Old alert', 3, 1, 0, 0, 0, 'h', 'import-1')");
                using var current = IncidentStore.Open(path);
                Assert.Equal(Schema.CurrentVersion, current.SchemaVersion);
                Assert.Equal("import-1", current.Scalar("SELECT created_import_id FROM alerts WHERE id = 'x:t:1'"));
                Assert.Equal(new[] { "x:t:1" }, new StoreRemover(current, "test").AlertsCreatedBy("import-1"));
            }
            finally { Directory.Delete(root, true); }
        }

        [Fact]
        public void A_backup_is_a_whole_self_contained_store_and_never_overwrites_unless_asked()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com")),
                     GraphAlert.Make("a2", Min(5), GraphAlert.User("alice@contoso.com")));
            var copy = Path.Combine(s.Folder, "copy.db");
            s.Store.BackupTo(copy);
            Assert.Equal(2L, Raw(copy, "SELECT count(*) FROM alerts"));
            Assert.Equal((long)Schema.CurrentVersion, Raw(copy, "PRAGMA user_version"));
            Assert.False(File.Exists(copy + "-wal"));
            if (!OperatingSystem.IsWindows()) Assert.Equal(OwnerOnly, File.GetUnixFileMode(copy));

            s.Import(GraphAlert.Make("a3", Min(10), GraphAlert.User("alice@contoso.com")));
            Assert.Throws<IOException>(() => s.Store.BackupTo(copy));
            Assert.Equal(2L, Raw(copy, "SELECT count(*) FROM alerts"));
            s.Store.BackupTo(copy, overwrite: true);
            Assert.Equal(3L, Raw(copy, "SELECT count(*) FROM alerts"));
            Assert.Empty(Directory.GetFiles(s.Folder, "copy.db.partial-*"));
        }

        [Fact]
        public void A_file_whose_import_was_interrupted_is_read_again_by_the_next_run()
        {
            using var s = new TestStore();
            var file = Path.Combine(s.Folder, "alerts.json");
            File.WriteAllText(file, "{\"value\":[" + string.Join(",", Enumerable.Range(1, 3).Select(i => GraphAlert.Make("f" + i, Min(i * 100), GraphAlert.User($"user{i}@contoso.com")).ToString())) + "]}");

            // A session that read the file but never completed (the process died before the end).
            var interrupted = new ImportSession(s.Store, new ImportOptions { BatchSize = 1 }, s.Problems.Add);
            interrupted.ImportFile(file);
            interrupted.Dispose();
            Assert.Equal(0L, s.Count("SELECT count(*) FROM imported_files"));

            var rerun = s.ImportFile(file);
            Assert.Equal(0, rerun.UnchangedFiles);
            Assert.Equal(3, rerun.Unchanged);
            Assert.Equal(3, s.LiveIncidents().Count);
            Assert.Equal(1, s.ImportFile(file).UnchangedFiles);
        }
    }
}
