using System;
using System.Linq;
using IncidentTools.Store;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>Undoing an import and purging old data: what goes, what is recomputed, what is recorded.</summary>
    public class RemovalTests
    {
        static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);

        static void AssertNoOrphans(TestStore s)
        {
            Assert.Equal(0, s.Count("SELECT count(*) FROM alert_entities ae WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.seq = ae.alert_seq)"));
            Assert.Equal(0, s.Count("SELECT count(*) FROM alert_originals o WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.seq = o.alert_seq)"));
            Assert.Equal(0, s.Count("SELECT count(*) FROM entities e WHERE NOT EXISTS (SELECT 1 FROM alert_entities ae WHERE ae.entity_id = e.id)"));
            Assert.Equal(0, s.Count("SELECT count(*) FROM entities e WHERE alert_count <> (SELECT count(*) FROM alert_entities ae WHERE ae.entity_id = e.id)"));
            Assert.Equal(0, s.Count("SELECT count(*) FROM correlation_links l WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = l.alert_id) OR NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = l.linked_alert_id) OR NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = l.incident_id)"));
            Assert.Equal(0, s.Count("SELECT count(*) FROM correlation_refusals r WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = r.incident_id)"));
            Assert.Equal(0, s.Count("SELECT count(*) FROM alerts a WHERE a.incident_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = a.incident_id)"));
            Assert.Equal(0, s.Count("SELECT count(*) FROM incident_tags t WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = t.incident_id)"));
            Assert.Equal(0, s.Count("SELECT count(*) FROM comments c WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = c.incident_id)"));
            Assert.Equal(0, s.Count("SELECT count(*) FROM incidents i WHERE i.status <> 3 AND i.alert_count <> (SELECT count(*) FROM alerts a WHERE a.incident_id = i.id)"));
        }

        [Fact]
        public void Undoing_an_import_removes_what_it_added_recomputes_what_it_touched_and_lets_the_file_be_read_again()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("old1", Min(0), GraphAlert.TenantA, "Low", "Execution", GraphAlert.User("alice@contoso.com")));
            long kept = s.IncidentOf("old1");
            var before = s.Incident(kept);

            var file = System.IO.Path.Combine(s.Folder, "wrong.json");
            System.IO.File.WriteAllText(file, "{\"value\":[" + string.Join(",",
                GraphAlert.Make("new1", Min(5), GraphAlert.TenantA, "High", "Execution", GraphAlert.User("alice@contoso.com"), GraphAlert.Ip("198.51.100.9")).ToString(),
                GraphAlert.Make("new2", Min(500), GraphAlert.User("zed@contoso.com")).ToString()) + "]}");
            var wrong = s.ImportFile(file);
            long added = s.IncidentOf("new2");
            Assert.Equal(Severity.High, s.Incident(kept).Severity);
            Assert.Equal(2, s.Incident(kept).AlertCount);

            var remover = new StoreRemover(s.Store, "analyst");
            var ids = remover.AlertsCreatedBy(wrong.ImportId);
            Assert.Equal(new[] { GraphAlert.AlertId("new1"), GraphAlert.AlertId("new2") }, ids);
            var result = remover.RemoveAlerts(ids, "import " + wrong.ImportId + " undone");
            remover.ForgetImport(wrong.ImportId);

            Assert.Equal(2, result.AlertsRemoved);
            Assert.Equal(new[] { added }, result.RemovedIncidentIds);
            Assert.Equal(new[] { kept }, result.UpdatedIncidentIds);
            Assert.True(result.EntitiesRemoved >= 2, "the IP and zed are no alert's entities any more");
            Assert.Null(s.Reader.Incident(added));
            var after = s.Incident(kept);
            Assert.Equal(1, after.AlertCount);
            Assert.Equal(Severity.Low, after.Severity);
            Assert.Equal(before.DisplayName, after.DisplayName);
            AssertNoOrphans(s);

            var history = s.Reader.History(kept).ToList();
            var removal = Assert.Single(history, h => h.Action == "AlertRemoved");
            Assert.Equal("analyst", removal.Actor);
            Assert.Equal(GraphAlert.AlertId("new1"), removal.OldValue);
            Assert.Contains(wrong.ImportId, removal.NewValue);
            var removedLog = s.Reader.History(added).ToList();
            Assert.Equal("Removed", removedLog.Last().Action);
            Assert.Contains("last alert was removed", removedLog.Last().NewValue);

            var again = s.ImportFile(file);
            Assert.Equal(0, again.UnchangedFiles);
            Assert.Equal(2, again.Created);
        }

        [Fact]
        public void Undoing_an_import_keeps_alerts_it_only_updated()
        {
            using var s = new TestStore();
            var first = s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com")));
            var second = s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com"), GraphAlert.Ip("198.51.100.9")),
                                  GraphAlert.Make("a2", Min(1), GraphAlert.User("alice@contoso.com")));
            var remover = new StoreRemover(s.Store, "analyst");
            Assert.Equal(new[] { GraphAlert.AlertId("a2") }, remover.AlertsCreatedBy(second.ImportId));
            Assert.Equal(1, remover.AlertsOnlyUpdatedBy(second.ImportId));
            Assert.Equal(new[] { GraphAlert.AlertId("a1") }, remover.AlertsCreatedBy(first.ImportId));
            Assert.True(remover.ImportExists(second.ImportId));
            Assert.False(remover.ImportExists("no-such-import"));
        }

        [Fact]
        public void Purging_alerts_before_a_date_keeps_newer_alerts_and_their_incident()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com")),
                     GraphAlert.Make("a2", Min(30), GraphAlert.User("alice@contoso.com")),
                     GraphAlert.Make("b1", Min(1), GraphAlert.User("bob@contoso.com")));
            long alice = s.IncidentOf("a1"), bob = s.IncidentOf("b1");
            var remover = new StoreRemover(s.Store, "retention-job");
            var old = remover.AlertsBefore(GraphAlert.T0 + Min(20));
            Assert.Equal(new[] { GraphAlert.AlertId("a1"), GraphAlert.AlertId("b1") }, old);
            var result = remover.RemoveAlerts(old, "older than retention");
            Assert.Equal(new[] { bob }, result.RemovedIncidentIds);
            Assert.Equal(new[] { alice }, result.UpdatedIncidentIds);
            Assert.Equal(GraphAlert.T0 + Min(30), s.Incident(alice).FirstActivityDateTime);
            AssertNoOrphans(s);
        }

        [Fact]
        public void Removing_an_incident_takes_its_alerts_tags_comments_and_the_incidents_merged_into_it()
        {
            using var s = new TestStore();
            // a1 (alice) and a2 (bob) start two incidents; a3 shares alice and bob and merges them.
            s.Import(GraphAlert.Make("a1", Min(0), GraphAlert.User("alice@contoso.com")),
                     GraphAlert.Make("a2", Min(1), GraphAlert.User("bob@contoso.com")));
            s.Import(GraphAlert.Make("a3", Min(2), GraphAlert.User("alice@contoso.com"), GraphAlert.User("bob@contoso.com")));
            s.Import(GraphAlert.Make("other", Min(600), GraphAlert.User("carol@contoso.com")));
            var survivor = s.IncidentOf("a1");
            var redirected = s.Reader.Incidents(new IncidentFilter { Statuses = new[] { IncidentStatus.Redirected } }).Select(i => i.Id).ToList();
            Assert.NotEmpty(redirected);
            var editor = new IncidentEditor(s.Store);
            editor.Apply(survivor, new IncidentChange { AddTags = new[] { "purge-me" }, Comment = "looked at it", Actor = "analyst" });

            var result = new StoreRemover(s.Store, "admin").RemoveIncidents(new[] { survivor, 999L }, "closed long ago");
            Assert.Equal(new[] { survivor }.Concat(redirected).OrderBy(i => i), result.RemovedIncidentIds);
            Assert.Equal(3, result.AlertsRemoved);
            Assert.Single(s.LiveIncidents());
            Assert.Equal(1, s.Count("SELECT count(*) FROM alerts"));
            AssertNoOrphans(s);
            var last = s.Reader.History(survivor).Last();
            Assert.Equal(("Removed", "admin", "closed long ago"), (last.Action, last.Actor, last.NewValue));
        }
    }
}
