using System;
using System.Collections.Generic;
using System.Linq;
using IncidentTools.Store;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>
    /// Every text that reaches SQL is a parameter: quotes, SQL wildcards, statement separators and comment markers
    /// in filters, tags, entity names and alert ids match literally, and PowerShell wildcards keep their meaning.
    /// </summary>
    public class SqlInjectionTests
    {
        static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);

        public static readonly string[] Hostile =
        {
            "a_b", "a%b", "O'Brien", "say \"hi\"", "x'; DROP TABLE incidents; --", "1 OR 1=1", "/* c */", "-- c", "a\\b", "semi;colon", "%", "_",
        };

        /// <summary>One incident per hostile value: that value is its tag, assignee, tenant and user name.</summary>
        static (TestStore Store, Dictionary<string, long> Incidents) Build()
        {
            var s = new TestStore();
            var map = new Dictionary<string, long>();
            var look = new[] { "axb", "aXb", "anything" }; // what a SQL wildcard would wrongly match
            var all = Hostile.Concat(look).ToArray();
            for (int i = 0; i < all.Length; i++)
            {
                var alert = GraphAlert.Make("h" + i, Min(i * 1000), all[i], "High", all[i], GraphAlert.User(all[i] + "@contoso.com"));
                s.Import(alert);
                long id = s.IncidentOf("h" + i, all[i]);
                new IncidentEditor(s.Store).Apply(id, new IncidentChange { AddTags = new[] { all[i] }, AssignedTo = all[i], Actor = "t" });
                map[all[i]] = id;
            }
            return (s, map);
        }

        static long[] Query(TestStore s, Action<IncidentFilter> set)
        {
            var f = new IncidentFilter { SortBy = IncidentSortBy.Id, Ascending = true };
            set(f);
            return s.Reader.Incidents(f).Select(i => i.Id).ToArray();
        }

        [Fact]
        public void Hostile_values_match_only_themselves_in_every_filter_tag_entity_and_alert_id()
        {
            var (s, map) = Build();
            using (s)
            {
                foreach (var value in Hostile)
                {
                    var expected = new[] { map[value] };
                    var escaped = value.Replace("`", "``").Replace("[", "`[").Replace("*", "`*").Replace("?", "`?");
                    Assert.Equal(expected, Query(s, f => f.Tags = new[] { escaped }));
                    Assert.Equal(expected, Query(s, f => f.AssignedTo = new[] { escaped }));
                    Assert.Equal(expected, Query(s, f => f.TenantIds = new[] { escaped }));
                    Assert.Equal(expected, Query(s, f => f.Categories = new[] { escaped }));
                    Assert.Equal(expected, Query(s, f => f.Entities = new[] { escaped + "@contoso.com" }));
                    Assert.Equal(expected, Query(s, f => f.Entities = new[] { "*" + escaped + "@contoso.com" }).Where(expected.Contains).ToArray());
                    Assert.Equal(new long?[] { map[value] }, s.Reader.Entities(null, null, new[] { escaped + "@contoso.com" }).Select(e => e.IncidentId).Distinct());
                    Assert.Equal(new[] { GraphAlert.AlertId("h" + Array.IndexOf(Hostile, value), value) },
                                 s.Reader.Alerts(null, new[] { GraphAlert.AlertId("h" + Array.IndexOf(Hostile, value), value) }).Select(a => a.Id));
                }
                // None of it ran as SQL: every table and row is still there.
                Assert.Equal(Hostile.Length + 3, s.Count("SELECT count(*) FROM incidents"));
                Assert.Equal(Hostile.Length + 3, s.Count("SELECT count(*) FROM incident_tags"));
            }
        }

        [Fact]
        public void Sql_wildcards_are_literal_and_PowerShell_wildcards_keep_their_meaning()
        {
            var (s, map) = Build();
            using (s)
            {
                Assert.Equal(new[] { map["a_b"] }, Query(s, f => f.Tags = new[] { "a_b" }));
                Assert.Equal(new[] { map["%"] }, Query(s, f => f.Tags = new[] { "%" }));
                Assert.Equal(new[] { map["a%b"] }, Query(s, f => f.Tags = new[] { "a%*" }));
                Assert.Equal(new[] { map["a_b"], map["a%b"], map["a\\b"], map["axb"], map["aXb"] }.OrderBy(i => i), Query(s, f => f.Tags = new[] { "a?b" }));
                Assert.Equal(new[] { map["axb"], map["aXb"] }, Query(s, f => f.Tags = new[] { "a[x]b" }));
                Assert.Equal(new[] { map["a_b"], map["axb"], map["aXb"] }, Query(s, f => f.Tags = new[] { "A[_X]B" }));
                Assert.Equal(new[] { map["x'; DROP TABLE incidents; --"] }, Query(s, f => f.Tags = new[] { "*DROP TABLE*" }));
                Assert.Equal(new[] { map["O'Brien"] }, Query(s, f => f.AssignedTo = new[] { "o'b*" }));
            }
        }

        [Fact]
        public void Backtick_escapes_make_wildcard_characters_literal_and_a_broken_set_is_a_clear_error()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("w1", Min(0), GraphAlert.User("alice@contoso.com")), GraphAlert.Make("w2", Min(1000), GraphAlert.User("bob@contoso.com")));
            var editor = new IncidentEditor(s.Store);
            editor.Apply(s.IncidentOf("w1"), new IncidentChange { AddTags = new[] { "a*[1]" }, Actor = "t" });
            editor.Apply(s.IncidentOf("w2"), new IncidentChange { AddTags = new[] { "abc1" }, Actor = "t" });
            Assert.Equal(new[] { s.IncidentOf("w1") }, Query(s, f => f.Tags = new[] { "a`*`[1]" }));
            Assert.Equal(new[] { s.IncidentOf("w1") }, Query(s, f => f.Tags = new[] { "a`*`[*" }));
            Assert.Equal(new[] { s.IncidentOf("w2") }, Query(s, f => f.Tags = new[] { "a*[1]" }));
            Assert.False(Wildcard.Has("a`*`[1`]"));
            Assert.Equal("a*[1]", Wildcard.Unescape("a`*`[1`]"));
            var ex = Assert.Throws<ArgumentException>(() => Query(s, f => f.Tags = new[] { "a[b" }));
            Assert.Contains("'a[b'", ex.Message);
            Assert.Contains("`[", ex.Message);
        }
    }
}
