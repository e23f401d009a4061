using System;
using System.Linq;
using IncidentTools.Store;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>Issue 5's concurrent edits at engine level: what conflicts with a stale Version and what never does.</summary>
    public class IncidentConflictTests
    {
        static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);

        [Theory]
        [InlineData("tag-and-add", "either -Tag")]
        [InlineData("add-and-remove", "both added and removed")]
        [InlineData("severity-and-clear", "either -Severity or -ClearSeverity")]
        [InlineData("long-name", "at most 1024 characters")]
        public void A_contradictory_or_oversized_change_is_refused_and_nothing_changes(string kind, string message)
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("c1", Min(0), GraphAlert.User("carl@contoso.com")));
            long id = s.IncidentOf("c1");
            var before = s.Incident(id);
            var change = kind switch
            {
                "tag-and-add" => new IncidentChange { Tags = new[] { "a" }, AddTags = new[] { "b" } },
                "add-and-remove" => new IncidentChange { AddTags = new[] { "z" }, RemoveTags = new[] { "Z" } },
                "severity-and-clear" => new IncidentChange { Severity = Severity.High, ClearSeverity = true },
                _ => new IncidentChange { DisplayName = new string('x', 2_000_000) },
            };
            var e = Assert.Throws<ArgumentException>(() => new IncidentEditor(s.Store).Apply(id, change));
            Assert.Contains(message, e.Message);
            Assert.Equal(before.Version, s.Incident(id).Version);
        }

        [Fact]
        public void A_stale_version_conflicts_only_on_fields_people_changed_since()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com")));
            long id = s.IncidentOf("a1");
            long seen = s.Incident(id).Version;
            var editor = new IncidentEditor(s.Store);
            editor.Apply(id, new IncidentChange { AssignedTo = "alice", Tags = new[] { "replaced" }, Actor = "first" });

            var ex = Assert.Throws<IncidentConflictException>(() => editor.Apply(id, new IncidentChange { AssignedTo = "bob", ExpectedVersion = seen, Actor = "second" }));
            Assert.Contains("AssignedTo set to 'alice' by first", ex.Message);
            Assert.Equal(new[] { "AssignedTo" }, ex.Changes.Select(c => c.Field));
            Assert.Equal("alice", s.Incident(id).AssignedTo);

            // Other fields, added or removed tags and comments go through on the same stale version.
            var after = editor.Apply(id, new IncidentChange { Status = IncidentStatus.InProgress, AddTags = new[] { "mine" }, RemoveTags = new[] { "replaced" }, Comment = "hi", ExpectedVersion = seen, Actor = "second" });
            Assert.Equal(IncidentStatus.InProgress, after.Status);
            Assert.Equal(new[] { "mine" }, after.Tags);
            Assert.Throws<IncidentConflictException>(() => editor.Apply(id, new IncidentChange { Tags = new[] { "x" }, ExpectedVersion = seen, Actor = "second" }));
        }

        [Fact]
        public void An_import_that_adds_alerts_does_not_make_an_edit_conflict()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.TenantA, "Low", "Execution", GraphAlert.User("alice@contoso.com")));
            long id = s.IncidentOf("a1");
            long seen = s.Incident(id).Version;
            s.Import(GraphAlert.Make("a2", Min(5), GraphAlert.TenantA, "High", "CredentialAccess", GraphAlert.User("alice@contoso.com")));
            Assert.Equal(id, s.IncidentOf("a2"));
            Assert.True(s.Incident(id).Version > seen);

            var editor = new IncidentEditor(s.Store);
            var after = editor.Apply(id, new IncidentChange { DisplayName = "Alice", Status = IncidentStatus.Resolved, ExpectedVersion = seen, Actor = "analyst" });
            Assert.Equal("Alice", after.DisplayName);
            Assert.Equal(2, after.AlertCount);
        }
    }
}
