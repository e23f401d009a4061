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
            using var s = new TestStore();
            s.Import(GraphAlert.Make("a", TimeSpan.Zero, GraphAlert.User("alice@contoso.com")));
            s.Import(GraphAlert.Make("b", TimeSpan.FromDays(3), GraphAlert.User("bob@contoso.com")));
            new IncidentEditor(s.Store).Apply(1, new IncidentChange { Status = IncidentStatus.Resolved });
            // What the versions before the Closed factor stored: the open score on a resolved incident.
            int before = System.Linq.Enumerable.ToList(Schema.Migrations).FindIndex(m => m.Contains("'$.Closed'"));
            Assert.True(before > 0);
            s.Store.Execute($"UPDATE incidents SET priority = 60, priority_factors = '{{\"Severity\":40,\"Tactics\":20}}' WHERE id = 1; PRAGMA user_version = {before};");
            int open = s.Incident(2).Priority;
            s.Store.Dispose();
            using var migrated = IncidentStore.Open(s.FilePath);
            var reader = new IncidentReader(migrated);
            Assert.Equal(0, reader.Incident(1)!.Priority);
            Assert.Equal(-60, reader.Incident(1)!.PriorityFactors[PriorityCalculator.ClosedFactor]);
            Assert.Equal(open, reader.Incident(2)!.Priority);
        }
    }
}
