using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.Upstream.UpstreamFaultKit;

namespace Switchboard.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard in a real headless Chromium (Debian's <c>chromium</c> package, driven by Playwright; nothing downloaded):
/// log in, watch a rate-limited key cool down on the Pools page, create a key on the Keys page and find its call under
/// Requests and Usage. Every page is saved as a screenshot under the test output (<c>dashboard-screenshots/</c>); the
/// browser may log no console error and fetch nothing outside loopback.
/// </summary>
public sealed partial class DashboardBrowserTests : IAsyncLifetime
{
    private const string Master = "sk-master-browser-0123456789";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions(), CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    /// <summary>Debian's chromium (scripts/install-test-deps.sh installs it); SWITCHBOARD_CHROMIUM overrides.</summary>
    private static string ChromiumPath() =>
        Environment.GetEnvironmentVariable("SWITCHBOARD_CHROMIUM") is { Length: > 0 } path ? path
        : new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
          ?? throw new InvalidOperationException("No chromium found: run scripts/install-test-deps.sh (apt-get install chromium).");

    private static string ScreenshotPath(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "dashboard-screenshots");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name + ".png");
    }

    [GeneratedRegex(@"^cooling (\d+)s$")]
    private static partial Regex CoolingText();

    [Fact]
    public async Task Dashboard_InChromium_LoginPoolsKeysRequestsUsage()
    {
        await using var gateway = await TestGateway.StartAsync(new GatewayConfig
        {
            ModelList = [Key(_mock, "openai", "rl-ui-1", 1), Key(_mock, "openai", "ok-ui-2", 2)],
            Router = new RouterSettings { RoutingStrategy = "order" },
            General = new GeneralSettings { MasterKey = Master },
        });
        // The first call meets the rate-limited key first: it cools down (Retry-After: 30) and the call moves on.
        using (var call = Call("openai", stream: false))
        {
            call.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
            using var answer = await gateway.Client.SendAsync(call);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            // Root in CI containers cannot use Chromium's sandbox; the page is our own, on loopback.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var requested = new ConcurrentQueue<string>();
        var consoleErrors = new ConcurrentQueue<string>();
        context.Request += (_, request) => requested.Enqueue(request.Url);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                consoleErrors.Enqueue(message.Type + ": " + message.Text);
            }
        };
        page.PageError += (_, error) => consoleErrors.Enqueue("page error: " + error);
        page.SetDefaultTimeout((float)Wait.TotalMilliseconds);
        Assertions.SetDefaultExpectTimeout((float)Wait.TotalMilliseconds);

        // Log in.
        await page.GotoAsync(new Uri(gateway.BaseUrl, "/ui/").ToString());
        await page.Locator("#master-key").WaitForAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("0-login"), FullPage = true });
        await page.FillAsync("#master-key", Master);
        await page.ClickAsync("#login-form button[type=submit]");

        // Pools: the rate-limited key is cooling, and its countdown moves.
        var state = page.Locator("[data-deployment='dep-rl-ui-1'] td[data-col='state']");
        await Assertions.Expect(state).ToHaveTextAsync(CoolingText());
        var first = int.Parse(CoolingText().Match(await state.InnerTextAsync()).Groups[1].Value);
        Assert.InRange(first, 1, 120);
        await Assertions.Expect(page.Locator("[data-deployment='dep-rl-ui-1'] td[data-col='reason']")).ToContainTextAsync("429");
        await Assertions.Expect(page.Locator("[data-deployment='dep-ok-ui-2'] td[data-col='state']")).ToHaveTextAsync("ok");
        await Assertions.Expect(page.Locator("[data-deployment='dep-rl-ui-1'] td[data-col='key']")).Not.ToHaveTextAsync("rl-ui-1");
        await page.WaitForTimeoutAsync(3000);
        var later = int.Parse(CoolingText().Match(await state.InnerTextAsync()).Groups[1].Value);
        Assert.True(later < first, $"countdown {first}s then {later}s");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("1-pools"), FullPage = true });

        // Keys: create one; its secret is shown once.
        await page.ClickAsync("#nav a[data-page='keys']");
        await page.FillAsync("#key-alias", "browser-team");
        await page.FillAsync("#key-rpm", "100");
        await page.ClickAsync("#key-create");
        await Assertions.Expect(page.Locator("#key-secret")).ToBeVisibleAsync();
        var raw = await page.Locator("#key-secret-value").InnerTextAsync();
        Assert.StartsWith("sk-", raw, StringComparison.Ordinal);
        var row = page.Locator("tr[data-alias='browser-team']");
        await Assertions.Expect(row.Locator("td[data-col='state']")).ToHaveTextAsync("active");
        Assert.DoesNotContain(raw, await row.InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("2-keys"), FullPage = true });
        await page.ClickAsync("#key-secret-hide");
        Assert.DoesNotContain(raw, await page.ContentAsync(), StringComparison.Ordinal);

        // A call with the new key.
        using (var call = Call("openai", stream: false))
        {
            call.Headers.Authorization = new AuthenticationHeaderValue("Bearer", raw);
            using var answer = await gateway.Client.SendAsync(call);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        // Requests: filtered by the key's alias, the call appears once the usage writer has flushed it.
        await page.ClickAsync("#nav a[data-page='requests']");
        await page.FillAsync("#filter-key", "browser-team");
        var callRow = page.Locator("#requests tr[data-request]");
        var deadline = DateTime.UtcNow + Wait;
        do
        {
            await page.ClickAsync("#requests-form button[type=submit]");
            await page.WaitForTimeoutAsync(300);
        }
        while (await page.Locator("#requests td[data-col='key']", new PageLocatorOptions { HasText = "browser-team" }).CountAsync() == 0 &&
            DateTime.UtcNow < deadline);

        await Assertions.Expect(callRow).ToHaveCountAsync(1);
        await Assertions.Expect(callRow.Locator("td[data-col='key']")).ToHaveTextAsync("browser-team");
        await Assertions.Expect(callRow.Locator("td[data-col='status']")).ToHaveTextAsync("200");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("3-requests"), FullPage = true });

        // Usage: the key is in the table by key, and its call in the totals.
        await page.ClickAsync("#nav a[data-page='usage']");
        var keyRow = page.Locator("[data-table='by-key'] tr", new PageLocatorOptions { Has = page.Locator("td[data-col='name']", new PageLocatorOptions { HasText = "browser-team" }) });
        await Assertions.Expect(keyRow).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#usage-total-requests")).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("#usage-chart svg rect.bar")).Not.ToHaveCountAsync(0);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("4-usage"), FullPage = true });
        await page.ClickAsync("button.range[data-range='month']");
        await Assertions.Expect(page.Locator("#usage-total-requests")).ToHaveTextAsync("2");

        Assert.Empty(consoleErrors);
        Assert.NotEmpty(requested);
        Assert.All(requested, url => Assert.Equal(gateway.BaseUrl.Authority, new Uri(url).Authority));
    }
}
