using System;
using System.Collections.Generic;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace IncidentTools.Store
{
    /// <summary>
    /// A prepared statement for the import's and correlation's hot paths, run through SQLite's own API on the
    /// store's connection (and so inside its transaction). Microsoft.Data.Sqlite looks every parameter up by name,
    /// with a fresh UTF-8 copy of the name, on every execution: on statements run hundreds of thousands of times
    /// that was a tenth of an import. Here each name is looked up once, when the statement is prepared.
    /// Values stay bound until set again, as with SqliteCommand parameters. The store finalizes the statements still
    /// open when it closes (an import stopped by an error), so its file is never left open behind it.
    /// </summary>
    internal sealed class Statement : IDisposable
    {
        readonly IncidentStore _store;
        readonly sqlite3 _db;
        readonly sqlite3_stmt _stmt;
        readonly Dictionary<string, int> _index = new Dictionary<string, int>(StringComparer.Ordinal);

        public Statement(IncidentStore store, string sql)
        {
            _store = store;
            _db = store.Connection.Handle ?? throw new InvalidOperationException("The store's connection is not open.");
            Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));
            store.Track(this);
            int count = raw.sqlite3_bind_parameter_count(_stmt);
            for (int i = 1; i <= count; i++) _index[raw.sqlite3_bind_parameter_name(_stmt, i).utf8_to_string()] = i;
        }

        /// <summary>Binds a value (null, string, integer, byte array or double) to a named parameter.</summary>
        public Statement Set(string name, object? value)
        {
            if (!_index.TryGetValue(name, out int i)) throw new ArgumentException($"The statement has no parameter {name}.", nameof(name));
            Check(value switch
            {
                null => raw.sqlite3_bind_null(_stmt, i),
                DBNull => raw.sqlite3_bind_null(_stmt, i),
                string s => raw.sqlite3_bind_text(_stmt, i, s),
                long l => raw.sqlite3_bind_int64(_stmt, i, l),
                int n => raw.sqlite3_bind_int64(_stmt, i, n),
                bool b => raw.sqlite3_bind_int64(_stmt, i, b ? 1 : 0),
                byte[] bytes => raw.sqlite3_bind_blob(_stmt, i, bytes),
                double d => raw.sqlite3_bind_double(_stmt, i, d),
                Enum e => raw.sqlite3_bind_int64(_stmt, i, Convert.ToInt64(e)),
                _ => throw new ArgumentException($"Cannot bind a {value.GetType().Name} to {name}.", nameof(value)),
            });
            return this;
        }

        /// <summary>Runs the statement to its end; returns the rows it changed.</summary>
        public int Run()
        {
            try { while (Step()) { } }
            finally { raw.sqlite3_reset(_stmt); }
            return raw.sqlite3_changes(_db);
        }

        /// <summary>The rows of a query, read one at a time with the column getters; the statement is reset at the end.</summary>
        public IEnumerable<Statement> Rows()
        {
            try { while (Step()) yield return this; }
            finally { raw.sqlite3_reset(_stmt); }
        }

        public bool IsNull(int column) => raw.sqlite3_column_type(_stmt, column) == raw.SQLITE_NULL;
        public long Int64(int column) => raw.sqlite3_column_int64(_stmt, column);
        public int Int32(int column) => raw.sqlite3_column_int(_stmt, column);
        public string Text(int column) => raw.sqlite3_column_text(_stmt, column).utf8_to_string();
        public string? TextOrNull(int column) => IsNull(column) ? null : Text(column);

        /// <summary>How often SQLite has prepared the statement again since it was first prepared (a schema change, or a
        /// bound value its plan depends on).</summary>
        public int Reprepared => raw.sqlite3_stmt_status(_stmt, SqliteStmtStatusReprepare, 0);

        /// <summary>The statement's parameters, by name.</summary>
        public IEnumerable<string> ParameterNames => _index.Keys;

        /// <summary>SQLITE_STMTSTATUS_REPREPARE, which SQLitePCL.raw does not name.</summary>
        const int SqliteStmtStatusReprepare = 5;

        /// <summary>The rowid of the last row the connection inserted.</summary>
        public long LastInsertRowId => raw.sqlite3_last_insert_rowid(_db);

        bool Step()
        {
            int rc = raw.sqlite3_step(_stmt);
            if (rc == raw.SQLITE_ROW) return true;
            if (rc == raw.SQLITE_DONE) return false;
            throw Error(rc);
        }

        void Check(int rc)
        {
            if (rc != raw.SQLITE_OK) throw Error(rc);
        }

        SqliteException Error(int rc) => new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(_db).utf8_to_string()}'.", rc, raw.sqlite3_extended_errcode(_db));

        public void Dispose()
        {
            _store.Forget(this);
            _stmt.Dispose();
        }
    }
}
