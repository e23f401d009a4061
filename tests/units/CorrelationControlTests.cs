using System;
using System.Collections.Generic;
using System.Linq;
using IncidentTools.Correlation;
using IncidentTools.Store;
using Xunit;
using static IncidentTools.Tests.GraphAlert;

namespace IncidentTools.Tests
{
    /// <summary>Explanations, people's merges and moves, link strengths and replays (issue 4).</summary>
    public class CorrelationControlTests
    {
        static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);

        static List<CorrelationLink> Explain(TestStore s, long id) => new CorrelationExplainer(s.Store).Explain(id).ToList();

        [Fact]
        public void Explain_lists_the_first_alert_and_each_link_with_entity_rule_and_gap()
        {
            using var s = new TestStore();
            s.Import(Make("e1", Min(0), User("Alice@Contoso.com")), Make("e2", Min(10), User("alice@contoso.com")));
            var links = Explain(s, s.IncidentOf("e1"));
            Assert.Equal(2, links.Count);
            Assert.Equal(("FirstAlert", AlertId("e1")), (links[0].Kind, links[0].AlertId));
            var link = links[1];
            Assert.Equal("SharedEntity", link.Kind);
            Assert.Equal(AlertId("e2"), link.AlertId);
            Assert.Equal(AlertId("e1"), link.LinkedAlertId);
            Assert.Equal(EntityType.User, link.EntityType);
            Assert.Equal("alice@contoso.com", link.EntityKey);
            Assert.Equal("SharedEntity:User", link.Rule);
            Assert.Equal(Min(5), link.Gap); // e1 runs five minutes; e2 starts ten minutes after e1 started
        }

        [Fact]
        public void Explain_shows_every_link_of_an_alert_that_merged_two_incidents()
        {
            // b1 and b2 start two incidents; b3 shares the user with b1 and the IP with b2, so it merges them.
            // Both of b3's links hold the incident together: without the second, b2 would look unrelated.
            using var s = new TestStore();
            s.Import(Make("b1", Min(0), User("kim@contoso.com")), Make("b2", Min(5), Ip("203.0.113.9")),
                     Make("b3", Min(20), User("kim@contoso.com"), Ip("203.0.113.9")));
            long id = s.IncidentOf("b1");
            Assert.Equal(id, s.IncidentOf("b2"));
            var links = Explain(s, id);
            Assert.Equal(new[] { "FirstAlert", "FirstAlert", "SharedEntity", "SharedEntity" }, links.Select(l => l.Kind));
            Assert.StartsWith("started the incident", links[0].Reason);
            Assert.Equal(AlertId("b2"), links[1].AlertId);
            Assert.Contains("a later alert linked it to this one", links[1].Reason);
            Assert.Equal((AlertId("b3"), AlertId("b1"), EntityType.User), (links[2].AlertId, links[2].LinkedAlertId, links[2].EntityType));
            Assert.Null(links[2].Reason);
            Assert.Equal((AlertId("b3"), AlertId("b2"), EntityType.Ip), (links[3].AlertId, links[3].LinkedAlertId, links[3].EntityType));
            Assert.Contains("merged into this one", links[3].Reason);
            Assert.Contains(s.Reader.History(id), h => h.Action == "MergeReason" && h.NewValue == $"alert {AlertId("b3")} shares Ip '203.0.113.9' with both");
        }

        [Fact]
        public void Explain_shows_a_refused_merge_on_both_incidents()
        {
            using var s = new TestStore();
            s.Import(Make("r1", Min(0), User("dan@contoso.com")), Make("r2", Min(5), Ip("203.0.113.7")));
            var editor = new IncidentEditor(s.Store);
            editor.Apply(s.IncidentOf("r1"), new IncidentChange { AssignedTo = "ann@contoso.com" });
            editor.Apply(s.IncidentOf("r2"), new IncidentChange { AssignedTo = "ben@contoso.com" });
            s.Import(Make("r3", Min(9), User("dan@contoso.com"), Ip("203.0.113.7")));
            foreach (var id in new[] { s.IncidentOf("r1"), s.IncidentOf("r2") })
            {
                var refused = Assert.Single(Explain(s, id), l => l.Kind == "Refused");
                Assert.True(refused.Reason!.Contains("assigned to different people"), refused.Reason);
                Assert.Equal(AlertId("r3"), refused.AlertId);
            }
        }

        [Fact]
        public void Weak_entity_types_link_only_together()
        {
            var policy = new CorrelationPolicy();
            policy.LinkingTypes["Ip"] = 0.5;
            policy.LinkingTypes["Url"] = 0.5;
            using var s = new TestStore(policy);
            s.Import(Make("w1", Min(0), Ip("203.0.113.9"), Url("http://evil.example/a")),
                     Make("w2", Min(5), Ip("203.0.113.9")),
                     Make("w3", Min(9), Ip("203.0.113.9"), Url("http://evil.example/a")));
            Assert.NotEqual(s.IncidentOf("w1"), s.IncidentOf("w2"));
            Assert.Equal(s.IncidentOf("w1"), s.IncidentOf("w3"));
            Assert.Contains(Explain(s, s.IncidentOf("w1")), l => l.AlertId == AlertId("w3") && l.Rule == "SharedEntities:Ip+Url");
        }

