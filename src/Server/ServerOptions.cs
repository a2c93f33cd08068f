using System.Globalization;
using CoopAgent.Alignment.Models;
using TorchSharp;

namespace CoopAgent.Server;

/// <summary>
/// Settings of the chat server, read from configuration: the <c>serve</c> options arrive through the
/// command-line provider under the same names (<c>--data</c>, <c>--policy</c>, <c>--operator-token</c>),
/// the limits under <c>Limits:*</c>.
/// </summary>
public sealed class ServerOptions
{
    /// <summary>Inference threads, each with its own copy of the policy and its own batch (<c>--inference-lanes</c>). A
    /// lane keeps one core busy; the default is one per core, at most four, so the agents' own work and the web server
    /// still get time on bigger machines.</summary>
    public int InferenceLanes { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>How the served policy computes (<c>--precision fp32|bf16|auto</c>, see <see cref="InferencePrecision"/>):
    /// <c>auto</c> takes bfloat16 matrix products on a CPU that has them natively (AVX512-BF16), 32-bit floats anywhere else.</summary>
    public InferencePrecision Precision { get; set; } = InferencePrecisions.Resolve("auto", torch.CPU);

    /// <summary>Folder holding the LiteDB file (created if missing).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Policy checkpoint folder; relative paths are looked up from the current directory, the
    /// repository root and the program folder.</summary>
    public string PolicyDirectory { get; set; } = Path.Combine("policies", "default");

    /// <summary>Bearer token that may export everyone's feedback; none when empty.</summary>
    public string? OperatorToken { get; set; }

    /// <summary>Largest chat message, in UTF-8 bytes.</summary>
    public int MessageMaxBytes { get; set; } = 4096;

    /// <summary>Turns one session may take before the person must start a new one.</summary>
    public int SessionTurnLimit { get; set; } = 60;

    /// <summary>Largest uploaded scenario JSON, in UTF-8 bytes.</summary>
    public int ScenarioMaxBytes { get; set; } = 64 * 1024;

    /// <summary>Scenario uploads one person may make per hour.</summary>
    public int ScenarioUploadsPerHour { get; set; } = 20;

    /// <summary>Chat messages one person may send per minute.</summary>
    public int MessagesPerMinute { get; set; } = 20;

    /// <summary>Other hub calls (feedback, session starts) per person per minute.</summary>
    public int HubCallsPerMinute { get; set; } = 120;

    /// <summary>HTTP API requests per person (or per address, before identity) per minute.</summary>
    public int HttpRequestsPerMinute { get; set; } = 60;

    /// <summary>Longest feedback reason or correction, in characters.</summary>
    public int FeedbackTextMaxChars { get; set; } = 2000;

    /// <summary>How often the policy's version pointer is read for a promoted or rolled-back version (<c>--policy-poll</c>).</summary>
    public TimeSpan PolicyPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retrain from the feedback log this often (<c>--retrain-every</c>); null: never.</summary>
    public TimeSpan? RetrainEvery { get; set; }

    /// <summary>Sizes of a scheduled retrain (<c>--retrain-preset</c>, as <c>coopagent retrain --preset</c>).</summary>
    public string RetrainPreset { get; set; } = "default";

    internal static ServerOptions FromConfiguration(IConfiguration configuration)
    {
        var options = new ServerOptions();
        options.DataDirectory = configuration["data"] ?? options.DataDirectory;
        options.PolicyDirectory = configuration["policy"] ?? options.PolicyDirectory;
        options.OperatorToken = configuration["operator-token"] ?? configuration["Operator:Token"];
        options.PolicyPollInterval = ReadDuration(configuration, "policy-poll") ?? options.PolicyPollInterval;
        options.RetrainEvery = ReadDuration(configuration, "retrain-every");
        options.RetrainPreset = configuration["retrain-preset"] ?? options.RetrainPreset;
        if (configuration["inference-lanes"] is { } lanes)
        {
            options.InferenceLanes = int.TryParse(lanes, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= 64
                ? count
                : throw new InvalidOperationException($"inference-lanes must be a whole number from 1 to 64, not '{lanes}'.");
        }

        if (configuration["precision"] is { } precision)
        {
            try
            {
                options.Precision = InferencePrecisions.Resolve(precision, torch.CPU);
            }
            catch (ArgumentException e)
            {
                throw new InvalidOperationException(e.Message, e);
            }
        }

        if (!Retraining.RetrainSizes.Names.Contains(options.RetrainPreset))
        {
            throw new InvalidOperationException($"retrain-preset must be one of {string.Join(", ", Retraining.RetrainSizes.Names)}, not '{options.RetrainPreset}'.");
        }

        var limits = configuration.GetSection("Limits");
        options.MessageMaxBytes = Read(limits, nameof(MessageMaxBytes), options.MessageMaxBytes);
        options.SessionTurnLimit = Read(limits, nameof(SessionTurnLimit), options.SessionTurnLimit);
        options.ScenarioMaxBytes = Read(limits, nameof(ScenarioMaxBytes), options.ScenarioMaxBytes);
        options.ScenarioUploadsPerHour = Read(limits, nameof(ScenarioUploadsPerHour), options.ScenarioUploadsPerHour);
        options.MessagesPerMinute = Read(limits, nameof(MessagesPerMinute), options.MessagesPerMinute);
        options.HubCallsPerMinute = Read(limits, nameof(HubCallsPerMinute), options.HubCallsPerMinute);
        options.HttpRequestsPerMinute = Read(limits, nameof(HttpRequestsPerMinute), options.HttpRequestsPerMinute);
        options.FeedbackTextMaxChars = Read(limits, nameof(FeedbackTextMaxChars), options.FeedbackTextMaxChars);
        return options;
    }

    private static TimeSpan? ReadDuration(IConfiguration configuration, string key)
    {
        var text = configuration[key];
        if (text is null)
        {
            return null;
        }

        return Hosting.Durations.TryParse(text, out var duration)
            ? duration
            : throw new InvalidOperationException($"{key} must be {Hosting.Durations.Expected}, not '{text}'.");
    }

    private static int Read(IConfiguration section, string key, int fallback)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new InvalidOperationException($"Limits:{key} must be a positive whole number, not '{text}'.");
    }
}
