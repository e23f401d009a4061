using System.IO;
using System;
using System.Linq;
using IncidentTools.Correlation;
using IncidentTools.Store;
using Xunit;

namespace IncidentTools.Tests
{
    /// <summary>Priority: documented factors that add up to the score; closed incidents never outrank open ones.</summary>
    public class PriorityTests
    {
        static readonly DateTimeOffset Now = new DateTimeOffset(2026, 11, 3, 12, 0, 0, TimeSpan.Zero);

        [Fact]
        public void The_factors_add_up_to_the_priority()
        {
            var (p, f) = PriorityCalculator.Compute(Severity.High, tactics: 3, assets: 2, alertTypes: 3, Now.AddHours(-1), Now, IncidentStatus.Active);
            Assert.Equal(40 + 12 + 10 + 6 + 6 + 5, p);
            Assert.Equal(p, f.Values.Sum());
            Assert.DoesNotContain(PriorityCalculator.ClosedFactor, f.Keys);
        }

        [Theory]
        [InlineData(IncidentStatus.Resolved)]
        [InlineData(IncidentStatus.Redirected)]
        public void A_closed_incident_has_priority_zero_and_keeps_the_factors_that_explain_it(IncidentStatus status)
        {
            var (p, f) = PriorityCalculator.Compute(Severity.High, 3, 2, 3, Now, Now, status);
            Assert.Equal(0, p);
            Assert.Equal(40, f["Severity"]);
            Assert.Equal(-79, f[PriorityCalculator.ClosedFactor]);
            Assert.Equal(0, f.Values.Sum());
            var (reopened, again) = PriorityCalculator.ForStatus(f, IncidentStatus.Active);
            Assert.Equal(79, reopened);
            Assert.DoesNotContain(PriorityCalculator.ClosedFactor, again.Keys);
        }

        [Fact]
        public void Resolving_drops_an_incident_below_every_open_one_in_the_priority_order_and_reopening_restores_it()
        {
            using var s = new TestStore();
            s.Import(
                GraphAlert.Make("high", TimeSpan.Zero, GraphAlert.TenantA, "High", "Execution", GraphAlert.User("alice@contoso.com")),
                GraphAlert.Make("low", TimeSpan.FromDays(3), GraphAlert.TenantA, "Low", "Discovery", GraphAlert.User("bob@contoso.com")));
            long high = s.IncidentOf("high"), low = s.IncidentOf("low");
            var byPriority = new IncidentFilter { SortBy = IncidentSortBy.Priority };
            Assert.Equal(new[] { high, low }, s.Reader.Incidents(byPriority).Select(i => i.Id));
            int before = s.Incident(high).Priority;

            new IncidentEditor(s.Store).Apply(high, new IncidentChange { Status = IncidentStatus.Resolved });
            Assert.Equal(new[] { low, high }, s.Reader.Incidents(byPriority).Select(i => i.Id));
            Assert.Equal(0, s.Incident(high).Priority);
            Assert.Equal(-before, s.Incident(high).PriorityFactors[PriorityCalculator.ClosedFactor]);

            new IncidentEditor(s.Store).Apply(high, new IncidentChange { Status = IncidentStatus.Active });
            Assert.Equal(before, s.Incident(high).Priority);
            Assert.Equal(new[] { high, low }, s.Reader.Incidents(byPriority).Select(i => i.Id));
        }

        [Fact]
        public void A_merged_away_incident_has_priority_zero()
        {
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a", TimeSpan.Zero, GraphAlert.User("alice@contoso.com")));
            s.Import(GraphAlert.Make("b", TimeSpan.FromMinutes(5), GraphAlert.Device("d1", "pc1.contoso.local")));
            s.Import(GraphAlert.Make("c", TimeSpan.FromMinutes(10), GraphAlert.User("alice@contoso.com"), GraphAlert.Device("d1", "pc1.contoso.local")));
            var redirected = Assert.Single(s.Reader.Incidents(new IncidentFilter { Statuses = new[] { IncidentStatus.Redirected } }));
            Assert.Equal(0, redirected.Priority);
            Assert.True(redirected.PriorityFactors["Severity"] > 0);
        }
    
        [Fact]
        public void Opening_a_store_from_before_the_closed_factor_settles_the_priority_of_its_closed_incidents()
        {
            // A store written by the versions before the Closed factor: the open score on a resolved incident.
            int before = Schema.Migrations.ToList().FindIndex(m => m.Contains("'$.Closed'"));
            Assert.True(before > 0);
            string folder = Path.Combine(Path.GetTempPath(), "it-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, "incidents.db");
            try
            {
                using (var old = IncidentStore.Open(path, Schema.Migrations.Take(before).ToList()))
                    old.Execute($@"INSERT INTO incidents (id, tenant_id, display_name, severity, status, created, last_update, first_activity, last_activity, priority, priority_factors)
                        VALUES (1, 't', 'resolved', 3, {(int)IncidentStatus.Resolved}, 0, 0, 0, 0, 60, '{{""Severity"":40,""Tactics"":20}}'),
                               (2, 't', 'active', 3, {(int)IncidentStatus.Active}, 0, 0, 0, 0, 50, '{{""Severity"":40,""Tactics"":10}}');");
                using var migrated = IncidentStore.Open(path);
                var reader = new IncidentReader(migrated);
                Assert.Equal(0, reader.Incident(1)!.Priority);
                Assert.Equal(-60, reader.Incident(1)!.PriorityFactors[PriorityCalculator.ClosedFactor]);
                Assert.Equal(50, reader.Incident(2)!.Priority);
            }
            finally { try { Directory.Delete(folder, true); } catch (IOException) { } }
        }
    }
}