        [Fact]
        public void Merge_redirects_the_sources_moves_alerts_and_tags_and_keeps_their_comments_reachable()
        {
            using var s = new TestStore();
            s.Import(Make("m1", Min(0), User("eve@contoso.com")), Make("m2", Min(5), User("fay@contoso.com")));
            long a = s.IncidentOf("m1"), b = s.IncidentOf("m2");
            var editor = new IncidentEditor(s.Store);
            editor.Apply(b, new IncidentChange { AddTags = new[] { "phish" } });
            editor.AddComment(b, "seen by the mail team", "ann");
            var merged = new IncidentMerger(s.Store).Merge(a, new[] { b }, "ann", "same campaign");
            Assert.Equal(2, merged.AlertCount);
            Assert.Contains("phish", merged.Tags);
            var source = s.Incident(b);
            Assert.Equal(IncidentStatus.Redirected, source.Status);
            Assert.Equal(a, source.RedirectIncidentId);
            Assert.Contains(s.Reader.Comments(a), c => c.Comment == "seen by the mail team" && c.IncidentId == b);
            Assert.Contains(s.Reader.History(a), h => h.Action == "Merged" && h.Actor == "ann" && h.NewValue == b.ToString());
            Assert.Contains(Explain(s, a), l => l.Kind == "Merge" && l.AlertId == AlertId("m2") && l.Actor == "ann");
            var redirected = Assert.Single(Explain(s, b));
            Assert.Equal(("Redirected", (long?)a, "ann"), (redirected.Kind, redirected.OtherIncidentId, redirected.Actor));
            Assert.Contains("same campaign", redirected.Reason);
            Assert.Throws<ArgumentException>(() => new IncidentMerger(s.Store).Merge(a, new[] { b }, "ann"));
        }

        [Fact]
        public void Incidents_of_different_tenants_are_never_merged()
        {
            using var s = new TestStore();
            s.Import(Make("x1", Min(0), TenantA, "High", "Execution", User("gus@contoso.com")),
                     Make("x2", Min(0), TenantB, "High", "Execution", User("gus@contoso.com")));
            var e = Assert.Throws<ArgumentException>(() => new IncidentMerger(s.Store).Merge(s.IncidentOf("x1"), new[] { s.IncidentOf("x2", TenantB) }, "ann"));
            Assert.Contains("different tenants", e.Message);
        }

        [Fact]
        public void Move_to_a_new_incident_recomputes_both_and_an_emptied_incident_redirects()
        {
            using var s = new TestStore();
            s.Import(Make("v1", Min(0), User("hal@contoso.com"), Device("dev-1", "ws1.contoso.local")), Make("v2", Min(5), User("hal@contoso.com")));
            long a = s.IncidentOf("v1");
            var move = new IncidentMerger(s.Store).MoveAlert(AlertId("v1"), null, "ann");
            Assert.Equal(a, move.FromIncidentId);
            Assert.NotEqual(a, move.ToIncidentId);
            Assert.Equal(1, s.Incident(a).AlertCount);
            Assert.Equal(0, s.Incident(a).DeviceCount);
            Assert.Equal(1, s.Incident(move.ToIncidentId).DeviceCount);
            Assert.Contains(s.Reader.History(move.ToIncidentId), h => h.Action == "Created" && h.Field == "SplitFromIncidentId" && h.NewValue == a.ToString());

            var back = new IncidentMerger(s.Store).MoveAlert(AlertId("v2"), move.ToIncidentId, "ann");
            Assert.True(back.SourceRedirected);
            Assert.Equal(IncidentStatus.Redirected, s.Incident(a).Status);
            Assert.Equal(2, s.Incident(move.ToIncidentId).AlertCount);
        }

        static JObjectArray Scenario() => new JObjectArray
        {
            Make("s1", Min(0), User("ida@contoso.com")), Make("s2", Min(30), User("ida@contoso.com")),
            Make("s3", Min(300), User("ida@contoso.com"), Ip("198.51.100.20")), Make("s4", Min(320), Ip("198.51.100.20")),
            Make("s5", Min(10), Device("dev-9", "ws9.contoso.local")), Make("s6", Min(15), Device("dev-9", null)),
        };

        sealed class JObjectArray : System.Collections.Generic.List<Newtonsoft.Json.Linq.JObject> { }

        [Fact]
        public void Replay_under_the_same_policy_changes_nothing()
        {
            using var s = new TestStore();
            s.Import(Scenario().ToArray());
            var before = s.Assignment();
            long history = s.Count("SELECT count(*) FROM history");
            long versions = s.Count("SELECT sum(version) FROM incidents");
            var changes = new CorrelationReplay(s.Store, CorrelationPolicyStore.Load(s.Store)).Run(null, apply: true, "ann");
            Assert.Empty(changes);
            Assert.Equal(versions, s.Count("SELECT sum(version) FROM incidents")); // untouched incidents keep their Version
            Assert.Equal(before, s.Assignment());
            Assert.Equal(history, s.Count("SELECT count(*) FROM history"));
            Assert.Equal(s.Count("SELECT count(*) FROM alerts"), Explain(s, s.IncidentOf("s1")).Count + Explain(s, s.IncidentOf("s5")).Count);
        }

