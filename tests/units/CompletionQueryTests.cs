using System;
using System.IO;
using System.Linq;
using IncidentTools.Store;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>The queries behind tab completion: bounded, prefix matches, and a store opened read-only that is never created.</summary>
    public class CompletionQueryTests
    {
        static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);

        [Fact]
        public void Opening_for_completion_never_creates_a_store()
        {
            string path = Path.Combine(Path.GetTempPath(), "it-none-" + Guid.NewGuid().ToString("N"), "incidents.db");
            Assert.Throws<StoreException>(() => IncidentStore.OpenExistingReadOnly(path));
            Assert.False(Directory.Exists(Path.GetDirectoryName(path)));
        }

        [Fact]
        public void A_read_only_store_refuses_writes()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com")));
            using var ro = IncidentStore.OpenExistingReadOnly(s.FilePath);
            Assert.Single(new CompletionQueries(ro).Incidents(""));
            Assert.ThrowsAny<Exception>(() => ro.Execute("DELETE FROM incidents;"));
            Assert.Single(s.Reader.Incidents(new IncidentFilter()));
        }

        [Fact]
        public void Incidents_match_id_prefixes_or_words_of_the_name_and_respect_the_limit()
        {
            using var s = new TestStore();
            // Alerts a day apart on different users: one incident each.
            s.Import(Enumerable.Range(0, 12).Select(i => GraphAlert.Make("a" + i, TimeSpan.FromDays(2 * i), GraphAlert.User($"user{i}@contoso.com"))).ToArray());
            var q = new CompletionQueries(s.Store);
            Assert.Equal(new long[] { 12, 11, 10, 1 }, q.Incidents("1").Select(i => i.Id).OrderByDescending(i => i).ToArray());
            Assert.Equal(3, q.Incidents("", limit: 3).Count());
            string word = s.Incident(5).DisplayName.Split(' ')[0].ToLowerInvariant();
            Assert.Equal(12, q.Incidents(word).Count());
            Assert.Empty(q.Incidents("no such name"));
        }

        [Fact]
        public void Tags_and_assignees_come_most_used_first_and_literal_percent_signs_do_not_match_everything()
        {
            using var s = new TestStore();
            s.Import(Enumerable.Range(0, 3).Select(i => GraphAlert.Make("a" + i, TimeSpan.FromDays(2 * i), GraphAlert.User($"user{i}@contoso.com"))).ToArray());
            var editor = new IncidentEditor(s.Store);
            editor.Apply(1, new IncidentChange { AddTags = new[] { "vip", "100%" }, AssignedTo = "alice@contoso.com" });
            editor.Apply(2, new IncidentChange { AddTags = new[] { "vip" }, AssignedTo = "bob@contoso.com" });
            editor.Apply(3, new IncidentChange { AssignedTo = "bob@contoso.com" });
            var q = new CompletionQueries(s.Store);
            Assert.Equal(new[] { "vip", "100%" }, q.Tags("").Select(t => t.Value));
            Assert.Equal(new[] { "100%" }, q.Tags("100%").Select(t => t.Value));
            Assert.Empty(q.Tags("%"));
            Assert.Equal(new[] { "vip" }, q.Tags("", new long[] { 2 }).Select(t => t.Value));
            Assert.Equal(new[] { "bob@contoso.com", "alice@contoso.com" }, q.Assignees("").Select(a => a.Value));
            Assert.Equal("2 incidents", q.Assignees("BOB").Single().Detail);
        }

        [Fact]
        public void Entity_names_match_a_prefix_and_the_types_asked_for()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com"), GraphAlert.Device("d1", "alice-pc.contoso.local")));
            var q = new CompletionQueries(s.Store);
            Assert.Equal(2, q.EntityNames("ALICE").Count());
            Assert.Equal("alice-pc.contoso.local", q.EntityNames("alice", new[] { EntityType.Device }).Single().Value);
        }
    }
}
