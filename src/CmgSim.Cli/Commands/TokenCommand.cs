using System.CommandLine;
using System.Globalization;
using CmgSim.Core;
using CmgSim.Identity.SiteTokens;

namespace CmgSim.Cli.Commands;

/// <summary>
/// <c>cmgsim token new|list|block|unblock</c>: the site's bulk registration tokens, as BulkRegistrationTokenTool.exe
/// (<c>/new /lifetime</c>) and the console (Administration → Security → Certificates → Block/Unblock) handle them.
/// The token's GUID goes to the lab's site.db; the JWT is printed once and kept nowhere.
/// </summary>
internal static class TokenCommand
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss'Z'";

    public static Command Create() => new("token", "Bulk registration tokens of the lab's site (BulkRegistrationTokenTool.exe and the console's Block/Unblock).")
    {
        New(),
        List(),
        SetBlocked("block", "Blocks a bulk registration token: clients presenting it are refused (within about a second in a running lab).", block: true),
        SetBlocked("unblock", "Unblocks a bulk registration token.", block: false),
    };

    private static Command New()
    {
        var labDirectory = CommonOptions.LabDirectory();
        var lifetime = new Option<int>("--lifetime")
        {
            Description = "Validity in minutes: 1 to 10080 (7 days); the tool's default is 4320 (3 days).",
            DefaultValueFactory = static _ => SiteTokenServiceOptions.ToolDefaultBulkLifetimeMinutes,
        };
        var siteCode = new Option<string>("--site-code")
        {
            Description = "Site code in the token-signing certificate's subject, when this creates it.",
            DefaultValueFactory = static _ => "PS1",
        };
        var command = new Command("new", "Creates a bulk registration token (BulkRegistrationTokenTool.exe /new /lifetime); the token is the last line printed.")
        {
            labDirectory, lifetime, siteCode,
        };
        command.SetAction(parseResult =>
        {
            var minutes = parseResult.GetValue(lifetime);
            if (minutes < 1 || minutes > SiteTokenServiceOptions.ToolMaxBulkLifetimeMinutes)
            {
                Console.Error.WriteLine(
                    $"--lifetime {minutes} is out of range: a bulk registration token is valid for 1 to {SiteTokenServiceOptions.ToolMaxBulkLifetimeMinutes} minutes " +
                    $"(default {SiteTokenServiceOptions.ToolDefaultBulkLifetimeMinutes}).");
                return 2;
            }

            var token = CreateBulkToken(new LabLayout(parseResult.GetValue(labDirectory)!.FullName), parseResult.GetValue(siteCode)!, minutes);

            Console.WriteLine("Bulk registration token created.");
            Console.WriteLine($"Token GUID: {token.TokenId}");
            Console.WriteLine($"Token is valid from {Format(token.ValidFrom)} to {Format(token.ValidTo)} (UTC).");
            Console.WriteLine(token.Jwt);
            return 0;
        });
        return command;
    }

    /// <summary>What BulkRegistrationTokenTool.exe /new does: a token signed by the lab site's certificate, its GUID recorded in site.db.</summary>
    internal static BulkRegistrationToken CreateBulkToken(LabLayout layout, string siteCode, int? lifetimeMinutes = null)
    {
        using var certificate = SiteTokenSigningCertificate.LoadOrCreate(layout.PkiDirectory, siteCode, TimeProvider.System);
        var service = new SiteTokenService(
            new SiteTokenServiceOptions { SigningCertificate = certificate, HierarchyId = SiteHierarchy.LoadOrCreateId(layout.PkiDirectory) },
            TimeProvider.System);
        var token = service.CreateBulkRegistrationToken(lifetimeMinutes);
        new BulkRegistrationTokenStore(layout.SiteDatabase, TimeProvider.System).Add(token);
        return token;
    }

    private static Command List()
    {
        var labDirectory = CommonOptions.LabDirectory();
        var command = new Command("list", "Lists the bulk registration tokens issued in this lab: GUID, validity and status (Active, Expired, Blocked).")
        {
            labDirectory,
        };
        command.SetAction(parseResult =>
        {
            var layout = new LabLayout(parseResult.GetValue(labDirectory)!.FullName);
            var records = new BulkRegistrationTokenStore(layout.SiteDatabase, TimeProvider.System).List();
            if (records.Count == 0)
            {
                Console.WriteLine("No bulk registration tokens.");
                return 0;
            }

            var now = TimeProvider.System.GetUtcNow();
            Console.WriteLine($"{"GUID",-36}  {"Valid from (UTC)",-20}  {"Valid to (UTC)",-20}  Status");
            foreach (var record in records)
            {
                Console.WriteLine($"{record.TokenId,-36}  {Format(record.ValidFrom),-20}  {Format(record.ValidTo),-20}  {record.StatusAt(now)}");
            }

            return 0;
        });
        return command;
    }

    private static Command SetBlocked(string name, string description, bool block)
    {
        var labDirectory = CommonOptions.LabDirectory();
        var tokenId = new Argument<string>("GUID") { Description = "The token's tracking GUID, as 'token new' and 'token list' print it." };
        var command = new Command(name, description) { tokenId, labDirectory };
        command.SetAction(parseResult =>
        {
            var text = parseResult.GetValue(tokenId)!;
            if (!Guid.TryParse(text, out var id))
            {
                Console.Error.WriteLine($"'{text}' is not a GUID.");
                return 2;
            }

            var layout = new LabLayout(parseResult.GetValue(labDirectory)!.FullName);
            var store = new BulkRegistrationTokenStore(layout.SiteDatabase, TimeProvider.System);
            if (!(block ? store.Block(id) : store.Unblock(id)))
            {
                Console.Error.WriteLine($"no bulk registration token {id}");
                return 1;
            }

            Console.WriteLine($"Bulk registration token {id} {(block ? "blocked" : "unblocked")}.");
            return 0;
        });
        return command;
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);
}
