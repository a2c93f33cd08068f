using System.Runtime.CompilerServices;
using CoopAgent.Server.Feedback;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CoopAgent.Server.Tests.Browser;

/// <summary>
/// The page in a real browser: Debian's chromium driven by Playwright (its node driver ships inside the
/// Microsoft.Playwright package and is copied next to the test assembly; no browser is ever downloaded)
/// against the server on Kestrel on a loopback port.
/// </summary>
public sealed class ChatPageBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task A_person_chats_answers_a_question_rates_and_ranks_and_the_events_land_in_litedb()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run scripts/setup.sh (it installs Debian's chromium).");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        // Each expectation waits on a SignalR round trip to the real engine while Chromium shares the two cores: 30 s,
        // not Playwright's 5 s.
        Assertions.SetDefaultExpectTimeout(30_000);
        // The real engine (the cooperative agent), not the scripted one, on the shipped policy (the untrained
        // fallback where none ships yet).
        using var factory = new ServerFactory(scripted: false, settings: new Dictionary<string, string>
        {
            ["policy"] = Path.Combine(RepositoryRoot(), "policies", "default"),
            ["urls"] = "http://127.0.0.1:0",
        });
        factory.UseKestrel();
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 860 } });
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);
        await page.GotoAsync(address);

        await Assertions.Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15000 });
        await page.SelectOptionAsync("#scenario", "pref-drink-for-alice");
        await page.ClickAsync("#start-scenario");
        await Assertions.Expect(page.Locator("#home .room").First).ToBeVisibleAsync();

        await page.FillAsync("#input", "I'm thirsty");
        await page.PressAsync("#input", "Enter");
        var first = page.Locator(".msg.agent").Nth(0);
        await Assertions.Expect(first.Locator(".fb")).ToBeVisibleAsync(new() { Timeout = 120000 });
        var option = first.Locator(".options button");
        if (await option.CountAsync() > 0)
        {
            await option.First.ClickAsync();
        }
        else
        {
            await page.FillAsync("#input", "Yes, please.");
            await page.PressAsync("#input", "Enter");
        }

        var second = page.Locator(".msg.agent").Nth(1);
        await Assertions.Expect(second.Locator(".fb")).ToBeVisibleAsync(new() { Timeout = 120000 });
        Assert.False(string.IsNullOrWhiteSpace(await second.InnerTextAsync()));

        await first.Locator(".thumb-up").ClickAsync();
        await Assertions.Expect(first.Locator(".saved")).ToHaveTextAsync("saved ✓");
        // Rank the first turn with more than one candidate (the engine adds alternatives when the agent's collapse).
        var rankable = page.Locator(".msg.agent").Filter(new() { Has = page.Locator(".open-rank:not([disabled])") }).First;
        await rankable.Locator(".open-rank").ClickAsync();
        await rankable.Locator(".save-rank").ClickAsync();
        await Assertions.Expect(rankable.Locator(".open-rank")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bon\\b"));
        await Assertions.Expect(page.Locator("#feedback-list li")).ToHaveCountAsync(2);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath(), FullPage = false });

        var store = factory.Services.GetRequiredService<FeedbackStore>();
        var events = store.FeedbackWithTurns(null).ToList();
        Assert.Contains(events, e => e.Feedback.Kind == FeedbackKind.Thumbs && e.Feedback.Rating == 1);
        Assert.Contains(events, e => e.Feedback.Kind == FeedbackKind.Ranking && e.Feedback.Ranks!.Count == e.Turn.Candidates.Count);
        Assert.All(events, e => Assert.Equal(events[0].Feedback.UserId, e.Turn.UserId));
        Assert.DoesNotContain(console, line => line.Contains("Error", StringComparison.Ordinal));
    }

    // tests/Server.Tests/Browser/this file → the repository root.
    private static string RepositoryRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    // The test always saves a screenshot, next to the test binaries; only COOPAGENT_UPDATE_SCREENSHOT=1 writes the
    // one in docs/, so a test run never changes a tracked file.
    private static string ScreenshotPath()
    {
        var folder = Environment.GetEnvironmentVariable("COOPAGENT_UPDATE_SCREENSHOT") == "1"
            ? Path.Combine(RepositoryRoot(), "docs", "screenshots")
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, "chat.png");
    }
}
