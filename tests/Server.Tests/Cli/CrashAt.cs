using CoopAgent.Agent.Pipeline;

namespace CoopAgent.Server.Tests.Cli;

/// <summary>What <see cref="CrashAt"/> throws: a crash, as far as the run can tell.</summary>
internal sealed class SimulatedCrash() : Exception("simulated crash");

/// <summary>An observer that kills a run at one step of one stage (throws <see cref="SimulatedCrash"/>), for resume tests.</summary>
internal sealed class CrashAt(string stage, int step) : IRunObserver
{
    public void StageStarted(string s, int totalSteps)
    {
    }

    public void StageStep(string s, int n, IReadOnlyDictionary<string, double> figures)
    {
        if (s == stage && n == step)
        {
            throw new SimulatedCrash();
        }
    }

    public void StageFinished(string s, IReadOnlyDictionary<string, double> summary)
    {
    }

    public void Note(string message)
    {
    }
}
