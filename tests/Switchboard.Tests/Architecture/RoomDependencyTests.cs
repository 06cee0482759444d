using System.Text.RegularExpressions;
using Switchboard.Tests.Config;

namespace Switchboard.Tests.Architecture;

/// <summary>
/// The rooms of <c>src/Switchboard</c> use each other only along the arrows that the "may use" column of
/// <c>docs/architecture.md</c> allows, and those arrows form no cycle. A source scan: <c>using Switchboard.X</c>,
/// <c>Switchboard.X.</c> and qualified names of room X's own types (<c>Usage.CostCalculator</c>) count as a use of X.
/// </summary>
public sealed partial class RoomDependencyTests
{
    private static readonly string SourceRoot = ConfigTestData.RepoFile(Path.Combine("src", "Switchboard"));

    [Fact]
    public void Sources_UseOnlyAllowedRooms()
    {
        var allowed = AllowedArrows();
        var rooms = RoomsOnDisk();
        var typesByRoom = rooms.ToDictionary(r => r, TypesDeclaredIn);
        var violations = new List<string>();
        foreach (var room in rooms)
        {
            Assert.True(allowed.ContainsKey(room), $"docs/architecture.md has no row for the room {room}/; add one with what it may use.");
            foreach (var file in SourceFiles(room))
            {
                var text = StripComments(File.ReadAllText(file));
                foreach (var other in rooms.Where(o => o != room && UsesRoom(text, o, typesByRoom[o])))
                {
                    if (!allowed[room].Contains(other))
                    {
                        violations.Add($"{Path.GetRelativePath(SourceRoot, file)} uses {other}/, which {room}/ may not use");
                    }
                }
            }
        }

        Assert.True(violations.Count == 0, "Room arrows not allowed by docs/architecture.md:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void AllowedArrows_FormNoCycle()
    {
        var allowed = AllowedArrows();
        var state = new Dictionary<string, int>();
        foreach (var room in allowed.Keys)
        {
            var cycle = FindCycle(room, allowed, state, []);
            Assert.True(cycle is null, "docs/architecture.md allows a cycle: " + string.Join(" → ", cycle ?? []));
        }
    }

    [Fact]
    public void UsesRoom_SeesUsingsAndQualifiedTypeNames()
    {
        // The scan itself must be able to fail: each form of use is seen, a property named like a room is not.
        string[] usageTypes = ["CostCalculator"];
        Assert.True(UsesRoom("using Switchboard.Usage;", "Usage", usageTypes));
        Assert.True(UsesRoom("var c = Switchboard.Usage.CostCalculator.Cost(x);", "Usage", usageTypes));
        Assert.True(UsesRoom("var c = Usage.CostCalculator.Cost(x);", "Usage", usageTypes));
        Assert.False(UsesRoom("var n = translator.Usage.InputTokens; var m = Usage.InputTokens;", "Usage", usageTypes));
        Assert.False(UsesRoom(StripComments("// see Usage.CostCalculator\nvar a = 1;"), "Usage", usageTypes));
    }

    private static bool UsesRoom(string text, string room, IReadOnlyCollection<string> roomTypes)
    {
        if (text.Contains("using Switchboard." + room + ";", StringComparison.Ordinal)
            || text.Contains("using Switchboard." + room + ".", StringComparison.Ordinal)
            || text.Contains("Switchboard." + room + ".", StringComparison.Ordinal))
        {
            return true;
        }

        foreach (Match match in Regex.Matches(text, @"(?<![\w.])" + room + @"\.([A-Z]\w*)"))
        {
            if (roomTypes.Contains(match.Groups[1].Value))
            {
                return true;
            }
        }

        return false;
    }

    private static List<string>? FindCycle(string room, Dictionary<string, HashSet<string>> allowed, Dictionary<string, int> state, List<string> path)
    {
        // 1 = on the current path, 2 = finished.
        if (state.TryGetValue(room, out var s))
        {
            return s == 1 ? [.. path.SkipWhile(r => r != room), room] : null;
        }

        state[room] = 1;
        path.Add(room);
        foreach (var next in allowed.GetValueOrDefault(room) ?? [])
        {
            if (FindCycle(next, allowed, state, path) is { } cycle)
            {
                return cycle;
            }
        }

        path.RemoveAt(path.Count - 1);
        state[room] = 2;
        return null;
    }

    /// <summary>The table rows of docs/architecture.md: <c>| `Room/` | holds | A, B |</c>.</summary>
    private static Dictionary<string, HashSet<string>> AllowedArrows()
    {
        var doc = File.ReadAllLines(ConfigTestData.RepoFile(Path.Combine("docs", "architecture.md")));
        var arrows = new Dictionary<string, HashSet<string>>();
        foreach (var line in doc)
        {
            var row = TableRow().Match(line);
            if (!row.Success)
            {
                continue;
            }

            var mayUse = row.Groups["uses"].Value.Trim();
            arrows[row.Groups["room"].Value] = mayUse == "nothing"
                ? []
                : [.. mayUse.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
        }

        Assert.NotEmpty(arrows);
        return arrows;
    }

    private static List<string> RoomsOnDisk() =>
        [.. Directory.GetDirectories(SourceRoot)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name is not ("bin" or "obj") && SourceFiles(name).Any())
            .Order(StringComparer.Ordinal)];

    private static IEnumerable<string> SourceFiles(string room) =>
        Directory.EnumerateFiles(Path.Combine(SourceRoot, room), "*.cs", SearchOption.AllDirectories);

    private static HashSet<string> TypesDeclaredIn(string room)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in SourceFiles(room))
        {
            foreach (Match match in TypeDeclaration().Matches(File.ReadAllText(file)))
            {
                names.Add(match.Groups[1].Value);
            }
        }

        return names;
    }

    private static string StripComments(string text) => Comment().Replace(text, "");

    [GeneratedRegex(@"^\|\s*`(?<room>[A-Za-z]+)/`\s*\|[^|]*\|(?<uses>[^|]*)\|\s*$")]
    private static partial Regex TableRow();

    [GeneratedRegex(@"\b(?:class|struct|record|enum|interface)\s+([A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();
}
