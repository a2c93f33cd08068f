using System.Collections.Concurrent;
using System.Diagnostics;
using CoopAgent.Server.Hubs;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;

namespace CoopAgent.Server.Cli.Bench;

/// <summary>
/// <c>coopagent bench --only chat</c>: the chat server on a loopback port with the real agent and the policy
/// <c>serve</c> would use (<c>policies/default</c>, else the untrained fallback). Time to the first item of a reply
/// (a word, a question or an executed action) for one client (p50, p99), then 50 concurrent clients for 60 s (10 s with <c>--quick</c>): their
/// p99 time to first item (and its p50 and p99 without each client's first turn, the opening burst), the number of failed turns, policy calls per second, samples per decoding step, the share
/// of prompt tokens reused from a shared prefix, the rows the model computed per step, and the process's resident memory before and after.
/// Targets: 0 errors, p99 &lt; 1 s.
/// </summary>
public sealed class ChatBench : IBenchSection
{
    private static readonly string[] Script = ["I'm thirsty", "Could you make me something to eat?", "Please tidy the kitchen."];

    public string Name => "chat";

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        const int clients = 50;
        var seconds = context.Quick ? 10 : 60;
        var singleTurns = context.Quick ? 5 : 20;
        var data = Directory.CreateTempSubdirectory("coopagent-chat-bench-").FullName;
        string[] args =
        [
            // Logs go to stderr: stdout carries only the bench's JSON.
            "--urls=http://127.0.0.1:0", $"--data={data}", "--Logging:LogLevel:Default=Warning",
            "--Logging:Console:LogToStandardErrorThreshold=Trace",
            "--Limits:MessagesPerMinute=1000000", "--Limits:HttpRequestsPerMinute=1000000",
            "--Limits:HubCallsPerMinute=1000000", "--Limits:SessionTurnLimit=1000000",
        ];
        await using var app = ServerApp.Build(args);
        await app.StartAsync(cancellationToken);
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var figures = new Dictionary<string, double>(StringComparer.Ordinal);

            context.Progress.WriteLine($"[bench] chat: {singleTurns} turns from one client");
            await using (var client = await ChatClient.ConnectAsync(address, cancellationToken))
            {
                var single = new List<double>();
                for (var i = 0; i < singleTurns; i++)
                {
                    single.Add((await client.TurnAsync(Script[i % Script.Length], cancellationToken)).FirstItemMs);
                    await client.ResetAsync(cancellationToken);
                }

                figures["chat_first_token_ms_p50"] = Percentile(single, 0.50);
                figures["chat_first_token_ms_p99"] = Percentile(single, 0.99);
            }

