using System.Runtime.CompilerServices;
using System.Text;
using CoopAgent.Server.Feedback;
using CoopAgent.Server.Identity;
using CoopAgent.Server.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace CoopAgent.Server.Hubs;

/// <summary>
/// The chat hub: translates between the page and the <see cref="IConversationEngine"/>, records turns and
/// feedback in the <see cref="FeedbackStore"/>, and enforces the per-user limits. Every method is scoped
/// to the caller's user id; refusals are <see cref="HubException"/>s whose message the page shows.
/// </summary>
[Authorize]
public sealed class ChatHub(
    IConversationEngine engine,
    SessionRegistry sessions,
    FeedbackStore store,
    HubRateLimits limits,
    ServerOptions options,
    ILogger<ChatHub> logger) : Hub<IChatPage>
{
    private static readonly string[] Choices = ["a", "b", "tie", "both_bad"];

    private string UserId => Context.UserIdentifier ?? throw new HubException("Not signed in.");

    /// <summary>The policy the agent speaks with.</summary>
    public PolicyInfo Policy() => engine.Policy;

    /// <summary>The built-in scenarios.</summary>
    public IReadOnlyList<ScenarioSummary> ListScenarios()
    {
        Limit(HubCallKind.Other);
        return engine.Scenarios;
    }

    /// <summary>Starts a session in a built-in scenario.</summary>
    public Task<SessionView> StartScenario(string scenarioId)
    {
        Limit(HubCallKind.Other);
        if (string.IsNullOrWhiteSpace(scenarioId))
        {
            throw new HubException("Choose a scenario first.");
        }

        return StartAsync(new SessionStart(HouseholdSource.Builtin, ScenarioId: scenarioId.Trim()));
    }

    /// <summary>Starts a session in a household described by an uploaded scenario JSON.</summary>
    public Task<SessionView> UploadScenario(string json)
    {
        Limit(HubCallKind.Upload);
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new HubException("The scenario file is empty.");
        }

        var bytes = Encoding.UTF8.GetByteCount(json);
        if (bytes > options.ScenarioMaxBytes)
        {
            throw new HubException($"The scenario is {bytes / 1024} KB; the limit is {options.ScenarioMaxBytes / 1024} KB.");
        }

        return StartAsync(new SessionStart(HouseholdSource.Upload, ScenarioJson: json));
    }

    /// <summary>Starts a session in a free household (no scenario, no instruction).</summary>
    public Task<SessionView> StartFreeHousehold()
    {
        Limit(HubCallKind.Other);
        return StartAsync(new SessionStart(HouseholdSource.Free));
    }

    /// <summary>The caller's open session (after a reconnect or a page reload), or null.</summary>
    public SessionView? ResumeSession()
    {
        var session = sessions.Find(UserId);
        return session is null ? null : View(session);
    }

    /// <summary>
    /// Sends a message (an instruction, or the answer to the agent's question) and streams the turn: reply
    /// tokens, a question with options, executed actions, then <c>done</c> with the turn id for feedback.
    /// Home and belief changes are pushed through <see cref="IChatPage"/> as they happen.
    /// </summary>
    public IAsyncEnumerable<ChatEvent> SendMessage(string text, CancellationToken cancellationToken)
    {
        Limit(HubCallKind.Message);
        var userId = UserId;
        var session = sessions.Find(userId) ?? throw new HubException("Start a session first: pick a scenario, upload one, or open a free household.");
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new HubException("The message is empty.");
        }

        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > options.MessageMaxBytes)
        {
            throw new HubException($"The message is {bytes} bytes; the limit is {options.MessageMaxBytes} bytes.");
        }

        if (session.Turns >= options.SessionTurnLimit)
        {
            throw new HubException($"This session reached its limit of {options.SessionTurnLimit} turns; start a new one.");
        }

        if (!session.Gate.Wait(0, CancellationToken.None))
        {
            throw new HubException("Still answering your previous message.");
        }

        // The hub instance does not outlive this call's scope in every transport, so the stream gets what it
        // needs now.
        return RunTurnAsync(session, userId, text.Trim(), Clients.Caller, cancellationToken);
    }

    /// <summary>Thumbs up (<paramref name="up"/>) or down on a turn, with an optional reason.</summary>
    public async Task<FeedbackView> Rate(string turnId, bool up, string? reason)
    {
        Limit(HubCallKind.Other);
        var turn = OwnTurn(turnId);
        var why = OptionalText(reason, "reason");
        var saved = FeedbackView.From(store.SaveFeedback(UserId, turn.Id, FeedbackKind.Thumbs, f =>
        {
            f.Rating = up ? 1 : -1;
            f.Reason = why;
        }));
        await LearnAsync(turn.Id, new ThumbsFeedback(up));
        return saved;
    }

    /// <summary>"Which is better" between the turn's two replies: <c>a</c>, <c>b</c>, <c>tie</c> or <c>both_bad</c>.</summary>
    public async Task<FeedbackView> Compare(string turnId, string choice, string? reason)
    {
        Limit(HubCallKind.Other);
        var turn = OwnTurn(turnId);
        if (turn.ComparePair is null)
        {
            throw new HubException("This turn had only one distinct reply, so there is nothing to compare.");
        }

        var normalised = choice?.Trim().ToLowerInvariant().Replace(' ', '_');
        if (normalised is null || !Choices.Contains(normalised))
        {
            throw new HubException($"Choose one of {string.Join(", ", Choices)}, not '{choice}'.");
        }

        var why = OptionalText(reason, "reason");
        var saved = FeedbackView.From(store.SaveFeedback(UserId, turn.Id, FeedbackKind.Comparison, f =>
        {
            f.Choice = normalised;
            f.Reason = why;
        }));
        await LearnAsync(turn.Id, new ComparisonFeedback(turn.Candidates[turn.ComparePair[0]], turn.Candidates[turn.ComparePair[1]], normalised));
        return saved;
    }

    /// <summary>Ranks the turn's candidates: <paramref name="ranks"/>[i] is the rank of candidate i (1 is best;
    /// equal ranks are ties).</summary>
    public async Task<FeedbackView> Rank(string turnId, int[] ranks)
    {
        Limit(HubCallKind.Other);
        var turn = OwnTurn(turnId);
        var count = turn.Candidates.Count;
        if (ranks is null || ranks.Length != count)
        {
            throw new HubException($"Give a rank to each of the {count} replies.");
        }

        if (ranks.Any(r => r < 1 || r > count))
        {
            throw new HubException($"Ranks go from 1 (best) to {count}.");
        }

        var saved = FeedbackView.From(store.SaveFeedback(UserId, turn.Id, FeedbackKind.Ranking, f => f.Ranks = [.. ranks]));
        await LearnAsync(turn.Id, new RankingFeedback(turn.Candidates, ranks));
        return saved;
    }

    /// <summary>"Correct it": the reply the agent should have given.</summary>
    public async Task<FeedbackView> Correct(string turnId, string correction)
    {
        Limit(HubCallKind.Other);
        var turn = OwnTurn(turnId);
        var text = OptionalText(correction, "correction") ?? throw new HubException("Write the reply the robot should have given.");
        var saved = FeedbackView.From(store.SaveFeedback(UserId, turn.Id, FeedbackKind.Correction, f => f.Correction = text));
        await LearnAsync(turn.Id, new CorrectionFeedback(text, turn.Candidates));
        return saved;
    }

    /// <summary>Deletes one of the caller's feedback records.</summary>
    public bool DeleteFeedback(string feedbackId)
    {
        Limit(HubCallKind.Other);
        if (string.IsNullOrWhiteSpace(feedbackId) || !store.DeleteFeedback(UserId, feedbackId))
        {
            throw new HubException("There is no such feedback of yours.");
        }

        return true;
    }

    /// <summary>The caller's feedback, on one turn or on all of them.</summary>
    public IReadOnlyList<FeedbackView> MyFeedback(string? turnId)
    {
        Limit(HubCallKind.Other);
        return store.FeedbackOf(UserId, string.IsNullOrWhiteSpace(turnId) ? null : turnId).Select(FeedbackView.From).ToList();
    }

    /// <summary>Feedback on the latest turn of the open session also goes to the agent, whose belief moves, and the
    /// page gets the new belief; skipped while a turn is running or for an older turn (the feedback is stored
    /// either way).</summary>
    private async Task LearnAsync(string turnId, ConversationFeedback feedback)
    {
        var session = sessions.Find(UserId);
        if (session?.LastTurnId != turnId || !await session.Gate.WaitAsync(0))
        {
            return;
        }

        BeliefView? belief = null;
        try
        {
            belief = session.Conversation.ApplyFeedback(feedback);
        }
#pragma warning disable CA1031 // the feedback is stored already; the agent failing to learn from it must not fail the call
        catch (Exception e)
#pragma warning restore CA1031
        {
            logger.LogWarning(e, "The agent could not learn from {Feedback} on turn {Turn}", feedback.GetType().Name, turnId);
        }
        finally
        {
            session.Gate.Release();
        }

        if (belief is not null)
        {
            await Clients.Caller.BeliefChanged(belief);
        }
    }

    private async Task<SessionView> StartAsync(SessionStart start)
    {
        var userId = UserId;
        IConversation conversation;
        try
        {
            conversation = await engine.StartAsync(userId, start, Context.ConnectionAborted);
        }
        catch (ConversationRejectedException e)
        {
            throw new HubException(e.Message);
        }

        var record = new SessionRecord
        {
            Id = Guid.NewGuid().ToString("N"),
            UserId = userId,
            Source = start.Source.ToString().ToLowerInvariant(),
            ScenarioId = start.ScenarioId,
            Title = conversation.Title,
            StartedUtc = DateTime.UtcNow,
        };
        store.AddSession(record);
        var session = new ActiveSession(record, conversation);
        await sessions.OpenAsync(userId, session);
        await Clients.Caller.HomeChanged(conversation.Home);
        await Clients.Caller.BeliefChanged(conversation.Belief);
        return View(session);
    }

    private async IAsyncEnumerable<ChatEvent> RunTurnAsync(
        ActiveSession session,
        string userId,
        string text,
        IChatPage page,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            var index = session.CountTurn();
            await using var events = session.Conversation.RespondAsync(text, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                ConversationEvent next;
                string? failure = null;
                try
                {
                    if (!await events.MoveNextAsync())
                    {
                        break;
                    }

                    next = events.Current;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }
#pragma warning disable CA1031 // an agent failure must end this turn with a message, never take the hub down
                catch (Exception e)
#pragma warning restore CA1031
                {
                    logger.LogError(e, "Turn {Index} of session {Session} failed", index, session.Record.Id);
                    failure = "The robot could not finish this turn (an internal error was logged). Try again or start a new session.";
                    next = new TurnFailed(failure);
                }

                var item = next switch
                {
                    ReplyToken token => new ChatEvent("token") { Text = token.Text },
                    QuestionAsked question => new ChatEvent("question") { Text = question.Text, Options = question.Options, Reason = question.Reason },
                    ActionsExecuted actions => new ChatEvent("actions") { Steps = actions.Steps },
                    TurnCompleted completed => Done(Record(session, userId, index, text, completed.Turn)),
                    TurnFailed failed => new ChatEvent("error") { Text = failed.Message },
                    _ => null,
                };
                switch (next)
                {
                    case ActionsExecuted actions:
                        await page.HomeChanged(actions.Home);
                        break;
                    case BeliefUpdated belief:
                        await page.BeliefChanged(belief.Belief);
                        break;
                }

                if (item is not null)
                {
                    yield return item;
                }

                if (failure is not null)
                {
                    yield break;
                }
            }
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private TurnRecord Record(ActiveSession session, string userId, int index, string message, TurnTranscript turn)
    {
        var compare = Enumerable.Range(0, turn.Candidates.Count)
            .FirstOrDefault(i => i != turn.ChosenIndex && turn.Candidates[i] != turn.Reply, -1);
        var record = new TurnRecord
        {
            Id = Guid.NewGuid().ToString("N"),
            SessionId = session.Record.Id,
            UserId = userId,
            Index = index,
            UserMessage = message,
            Prompt = turn.Prompt,
            Candidates = [.. turn.Candidates],
            ChosenIndex = turn.ChosenIndex,
            Reply = turn.Reply,
            Kind = turn.Kind,
            ComparePair = compare >= 0 ? [turn.ChosenIndex, compare] : null,
            PolicyVersion = turn.PolicyVersion,
            CreatedUtc = DateTime.UtcNow,
        };
        // Saved before the page hears "done": feedback can only name a turn that is already on disk.
        store.AddTurn(record);
        session.LastTurnId = record.Id;
        return record;
    }

    private static ChatEvent Done(TurnRecord turn) => new("done")
    {
        TurnId = turn.Id,
        Text = turn.Reply,
        Candidates = turn.Candidates,
        ComparePair = turn.ComparePair,
        ReplyKind = turn.Kind,
        PolicyVersion = turn.PolicyVersion,
    };

    private SessionView View(ActiveSession session) => new(
        session.Record.Id,
        session.Record.Title,
        session.Conversation.Instruction,
        session.Record.Source,
        session.Conversation.Home,
        session.Conversation.Belief,
        session.Turns,
        options.SessionTurnLimit,
        engine.Policy);

    private TurnRecord OwnTurn(string turnId) =>
        (string.IsNullOrWhiteSpace(turnId) ? null : store.GetTurn(UserId, turnId))
        ?? throw new HubException("There is no such turn of yours.");

    private string? OptionalText(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        return trimmed.Length <= options.FeedbackTextMaxChars
            ? trimmed
            : throw new HubException($"The {what} is {trimmed.Length} characters; the limit is {options.FeedbackTextMaxChars}.");
    }

    private void Limit(HubCallKind kind)
    {
        if (limits.TryAcquire(kind, UserId) is { } seconds)
        {
            var what = kind switch
            {
                HubCallKind.Message => "messages",
                HubCallKind.Upload => "scenario uploads",
                _ => "requests",
            };
            throw new HubException($"Too many {what}: try again in {seconds} s.");
        }
    }
}
