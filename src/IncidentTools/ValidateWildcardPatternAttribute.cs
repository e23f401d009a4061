using System;
using System.Collections;
using System.Management.Automation;
using IncidentTools.Store;

namespace IncidentTools.Commands
{
    /// <summary>
    /// Refuses a wildcard pattern the store cannot match (an unclosed '[') when the parameter is bound, so the
    /// error names the parameter and the pattern instead of surfacing from the query.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateWildcardPatternAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            foreach (var value in arguments is string one ? new[] { one } : arguments as IEnumerable ?? new[] { arguments })
            {
                var text = value is PSObject pso ? pso.BaseObject as string : value as string;
                if (text == null || !Wildcard.Has(text)) continue;
                try { Wildcard.ToGlob(text); }
                catch (ArgumentException ex) { throw new ValidationMetadataException(ex.Message, ex); }
            }
        }
    }
}