            context.Progress.WriteLine($"[bench] chat: {clients} clients for {seconds} s");
            var batcher = (app.Services.GetRequiredService<Sessions.IConversationEngine>() as Sessions.CooperativeConversationEngine)?.Batcher;
            var countsBefore = batcher?.Counts ?? default;
            var rssBefore = ResidentMegabytes();
            var latencies = new ConcurrentBag<double>();
            var afterFirst = new ConcurrentBag<double>(); // turns after each client's first: past the opening burst
            var errors = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            var load = Enumerable.Range(0, clients).Select(async c =>
            {
                ChatClient? client = null;
                try
                {
                    client = await ChatClient.ConnectAsync(address, cancellationToken);
                    for (var i = c; !stop.IsCancellationRequested; i++)
                    {
                        // A turn still waiting at the end of the window is cut off; its wait so far counts as its
                        // first-item time (a lower bound), and it is not an error.
                        var turn = await client.TurnAsync(Script[i % Script.Length], stop.Token);
                        latencies.Add(turn.FirstItemMs);
                        if (i > c)
                        {
                            afterFirst.Add(turn.FirstItemMs);
                        }

                        if (!turn.Ok && !stop.IsCancellationRequested)
                        {
                            Interlocked.Increment(ref errors);
                        }

                        // After the turn is counted: a reset cut off by the window's end loses nothing.
                        await client.ResetAsync(stop.Token);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // The window closed while this client was between turns.
                }
#pragma warning disable CA1031 // every failure of a client is counted as an error, whatever it is
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref errors);
                    context.Progress.WriteLine($"[bench] chat client {c}: {e.GetType().Name}: {e.Message}");
                }
                finally
                {
                    if (client is not null)
                    {
                        await client.DisposeAsync();
                    }
                }
            }).ToList();
            await Task.WhenAll(load);

            figures["load_clients"] = clients;
            figures["load_turns"] = latencies.Count;
            figures["load_first_token_ms_p99"] = Percentile(latencies.ToList(), 0.99);
            // The same without each client's first turn: the 50 first messages go out at once, and that burst, a few
            // per cent of the turns, sets most of the p99 above.
            figures["load_first_token_ms_p50_after_first_turn"] = Percentile(afterFirst.ToList(), 0.50);
            figures["load_first_token_ms_p99_after_first_turn"] = Percentile(afterFirst.ToList(), 0.99);
            figures["load_errors"] = errors;
            if (batcher is not null)
            {
                // Policy calls (agent decisions, feedback alternatives) answered per second, and how many samples each
                // decoding step carried on average.
                var counts = batcher.Counts;
                figures["load_policy_calls_per_s"] = Math.Round((counts.Calls - countsBefore.Calls) / (double)seconds, 1);
                figures["load_rows_per_step"] = Math.Round((counts.RowSteps - countsBefore.RowSteps) / (double)Math.Max(1, counts.Steps - countsBefore.Steps), 1);
                // Of those, the rows the model computed: a call's samples that have drawn the same tokens so far are one.
                figures["load_decoded_rows_per_step"] = Math.Round((counts.DecodedRowSteps - countsBefore.DecodedRowSteps) / (double)Math.Max(1, counts.Steps - countsBefore.Steps), 1);
                // Share of prompt tokens taken from a prefix shared with a recent prompt instead of prefilled.
                // Of the tokens rows took, the share a call's plan grammar dictated (fed with the drawn token before them, no
                // step of their own).
                var forced = counts.ForcedTokens - countsBefore.ForcedTokens;
                figures["load_forced_token_share"] = Math.Round(forced / (double)Math.Max(1, forced + counts.DecodedRowSteps - countsBefore.DecodedRowSteps), 2);
                figures["load_prompt_tokens_reused"] = Math.Round((counts.PromptTokensReused - countsBefore.PromptTokensReused) / (double)Math.Max(1, counts.PromptTokens - countsBefore.PromptTokens), 2);
            }

            // The process's resident memory after the single-client turns and after the load: flat when every
            // tensor of every step is released.
            figures["load_rss_mb_before"] = rssBefore;
            figures["load_rss_mb_after"] = ResidentMegabytes();

            return figures;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            TryDelete(data);
        }
    }

    private static double ResidentMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        return Math.Round(process.WorkingSet64 / (1024.0 * 1024.0));
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        // Nearest rank: the smallest value with at least p of the sample at or below it.
        var rank = (int)Math.Ceiling(p * values.Count);
        return Math.Round(values[Math.Clamp(rank - 1, 0, values.Count - 1)], 1);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    /// <summary>One simulated person: identity, a hub connection over WebSockets and an open session.</summary>
    private sealed class ChatClient : IAsyncDisposable
    {
        private readonly HubConnection _hub;
        private readonly string _scenario;

        private ChatClient(HubConnection hub, string scenario)
        {
            _hub = hub;
            _scenario = scenario;
        }

        public static async Task<ChatClient> ConnectAsync(string address, CancellationToken cancellationToken)
        {
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            using var response = await http.PostAsync(new Uri("/api/identity", UriKind.Relative), null, cancellationToken);
            response.EnsureSuccessStatusCode();
            var identity = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Identity.IssuedIdentity>(response.Content, cancellationToken)
                           ?? throw new InvalidOperationException("no identity");
            var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(new Uri(address), ChatEndpoints.HubPath), o => o.AccessTokenProvider = () => Task.FromResult<string?>(identity.Token))
                .Build();
            await hub.StartAsync(cancellationToken);
            var scenarios = await hub.InvokeAsync<List<Sessions.ScenarioSummary>>("ListScenarios", cancellationToken);
            var client = new ChatClient(hub, scenarios.Count > 0 ? scenarios[0].Id : "");
            await client.ResetAsync(cancellationToken);
            return client;
        }

        /// <summary>Sends one message (answering the question it raises, if any) and times the first item of the reply:
        /// a word, the question or an executed action — not the belief chart (pushed apart from the stream) nor the
        /// closing <c>done</c>; a turn that streams none of them counts its whole time.</summary>
        public async Task<(double FirstItemMs, bool Ok)> TurnAsync(string message, CancellationToken cancellationToken)
        {
            var (first, last) = await SendAsync(message, cancellationToken);
            if (last?.Kind == "done" && last.ReplyKind == "question" && !cancellationToken.IsCancellationRequested)
            {
                await SendAsync("I don't mind", cancellationToken);
            }

            return (first, last?.Kind == "done");
        }

        public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

        /// <summary>Opens a fresh session, so every turn starts from the same home.</summary>
        public Task<SessionView> ResetAsync(CancellationToken cancellationToken) => _scenario.Length > 0
            ? _hub.InvokeAsync<SessionView>("StartScenario", _scenario, cancellationToken)
            : _hub.InvokeAsync<SessionView>("StartFreeHousehold", cancellationToken);

        private async Task<(double FirstItemMs, ChatEvent? Last)> SendAsync(string message, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            double? first = null;
            ChatEvent? last = null;
            try
            {
                await foreach (var item in _hub.StreamAsync<ChatEvent>("SendMessage", message, cancellationToken))
                {
                    if (item.Kind is "token" or "question" or "actions")
                    {
                        first ??= clock.Elapsed.TotalMilliseconds;
                    }

                    last = item;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return (first ?? clock.Elapsed.TotalMilliseconds, null);
            }

            return (first ?? clock.Elapsed.TotalMilliseconds, last);
        }
    }
}
