using Switchboard.Hosting;

namespace Switchboard.Tests.Hosting;

public sealed class InlineCompletionsTests
{
    [Fact]
    public void Decide_NothingSet_On() =>
        Assert.Equal("1", InlineCompletions.Decide(Env()));

    [Theory]
    [InlineData("0")]
    [InlineData("false")]
    [InlineData("OFF")]
    [InlineData(" no ")]
    public void Decide_SettingOff_Off(string value) =>
        Assert.Equal("0", InlineCompletions.Decide(Env((InlineCompletions.SettingVariable, value))));

    [Fact]
    public void Decide_SettingOffAndRuntimeVariableOn_SettingWins() =>
        Assert.Equal("0", InlineCompletions.Decide(Env((InlineCompletions.SettingVariable, "off"), (InlineCompletions.RuntimeVariable, "1"))));

    [Fact]
    public void Decide_SettingOnAndRuntimeVariableOff_SettingWins() =>
        Assert.Equal("1", InlineCompletions.Decide(Env((InlineCompletions.SettingVariable, "1"), (InlineCompletions.RuntimeVariable, "0"))));

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    public void Decide_OnlyRuntimeVariableSet_LeftAsItIs(string value) =>
        Assert.Null(InlineCompletions.Decide(Env((InlineCompletions.RuntimeVariable, value))));

    [Fact]
    public void Decide_UnknownSettingValue_DefaultOn() =>
        Assert.Equal("1", InlineCompletions.Decide(Env((InlineCompletions.SettingVariable, "maybe"))));

    [Theory]
    [InlineData(null, false)]
    [InlineData("0", false)]
    [InlineData("maybe", false)]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData(" ON ", true)]
    public void KestrelInlineScheduling_Setting_OnlyWhenAsked(string? value, bool expected) =>
        Assert.Equal(expected, InlineCompletions.KestrelInlineScheduling(value is null ? Env() : Env((InlineCompletions.KestrelSettingVariable, value))));

    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}
