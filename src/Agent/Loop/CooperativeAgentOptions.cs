using CoopAgent.Agent.Baselines;
using CoopAgent.Agent.Belief;
using CoopAgent.Agent.Humans;

namespace CoopAgent.Agent.Loop;

/// <summary>When the agent asks. Only <see cref="ValueOfInformation"/> is the cooperative agent; the others are
/// the baselines of issue 4, built from the same parts so that the comparison isolates the rule.</summary>
public enum AskingRule
{
    /// <summary><c>full</c>: ask iff EVOI − cost &gt; 0 and the question beats looking.</summary>
    ValueOfInformation,

    /// <summary><c>never-ask</c>: act on the most likely θ.</summary>
    Never,

    /// <summary><c>always-ask</c>: ask first in every episode, then act on the belief.</summary>
    AlwaysFirst,

    /// <summary><c>entropy</c>: ask while the belief's entropy is above a threshold.</summary>
    EntropyThreshold,

    /// <summary><c>conformal</c>: ask when the calibrated prediction set over candidates has more than one.</summary>
    Conformal,
}

/// <summary>Knobs of <see cref="CooperativeAgent"/>.</summary>
public sealed record CooperativeAgentOptions
{
    public static CooperativeAgentOptions Default { get; } = new();

    /// <summary>K: candidate turns sampled from the policy per decision (sent as <c>AdditionalProperties["n"]</c>).</summary>
    public int Samples { get; init; } = 8;

    public float Temperature { get; init; } = 1.0f;

    /// <summary>Top-k of the policy's sampling; 0 = off.</summary>
    public int TopK { get; init; }

    public float TopP { get; init; } = 0.95f;

    /// <summary>Constrained decoding (<see cref="Household.PlanGrammar"/>): the policy's samples may name only rooms,
    /// things and people of the home in view, and known kinds of things for closed cupboards. Off: free text.</summary>
    public bool Grounded { get; init; } = true;

    /// <summary>Insert the walks and openings a sampled plan needs but left out (<see cref="PlanCompletion"/>).</summary>
    public bool CompletePlans { get; init; } = true;

    /// <summary>When no candidate beats doing nothing but a plan wanted to open something closed, look inside and
    /// decide again (each container once) instead of stopping.</summary>
    public bool LookWhenStuck { get; init; } = true;

    /// <summary>Longest turn sampled: a plan of eight steps is 24 tokens in the compact cl100k vocabulary, so 48 leaves
    /// room; a longer sample is a ramble, and a batch waits for its longest row (64 gave the same decisions on the
    /// built-in suite and generated homes, 20% slower).</summary>
    public int MaxOutputTokens { get; init; } = 48;

    /// <summary>The answer model's rationality β and tie tolerance: the simulated humans' family.</summary>
    public HumanOptions Person { get; init; } = new();

    /// <summary>ε of the uniform mixing in every belief update.</summary>
    public double Epsilon { get; init; } = RewardBelief.DefaultEpsilon;

    /// <summary>Prior mass of the "none of these" hypothesis.</summary>
    public double OtherMass { get; init; } = 0.05;

    public RiskAversion Risk { get; init; } = RiskAversion.Default;

    /// <summary>The harm gate refuses an action whose belief-weighted utility loss exceeds this.</summary>
    public double HarmBound { get; init; } = 20;

    /// <summary>Run every robot action through the harm gate (off only for the <c>never-ask</c> baseline).</summary>
    public bool GateActions { get; init; } = true;

    public AskingRule Asking { get; init; } = AskingRule.ValueOfInformation;

    /// <summary>Nats, for <see cref="AskingRule.EntropyThreshold"/>.</summary>
    public double EntropyThreshold { get; init; } = 0.5;

    /// <summary>The calibrated set for <see cref="AskingRule.Conformal"/>.</summary>
    public ConformalPredictionSet? Conformal { get; init; }

    /// <summary>When the policy asks first, also sample what it would do after each answer its question could
    /// get (<see cref="ImaginedAnswer"/>), so its question comes with plans to choose between.</summary>
    public bool ImagineAnswers { get; init; } = true;

    /// <summary>When the instruction's words fit several things in view ("the knife"), read each plan that uses
    /// one of them with each of the others too, so the belief chooses between them.</summary>
    public bool ReadReferents { get; init; } = true;

    /// <summary>When the instruction itself spells out a plan ("Warm up the soup and bring it to me"), that plan, read
    /// by <see cref="RequestReader"/>, is a candidate beside the policy's, scored under the belief like any other (it
    /// is the person's words, not a plan the world model wrote).</summary>
    public bool ReadInstruction { get; init; } = true;

    /// <summary>Most options one question offers.</summary>
    public int MaxOptions { get; init; } = 3;

    /// <summary>Most questions in one episode: a net against loops when answers do not settle anything.</summary>
    public int MaxQuestions { get; init; } = 3;

    /// <summary>Remember each person's posterior across episodes (<see cref="IBeliefMemory"/>).</summary>
    public bool RememberPeople { get; init; } = true;
}
