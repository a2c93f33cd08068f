namespace CoopAgent.Agent.Household;

/// <summary>
/// One kind of thing in a home (tea, cola, kitchen knife, cat). Kinds form an is-a hierarchy
/// (<c>cola</c> is a <c>soda</c> is a <c>drink</c>) so that "bring me a soda" finds the cola.
/// </summary>
/// <param name="Name">Canonical lower-case name, unique in its ontology.</param>
/// <param name="Category">Broad group.</param>
/// <param name="Traits">Attributes; <see cref="Traits.Unknown"/> for kinds the ontology has never heard of.</param>
/// <param name="Synonyms">Other words people use for it (plurals are derived, not listed).</param>
/// <param name="Parents">Names of the more general kinds it is one of.</param>
/// <param name="Price">What one costs when ordered, in the home's currency; 0 when not sold.</param>
public sealed record ObjectKind(
    string Name,
    KindCategory Category,
    Traits Traits,
    IReadOnlyList<string> Synonyms,
    IReadOnlyList<string> Parents,
    double Price = 0)
{
    /// <summary>True when the ontology knew nothing of this kind (its traits are unknown).</summary>
    public bool IsUnknown => Traits.HasFlag(Traits.Unknown);

    /// <summary>True when every flag in <paramref name="traits"/> is set.</summary>
    public bool Has(Traits traits) => (Traits & traits) == traits;

    /// <summary>A kind the ontology does not know: category and attributes unknown.</summary>
    public static ObjectKind CreateUnknown(string name) =>
        new(name.Trim().ToLowerInvariant(), KindCategory.Unknown, Traits.Unknown, [], []);

    public override string ToString() => Name;
}
