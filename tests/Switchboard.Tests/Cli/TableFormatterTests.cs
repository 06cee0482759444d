using Switchboard.Cli;

namespace Switchboard.Tests.Cli;

public sealed class TableFormatterTests
{
    [Fact]
    public void Format_MixedWidths_ColumnsAlignedNumbersRightNoTrailingBlanks()
    {
        var table = new TableFormatter(new("NAME"), new("COUNT", AlignRight: true), new("NOTE"));
        table.AddRow("alice", "1,234", "x");
        table.AddRow("bob-the-builder", "7", "");

        var lines = table.Format().Split('\n');

        Assert.Equal(
        [
            "NAME             COUNT  NOTE",
            "alice            1,234  x",
            "bob-the-builder      7",
            "",
        ], lines);
    }

    [Fact]
    public void Format_HeaderWiderThanCells_HeaderSetsWidth()
    {
        var text = new TableFormatter(new("A"), new("REQUESTS", AlignRight: true)).AddRow("x", "5").Format();

        Assert.Equal("A  REQUESTS\nx         5\n", text);
    }

    [Fact]
    public void AddRow_LineBreakInCell_ReplacedBySpace()
    {
        var text = new TableFormatter(new("A"), new("B")).AddRow("one\ntwo", "b").Format();

        Assert.Equal("A        B\none two  b\n", text);
    }

    [Fact]
    public void AddRow_WrongCellCount_Throws()
    {
        var table = new TableFormatter(new("A"), new("B"));

        Assert.Throws<ArgumentException>(() => table.AddRow("only one"));
    }
}