        [Fact]
        public void Replay_preview_reports_a_split_and_changes_nothing()
        {
            using var s = new TestStore();
            s.Import(Scenario().ToArray());
            var before = s.Assignment();
            long history = s.Count("SELECT count(*) FROM history"), incidents = s.Count("SELECT count(*) FROM incidents");
            var narrow = CorrelationPolicyStore.Load(s.Store);
            narrow.WindowHours = 1;
            var changes = new CorrelationReplay(s.Store, narrow).Run(null, apply: false, "ann");
            var split = Assert.Single(changes, c => c.Kind == "Split");
            Assert.Equal(s.IncidentOf("s1"), split.IncidentId);
            Assert.Equal(new[] { AlertId("s3"), AlertId("s4") }, split.AlertsRemoved);
            Assert.Empty(split.RelatedIncidentIds); // the new incident has no id before it is applied
            Assert.Equal(1, split.NewIncidentCount);
            var created = Assert.Single(changes, c => c.Kind == "New");
            Assert.Null(created.IncidentId);
            Assert.False(created.Applied);
            Assert.Equal(before, s.Assignment());
            Assert.Equal(history, s.Count("SELECT count(*) FROM history"));
            Assert.Equal(incidents, s.Count("SELECT count(*) FROM incidents"));
        }

        [Fact]
        public void Replay_split_keeps_the_id_and_work_with_the_larger_part_and_the_new_part_says_where_it_came_from()
        {
            using var s = new TestStore();
            s.Import(Make("p1", Min(0), User("jo@contoso.com")), Make("p2", Min(20), User("jo@contoso.com")),
                     Make("p3", Min(40), User("jo@contoso.com")), Make("p4", Min(400), User("jo@contoso.com")));
            long id = s.IncidentOf("p1");
            Assert.Equal(id, s.IncidentOf("p4"));
            new IncidentEditor(s.Store).Apply(id, new IncidentChange { AssignedTo = "ann@contoso.com", AddTags = new[] { "case-7" } });
            var narrow = CorrelationPolicyStore.Load(s.Store);
            narrow.WindowHours = 2;
            var changes = new CorrelationReplay(s.Store, narrow).Run(null, apply: true, "ann");
            Assert.Equal(id, s.IncidentOf("p1"));
            Assert.Equal(id, s.IncidentOf("p3"));
            long part = s.IncidentOf("p4");
            Assert.NotEqual(id, part);
            Assert.Equal("ann@contoso.com", s.Incident(id).AssignedTo);
            Assert.Equal("ann@contoso.com", s.Incident(part).AssignedTo);
            Assert.Contains("case-7", s.Incident(part).Tags);
            Assert.Equal(3, s.Incident(id).AlertCount);
            Assert.Contains(s.Reader.History(part), h => h.Action == "Created" && h.NewValue == id.ToString());
            Assert.Contains(s.Reader.History(id), h => h.Action == "Split" && h.NewValue == part.ToString());
            Assert.Equal(part, Assert.Single(changes, c => c.Kind == "New").IncidentId);
        }

        [Fact]
        public void Replay_keeps_peoples_merges_and_moves()
        {
            using var s = new TestStore();
            s.Import(Make("k1", Min(0), User("kim@contoso.com")), Make("k2", Min(5), User("lou@contoso.com")),
                     Make("k3", Min(10), User("max@contoso.com")), Make("k4", Min(15), User("max@contoso.com")));
            var merger = new IncidentMerger(s.Store);
            merger.Merge(s.IncidentOf("k1"), new[] { s.IncidentOf("k2") }, "ann");
            merger.MoveAlert(AlertId("k4"), s.IncidentOf("k1"), "ann");
            var before = s.Assignment();
            var changes = new CorrelationReplay(s.Store, CorrelationPolicyStore.Load(s.Store)).Run(null, apply: true, "ann");
            Assert.Empty(changes);
            Assert.Equal(before, s.Assignment());
        }

        [Fact]
        public void Replay_respects_the_merge_rules_for_incidents_people_have_assigned()
        {
            using var s = new TestStore();
            s.Import(Make("q1", Min(0), User("ned@contoso.com")), Make("q2", Min(30), Ip("203.0.113.44")));
            var editor = new IncidentEditor(s.Store);
            editor.Apply(s.IncidentOf("q1"), new IncidentChange { AssignedTo = "ann@contoso.com" });
            editor.Apply(s.IncidentOf("q2"), new IncidentChange { AssignedTo = "ben@contoso.com" });
            s.Import(Make("q3", Min(40), User("ned@contoso.com"), Ip("203.0.113.44")));
            var before = s.Assignment();
            var changes = new CorrelationReplay(s.Store, CorrelationPolicyStore.Load(s.Store)).Run(null, apply: true, "ann");
            Assert.Empty(changes);
            Assert.Equal(before, s.Assignment());
        }
    }
}
