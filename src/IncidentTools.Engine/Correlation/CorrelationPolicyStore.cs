using IncidentTools.Store;

namespace IncidentTools.Correlation
{
    /// <summary>The correlation policy lives in the store's settings table.</summary>
    public static class CorrelationPolicyStore
    {
        const string Key = "correlation_policy";

        public static CorrelationPolicy Load(IncidentStore store)
        {
            var json = store.Scalar("SELECT value FROM settings WHERE name = $n", null, ("$n", Key)) as string;
            return json == null ? new CorrelationPolicy() : CorrelationPolicy.FromJson(json);
        }

        public static void Save(IncidentStore store, CorrelationPolicy policy)
        {
            policy.Validate();
            using var cmd = store.Command("INSERT INTO settings (name, value) VALUES ($n, $v) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                null, ("$n", Key), ("$v", policy.ToJson()));
            cmd.ExecuteNonQuery();
        }
    }
}
