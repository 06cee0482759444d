using System.Text;

namespace Switchboard.Cli;

/// <summary>
/// A plain-text table for the terminal: columns padded to their widest cell, two spaces apart, numbers right-aligned,
/// no trailing blanks. Cells are formatted by the caller (invariantly, see <see cref="CliFormat"/>).
/// </summary>
internal sealed class TableFormatter
{
    private readonly TableColumn[] _columns;
    private readonly List<string[]> _rows = [];

    public TableFormatter(params TableColumn[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0)
        {
            throw new ArgumentException("A table needs at least one column.", nameof(columns));
        }

        _columns = columns;
    }

    public int RowCount => _rows.Count;

    public TableFormatter AddRow(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _columns.Length)
        {
            throw new ArgumentException($"The row has {cells.Length} cells; the table has {_columns.Length} columns.", nameof(cells));
        }

        // A line break inside a cell would break the alignment of every row below it.
        _rows.Add([.. cells.Select(c => (c ?? "").ReplaceLineEndings(" "))]);
        return this;
    }

    public string Format()
    {
        var widths = _columns.Select(c => c.Header.Length).ToArray();
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var text = new StringBuilder();
        AppendLine(text, [.. _columns.Select(c => c.Header)], widths);
        foreach (var row in _rows)
        {
            AppendLine(text, row, widths);
        }

        return text.ToString();
    }

    public override string ToString() => Format();

    private void AppendLine(StringBuilder text, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                line.Append("  ");
            }

            var pad = widths[i] - cells[i].Length;
            if (_columns[i].AlignRight)
            {
                line.Append(' ', pad).Append(cells[i]);
            }
            else
            {
                line.Append(cells[i]).Append(' ', pad);
            }
        }

        text.Append(line.ToString().TrimEnd()).Append('\n');
    }
}
